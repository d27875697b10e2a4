import type { QueueOptions } from 'bull';

import type { RedisLocation } from './redis-options';
import { resilientRedisOptions } from './redis-options';

/** Prefix of every Bull key, so queue data is easy to find and never collides with our own keys. */
export const BULL_PREFIX = 'stream:bull';

/**
 * Options for every Bull queue in both apps: our reconnect policy replaces Bull's default (e^n
 * seconds, capped at 20 s, which would keep a queue dark for up to 20 s after Redis returns), and
 * Sentinel is followed the same way as by the other connections.
 */
export function bullQueueOptions(location: RedisLocation): Pick<QueueOptions, 'prefix' | 'redis'> {
  return { prefix: BULL_PREFIX, redis: resilientRedisOptions(location) };
}
