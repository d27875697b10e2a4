import type Redis from 'ioredis';

/**
 * The keys matching a glob pattern, one SCAN batch at a time (never KEYS, which blocks Redis on a
 * large keyspace). A batch may be empty, and a key changed during the scan may come twice (SCAN's
 * guarantee); `count` is SCAN's hint for how many keys Redis looks at per call.
 */
export async function* scanKeyBatches(redis: Redis, pattern: string, count = 500): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    yield batch;
  } while (cursor !== '0');
}

/** Every key matching a glob pattern, by SCAN (see scanKeyBatches). */
export async function scanKeys(redis: Redis, pattern: string, count = 500): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of scanKeyBatches(redis, pattern, count)) keys.push(...batch);
  return keys;
}
