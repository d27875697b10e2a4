import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

import { type RedisLocation, resilientRedisOptions } from './redis-options';

export const REDIS = Symbol('REDIS');

/**
 * The shared command connection: reconnects forever (see resilientRedisOptions) and, once it has
 * been up, fails commands at once while Redis is away instead of queueing them, so a request
 * answers 503 within milliseconds rather than hanging on a dead connection.
 */
export function createRedisClient(location: RedisLocation, connectionName: string): Redis {
  return failFastOnceReady(new Redis({ ...resilientRedisOptions(location), connectionName, maxRetriesPerRequest: 1 }));
}

/**
 * A second connection with the same settings, for pub/sub: `duplicate()` would copy the fail-fast
 * flag too, so a subscriber made after start-up could not even queue its first SUBSCRIBE. ioredis
 * re-subscribes on its own after every reconnect.
 */
export function duplicateRedis(client: Redis): Redis {
  return failFastOnceReady(client.duplicate({ enableOfflineQueue: true }));
}

/**
 * Commands queue while the first connection is made (start-up order does not matter), then the
 * offline queue is switched off: ioredis reads the flag per command, and handshake commands
 * (AUTH, SELECT, INFO, re-SUBSCRIBE) bypass it on reconnects.
 */
export function failFastOnceReady(client: Redis): Redis {
  const logger = new Logger('Redis');
  const connection = client.options.connectionName ?? 'redis';
  let lost = false;
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  // One line per outage and one per recovery, not one per retry; readiness reports the state.
  client.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    logger.warn({ msg: 'redis connection lost, reconnecting', connection, error: error.message });
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.log({ msg: 'redis connection restored', connection });
  });
  return client;
}

/** Closes the shared Redis connection after the HTTP server and transports have stopped. */
@Injectable()
export class RedisCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status !== 'ready') {
      // QUIT on a dead connection would wait for a reconnect that shutdown does not need.
      this.redis.disconnect();
      return;
    }
    try {
      await this.redis.quit();
    } catch (error) {
      this.logger.warn({ msg: 'redis quit failed, disconnecting', error: (error as Error).message });
      this.redis.disconnect();
    }
  }
}
