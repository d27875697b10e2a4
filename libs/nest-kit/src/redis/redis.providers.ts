import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

import type { AppConfig } from '../config/settings';
import { redisOptionsFromUrl } from './redis-options';

export const REDIS = Symbol('REDIS');

export function createRedisClient(config: AppConfig, connectionName: string): Redis {
  return new Redis({
    ...redisOptionsFromUrl(config.STREAM_REDIS_URL),
    connectionName,
    // Fail commands fast while Redis is down instead of queueing them forever; readiness reports it.
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

/** Closes the shared Redis connection after the HTTP server and transports have stopped. */
@Injectable()
export class RedisCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.redis.quit();
    } catch (error) {
      this.logger.warn({ msg: 'redis quit failed, disconnecting', error: (error as Error).message });
      this.redis.disconnect();
    }
  }
}
