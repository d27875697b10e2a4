import type Redis from 'ioredis';

/** Every key matching a pattern, by SCAN (never KEYS, which blocks Redis on a large keyspace). */
export async function scanKeys(redis: Redis, pattern: string, count = 500): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}
