/**
 * A marker control-api keeps in Redis (no TTL). A FLUSHALL or a restart without persistence
 * removes it, which is how the apps notice that Redis lost its data and must be re-seeded from
 * the database; its value changes with every loss.
 */
export const RedisLossKeys = {
  epoch: () => 'stream:redis-epoch',
} as const;
