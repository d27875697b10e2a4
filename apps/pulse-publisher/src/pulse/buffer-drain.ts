import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { type BufferedSentimentEntry, SessionKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

// Atomically: drop (and count) the entries at the head that waited longer than maxAge — the list is in
// arrival order, so only the head needs looking at — then, with fewer than `min` left, let them wait
// for the next tick; otherwise take them all. An entry is taken once or counted once.
const DRAIN = `
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {0, {}} end
local now = tonumber(ARGV[2])
local maxAge = tonumber(ARGV[3])
local expired = 0
while expired < n do
  local at = tonumber(string.match(redis.call('LINDEX', KEYS[1], expired), '"at":(%d+)'))
  if at and (now - at) <= maxAge then break end
  expired = expired + 1
end
if expired > 0 then redis.call('LTRIM', KEYS[1], expired, -1) end
if n - expired < tonumber(ARGV[1]) then return {expired, {}} end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return {expired, items}`;

export interface Drained {
  platformSessionId: string;
  expired: number;
  entries: BufferedSentimentEntry[];
}

/** Drains many sessions' buffers in one pipelined round trip. */
@Injectable()
export class BufferDrain {
  private sha: string | null = null;

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async drain(platformSessionIds: string[], minBatch: number, maxAgeMs: number, now: number, retried = false): Promise<Drained[]> {
    if (platformSessionIds.length === 0) return [];
    try {
      return await this.run(platformSessionIds, minBatch, maxAgeMs, now);
    } catch (error) {
      // Redis lost its script cache (restart, failover): load it again once.
      if (retried || !String((error as Error).message).includes('NOSCRIPT')) throw error;
      this.sha = null;
      return this.drain(platformSessionIds, minBatch, maxAgeMs, now, true);
    }
  }

  private async run(platformSessionIds: string[], minBatch: number, maxAgeMs: number, now: number): Promise<Drained[]> {
    this.sha ??= (await this.redis.script('LOAD', DRAIN)) as string;
    const pipeline = this.redis.pipeline();
    for (const id of platformSessionIds) {
      pipeline.evalsha(this.sha, 1, SessionKeys.buffer(id), String(minBatch), String(now), String(maxAgeMs));
    }
    const results = (await pipeline.exec()) ?? [];
    return platformSessionIds.map((platformSessionId, i) => {
      const [error, value] = results[i] ?? [null, [0, []]];
      if (error) throw error;
      const [expired, raw] = value as [number, string[]];
      return { platformSessionId, expired, entries: raw.map((r) => JSON.parse(r) as BufferedSentimentEntry) };
    });
  }
}
