import Redis from 'ioredis';

import { testRedisUrl } from '@lib-stream/testing';

import { isNoScript, luaScript, runScript } from '../src/redis/lua-script';

describe('runScript (real Redis)', () => {
  const redis = new Redis(testRedisUrl());
  const key = `lua-script-spec:${process.pid}`;
  const incrBy = luaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('runs a script Redis has never seen (EVAL), then by its SHA1, and again after the cache is flushed', async () => {
    await redis.script('FLUSH');
    expect(await runScript(redis, incrBy, [key], [2])).toBe(2);
    expect(await redis.script('EXISTS', incrBy.sha)).toEqual([1]);
    expect(await runScript(redis, incrBy, [key], [3])).toBe(5);
    await redis.script('FLUSH');
    expect(await runScript(redis, incrBy, [key], [1])).toBe(6);
  });

  it("passes on the script's own errors", async () => {
    const failing = luaScript("return redis.error_reply('BOOM no such thing')");
    const error = await runScript(redis, failing, [], []).catch((e: unknown) => e);
    expect(String(error)).toContain('BOOM');
    expect(isNoScript(error)).toBe(false);
  });
});
