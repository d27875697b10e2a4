import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type Redis from 'ioredis';

import { APP_CONFIG, SERVICE_IDENTITY } from './config/config.tokens';
import type { AppConfig } from './config/settings';
import { RedisSettings, SETTINGS_SLICES, settingsSliceProviders } from './config/slices';
import { CipherProvider } from './crypto/cipher.provider';
import { EventBus } from './events/event-bus';
import { InstanceAnnouncer } from './events/instance-announcer';
import { HealthController } from './health/health.controller';
import { HealthRegistry } from './health/health.registry';
import type { ServiceIdentity } from './identity';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { RedisLocks } from './redis/redis-lock';
import { REDIS, RedisCloser, createRedisClient } from './redis/redis.providers';

export interface StreamKitOptions {
  config: AppConfig;
  identity: ServiceIdentity;
}

/**
 * What every lib-stream app shares: config (whole, and as typed slices), identity, the cipher, the Redis connection, locks, the event bus,
 * health and metrics endpoints. Imported once by each app's root module.
 */
@Global()
@Module({})
export class StreamKitModule implements NestModule {
  static forRoot({ config, identity }: StreamKitOptions): DynamicModule {
    return {
      module: StreamKitModule,
      controllers: [HealthController, MetricsController],
      exports: [APP_CONFIG, ...SETTINGS_SLICES, CipherProvider, EventBus, HealthRegistry, MetricsService, REDIS, RedisLocks, SERVICE_IDENTITY],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        ...settingsSliceProviders(config),
        { provide: SERVICE_IDENTITY, useValue: identity },
        { provide: REDIS, inject: [RedisSettings], useFactory: (redis: RedisSettings) => createRedisClient(redis, `${identity.service}:${identity.instanceId}`) },
        {
          provide: HealthRegistry,
          inject: [REDIS],
          useFactory: (redis: Redis) => {
            const registry = new HealthRegistry();
            registry.register('redis', async () => {
              await redis.ping();
            });
            return registry;
          },
        },
        { provide: RedisLocks, inject: [REDIS], useFactory: (redis: Redis) => new RedisLocks(redis) },
        CipherProvider,
        EventBus,
        InstanceAnnouncer,
        MetricsService,
        RedisCloser,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
