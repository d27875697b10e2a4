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

/** What a pub/sub connection listens to: channels (SUBSCRIBE) and patterns (PSUBSCRIBE). */
export interface RedisTopics {
  channels?: string[];
  patterns?: string[];
}

export interface RedisSubscription {
  /** The pub/sub connection: listen to its 'message' / 'pmessage' events; `disconnect()` it to stop. */
  connection: Redis;
  /** Settles when Redis has confirmed the first subscription (rejects when it could not be sent). */
  subscribed: Promise<void>;
  /**
   * Calls `listener` each time Redis has confirmed the subscription again after a reconnect: the moment
   * to catch up on what was published while it was away (reload, tell clients to resync). Not on
   * 'ready': the re-subscribe is only sent then, and what is published before Redis has it is lost.
   */
  onResubscribed(listener: () => void): void;
}

/**
 * A second connection with the same settings, subscribed to `topics`, that subscribes again itself
 * after every reconnect. ioredis's own re-subscribe (`autoResubscribe`) leaves its promise unhandled
 * (redis/ioredis#2187, in no 5.x release): a connection closed while that handshake was in flight (an
 * app stopping while Redis comes back) rejected it unhandled, which exits a Node process, and a
 * re-subscribe refused on a dropping connection was not tried again. Here a failed re-subscribe is
 * logged and sent again on the next reconnect. The offline queue stays on (a pub/sub connection serves
 * no request that must fail fast) and nothing queued is failed by a retry count: what is sent while it
 * is down waits for the next connection.
 */
export function subscribeRedis(client: Redis, topics: RedisTopics, connectionName = client.options.connectionName): RedisSubscription {
  const logger = new Logger('Redis');
  const connection = watchConnection(client.duplicate({ autoResubscribe: false, enableOfflineQueue: true, maxRetriesPerRequest: null, ...(connectionName ? { connectionName } : {}) }));
  const subscribe = async (): Promise<void> => {
    if (topics.channels?.length) await connection.subscribe(...topics.channels);
    if (topics.patterns?.length) await connection.psubscribe(...topics.patterns);
  };
  // The first subscription waits in the offline queue for the first connection; later ones follow each reconnect.
  const subscribed = subscribe();
  const resubscribed: (() => void)[] = [];
  let connectedBefore = false;
  connection.on('ready', () => {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    subscribe().then(
      () => {
        for (const listener of resubscribed) listener();
      },
      (error: Error) => {
        if (connection.status === 'end') return; // closed on purpose
        logger.warn({ msg: 'redis re-subscribe failed; sent again on the next reconnect', connection: connectionName ?? 'redis', error: error.message });
      },
    );
  });
  return { connection, subscribed, onResubscribed: (listener) => void resubscribed.push(listener) };
}

/**
 * For pub/sub connections made by libraries (Bull's event subscriber, Nest's Redis transport), which
 * keep ioredis's own re-subscribe: every SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE promise gets a handler, so the
 * re-subscribe a connection closed mid-handshake rejects (redis/ioredis#2187) is not an unhandled
 * rejection. Callers still get the same promise. Their offline queue is on, so a re-subscribe sent
 * while the connection drops again waits for the next connection instead of being lost.
 */
export function handleSubscribeRejections(client: Redis): Redis {
  for (const command of ['subscribe', 'psubscribe', 'ssubscribe'] as const) {
    const send = client[command].bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(client, {
      [command]: (...args: unknown[]) => {
        const reply = send(...args);
        reply.catch(() => undefined);
        return reply;
      },
    });
  }
  return client;
}

/**
 * Commands queue while the first connection is made (start-up order does not matter), then the
 * offline queue is switched off: ioredis reads the flag per command, and handshake commands
 * (AUTH, SELECT, INFO) bypass it on reconnects.
 */
export function failFastOnceReady(client: Redis): Redis {
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  return watchConnection(client);
}

/** Logs one line per outage and one per recovery, not one per retry; readiness reports the state. */
function watchConnection(client: Redis): Redis {
  const logger = new Logger('Redis');
  const connection = client.options.connectionName ?? 'redis';
  let lost = false;
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
