import { Logger } from '@nestjs/common';
import { ClientRedis, ServerRedis } from '@nestjs/microservices';
import type Redis from 'ioredis';

import type { RedisLocation } from '../redis/redis-options';
import { resilientRedisOptions } from '../redis/redis-options';
import { handleSubscribeRejections } from '../redis/redis.providers';

/**
 * Nest's Redis transport retries `retryAttempts` times, `retryDelay` apart, then gives up for good
 * ("Retry time exhausted"): a five-second outage used to silence an app until it was restarted.
 * Here the attempts never run out; ioredis re-subscribes the listener's channels on every reconnect.
 */
export function redisTransportConnection(location: RedisLocation) {
  // Nest installs its own retryStrategy from retryAttempts/retryDelay; ours is left out.
  const { retryStrategy: _replacedByNest, ...connection } = resilientRedisOptions(location);
  return { ...connection, retryAttempts: Number.MAX_SAFE_INTEGER, retryDelay: 1000 };
}

/** The event publisher/requester side, with a connection state readiness can ask. */
export class ResilientClientRedis extends ClientRedis {
  private readonly outageLog = new OutageLog('EventTransport');

  /** True when both the publishing and the reply-listening connection are up. */
  isConnected(): boolean {
    return this.pubClient?.status === 'ready' && this.subClient?.status === 'ready';
  }

  override registerErrorListener(client: Redis): void {
    handleSubscribeRejections(client);
    this.outageLog.watch(client);
  }
}

/** The listening side (message and event patterns), with a connection state readiness can ask. */
export class ResilientServerRedis extends ServerRedis {
  private readonly outageLog = new OutageLog('EventListener');

  constructor(location: RedisLocation) {
    super(redisTransportConnection(location));
  }

  isConnected(): boolean {
    return this.subClient?.status === 'ready' && this.pubClient?.status === 'ready';
  }

  override registerErrorListener(client: Redis): void {
    handleSubscribeRejections(client);
    this.outageLog.watch(client);
  }
}

/** One warning when a connection drops and one line when it is back, instead of an error per retry. */
class OutageLog {
  private readonly logger: Logger;

  constructor(context: string) {
    this.logger = new Logger(context);
  }

  watch(client: Redis): void {
    let lost = false;
    client.on('error', (error: Error) => {
      if (lost) return;
      lost = true;
      this.logger.warn({ msg: 'event transport lost its Redis connection, reconnecting', error: error.message });
    });
    client.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.logger.log({ msg: 'event transport reconnected' });
    });
  }
}
