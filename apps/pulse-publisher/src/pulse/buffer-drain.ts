import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { type BufferedSentimentEntry, LockKeys, SessionKeys } from '@lib-stream/contracts';
import { REDIS, isNoScript, luaScript } from '@lib-stream/nest-kit';

// Atomically, for one partition (KEYS: its lease, its ticked marker, then the sessions' buffers; ARGV: token,
// interval, min batch, now, max age): nothing unless the caller still holds the lease and began this
// partition's current interval (fencing: a replica that lost the partition drains nothing). Then per buffer:
// drop (and count) the entries at the head that waited longer than maxAge — the list is in arrival order,
// so only the head needs looking at — then, with fewer than `min` left, let them wait for the next tick;
// otherwise take them all. An entry is taken once or counted once. Returns {1, expired1, items1, ...} or {0}.
const DRAIN = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then return {0} end
local min = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local maxAge = tonumber(ARGV[5])
local out = {1}
for k = 3, #KEYS do
  local key = KEYS[k]
  local n = redis.call('LLEN', key)
  local expired = 0
  while expired < n do
    local at = tonumber(string.match(redis.call('LINDEX', key, expired), '"at":(%d+)'))
    if at and (now - at) <= maxAge then break end
    expired = expired + 1
  end
  if expired > 0 then redis.call('LTRIM', key, expired, -1) end
  local items = {}
  if n > 0 and n - expired >= min then
    items = redis.call('LRANGE', key, 0, -1)
    redis.call('DEL', key)
  end
  out[#out + 1] = expired
  out[#out + 1] = items
end
return out`);

export interface Drained {
  platformSessionId: string;
  expired: number;
  entries: BufferedSentimentEntry[];
}

/** The sessions of one partition to drain in one script call. */
export interface PartitionGroup {
  partition: number;
  platformSessionIds: string[];
}

export interface DrainFence {
  token: string;
  /** The interval (epoch ms / interval length) the partitions were claimed for. */
  interval: number;
}

/** The result for one group: `fenced` when the partition's lease or interval was no longer this caller's. */
export type GroupDrained = { partition: number; fenced: true } | { partition: number; fenced: false; sessions: Drained[] };

/** Drains many partitions' buffers in one pipelined round trip, each partition fenced by its lease. */
@Injectable()
export class BufferDrain {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async drain(groups: PartitionGroup[], fence: DrainFence, minBatch: number, maxAgeMs: number, now: number, retried = false): Promise<GroupDrained[]> {
    if (groups.length === 0) return [];
    try {
      return await this.run(groups, fence, minBatch, maxAgeMs, now);
    } catch (error) {
      // Redis does not know the script (first use, or its cache was emptied by a restart or failover):
      // load it and try once more.
      if (retried || !isNoScript(error)) throw error;
      await this.redis.script('LOAD', DRAIN.source);
      return this.drain(groups, fence, minBatch, maxAgeMs, now, true);
    }
  }

  private async run(groups: PartitionGroup[], fence: DrainFence, minBatch: number, maxAgeMs: number, now: number): Promise<GroupDrained[]> {
    const pipeline = this.redis.pipeline();
    for (const { partition, platformSessionIds } of groups) {
      const keys = [LockKeys.pulsePartition(partition), SessionKeys.pulsePartitionTicked(partition), ...platformSessionIds.map((id) => SessionKeys.buffer(id))];
      pipeline.evalsha(DRAIN.sha, keys.length, ...keys, fence.token, String(fence.interval), String(minBatch), String(now), String(maxAgeMs));
    }
    const results = (await pipeline.exec()) ?? [];
    return groups.map(({ partition, platformSessionIds }, i): GroupDrained => {
      const [error, value] = results[i] ?? [new Error('no reply from the drain script'), null];
      if (error) throw error;
      const flat = value as [number, ...(number | string[])[]];
      if (flat[0] !== 1) return { partition, fenced: true };
      const sessions = platformSessionIds.map((platformSessionId, k) => ({
        platformSessionId,
        expired: flat[1 + 2 * k] as number,
        entries: (flat[2 + 2 * k] as string[]).map((r) => JSON.parse(r) as BufferedSentimentEntry),
      }));
      return { partition, fenced: false, sessions };
    });
  }
}
