import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/** A Lua script and its SHA1, the name Redis knows it by once loaded (EVALSHA). */
export interface LuaScript {
  source: string;
  sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** True for Redis's "NOSCRIPT No matching script" reply: its script cache was emptied (restart, failover). */
export function isNoScript(error: unknown): boolean {
  return String((error as Error)?.message).startsWith('NOSCRIPT');
}

/**
 * Runs `script` by its SHA1 (EVALSHA), and sends the source (EVAL, which also caches it) only when
 * Redis does not know it yet. Resolves the script's reply; rejects with Redis's error.
 */
export async function runScript(redis: Redis, script: LuaScript, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
