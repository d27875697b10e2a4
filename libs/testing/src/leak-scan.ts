import type Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';

/** Every key and value in Redis as text (strings, hashes, lists, sets, sorted sets), for leak scans. */
export async function dumpRedis(redis: Redis): Promise<string> {
  let dump = '';
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
        : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
        : type === 'set' ? JSON.stringify(await redis.smembers(key))
        : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1))
        : '';
      dump += `${key}=${value}\n`;
    }
  } while (cursor !== '0');
  return dump;
}

/** Every row of every table of a database as text, for leak scans. */
export async function dumpMysql(url: string): Promise<string> {
  const connection = await createConnection(url);
  try {
    const [tables] = await connection.query('SHOW TABLES');
    let dump = '';
    for (const row of tables as Record<string, string>[]) {
      const [rows] = await connection.query(`SELECT * FROM \`${Object.values(row)[0]}\``);
      dump += JSON.stringify(rows);
    }
    return dump;
  } finally {
    await connection.end();
  }
}

/** The secrets found in each place: `{}` when nothing leaked. */
export function findLeaks(places: Record<string, string>, secrets: string[]): Record<string, string[]> {
  const leaks: Record<string, string[]> = {};
  for (const [place, text] of Object.entries(places)) {
    const found = secrets.filter((secret) => secret && text.includes(secret));
    if (found.length > 0) leaks[place] = found;
  }
  return leaks;
}
