import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { BROADCAST_STOPPED_RETENTION_SECONDS, BroadcastKeys, type BroadcastRuntime, type BroadcastSpec, InternalChannels, type MediaWorkerHeartbeat } from '@lib-stream/contracts';
import { REDIS, scanKeys } from '@lib-stream/nest-kit';

/** Keeps a worker that is just adopting orphans off a broadcast control-api has finalized. */
const FINALIZED_GUARD_MS = 10_000;

// Write the spec only if nobody changed it since it was read (a worker may fail the broadcast meanwhile).
const SAVE_IF_REVISION = `
local current = redis.call('get', KEYS[1])
if not current then return 0 end
local ok, parsed = pcall(cjson.decode, current)
if not ok or type(parsed) ~= 'table' or tonumber(parsed.revision) ~= tonumber(ARGV[1]) then return 0 end
redis.call('set', KEYS[1], ARGV[2])
return 1`;

// Finalize a stopped broadcast nobody owns: only while there is still no lease and no worker has
// recorded the stop, so the stop is recorded (and announced) once.
const FINALIZE_OWNERLESS = `
if redis.call('exists', KEYS[1]) == 1 then return 'owned' end
local current = redis.call('get', KEYS[2])
if current then
  local ok, parsed = pcall(cjson.decode, current)
  if ok and type(parsed) == 'table' and type(parsed.stoppedAt) == 'string' then return 'stopped' end
end
redis.call('set', KEYS[1], ARGV[4], 'PX', ARGV[5])
redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('srem', KEYS[3], ARGV[1])
if redis.call('get', KEYS[4]) == ARGV[1] then redis.call('del', KEYS[4]) end
redis.call('expire', KEYS[5], ARGV[3])
return 'finalized'`;

export interface BroadcastSnapshot {
  spec: BroadcastSpec;
  runtime: BroadcastRuntime | null;
  ownerAlive: boolean;
}

/**
 * The `stream-broadcasts` store as control-api uses it: it reads what the media workers report and
 * changes only the desired state (spec), which the owning worker then applies.
 */
@Injectable()
export class BroadcastStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async spec(broadcastId: string): Promise<BroadcastSpec | null> {
    const raw = await this.redis.get(BroadcastKeys.spec(broadcastId));
    return raw ? (JSON.parse(raw) as BroadcastSpec) : null;
  }

  async runtime(broadcastId: string): Promise<BroadcastRuntime | null> {
    const raw = await this.redis.get(BroadcastKeys.runtime(broadcastId));
    return raw ? (JSON.parse(raw) as BroadcastRuntime) : null;
  }

  async ownerAlive(broadcastId: string): Promise<boolean> {
    return (await this.redis.exists(BroadcastKeys.lease(broadcastId))) === 1;
  }

  async snapshot(broadcastId: string): Promise<BroadcastSnapshot | null> {
    const [spec, runtime, holder] = await Promise.all([this.spec(broadcastId), this.runtime(broadcastId), this.redis.get(BroadcastKeys.lease(broadcastId))]);
    // The record's worker must be the one holding the lease: a lapsed lease, or one a peer took while
    // adopting, means the health and worker written there are no longer anyone's.
    const ownerAlive = holder !== null && (runtime?.workerId == null || runtime.workerId === holder);
    return spec ? { spec, runtime, ownerAlive } : null;
  }

  /** Writes the next desired state; false when the stored spec is gone or no longer at `expectedRevision`. */
  async saveSpecIfRevision(spec: BroadcastSpec, expectedRevision: number): Promise<boolean> {
    const result = await this.redis.eval(SAVE_IF_REVISION, 1, BroadcastKeys.spec(spec.broadcastId), String(expectedRevision), JSON.stringify(spec));
    return result === 1;
  }

  /** Tells the owning worker to apply the desired state now (it also checks every second). */
  async announce(broadcastId: string): Promise<void> {
    await this.redis.publish(InternalChannels.BroadcastChanged, broadcastId);
  }

  /** The id of the active broadcast holding this source, if any. */
  async activeHolder(sourceKey: string): Promise<string | null> {
    const holder = await this.redis.get(BroadcastKeys.sourceClaim(sourceKey));
    if (!holder) return null;
    return (await this.redis.sismember(BroadcastKeys.active(), holder)) === 1 ? holder : null;
  }

  async ids(activeOnly: boolean): Promise<string[]> {
    return this.redis.smembers(activeOnly ? BroadcastKeys.active() : BroadcastKeys.all());
  }

  /** Drops ids whose records have expired from the list of kept broadcasts. */
  async forget(broadcastIds: string[]): Promise<void> {
    if (broadcastIds.length > 0) await this.redis.srem(BroadcastKeys.all(), ...broadcastIds);
  }

  /** Current heartbeats of the media workers (they expire within seconds when a worker dies). */
  async workers(): Promise<MediaWorkerHeartbeat[]> {
    const keys = await scanKeys(this.redis, BroadcastKeys.workerPattern());
    if (keys.length === 0) return [];
    const beats: MediaWorkerHeartbeat[] = [];
    for (const raw of await this.redis.mget(keys)) {
      if (raw === null) continue;
      try {
        beats.push(JSON.parse(raw) as MediaWorkerHeartbeat);
      } catch {
        // A malformed heartbeat counts as no worker.
      }
    }
    return beats;
  }

  /**
   * Records the stop of a broadcast whose owner is gone: `owned` when a worker holds it again (it will
   * finish the stop), `stopped` when a worker already recorded it, `finalized` when this call did.
   */
  async finalizeOwnerless(spec: BroadcastSpec, runtime: BroadcastRuntime, guardHolder: string): Promise<'owned' | 'stopped' | 'finalized'> {
    const id = spec.broadcastId;
    return (await this.redis.eval(
      FINALIZE_OWNERLESS,
      5,
      BroadcastKeys.lease(id),
      BroadcastKeys.runtime(id),
      BroadcastKeys.active(),
      BroadcastKeys.sourceClaim(spec.sourceKey),
      BroadcastKeys.spec(id),
      id,
      JSON.stringify(runtime),
      String(BROADCAST_STOPPED_RETENTION_SECONDS),
      guardHolder,
      String(FINALIZED_GUARD_MS),
    )) as 'owned' | 'stopped' | 'finalized';
  }
}
