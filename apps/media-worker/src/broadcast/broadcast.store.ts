import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import {
  BROADCAST_LEASE_MS,
  BROADCAST_STOPPED_RETENTION_SECONDS,
  BroadcastKeys,
  type BroadcastRuntime,
  type BroadcastSpec,
  type MediaWorkerHeartbeat,
} from '@lib-stream/contracts';
import { REDIS, scanKeys } from '@lib-stream/nest-kit';

// Claim the source (unless the broadcast holding it is no longer active), take the lease, store the
// spec: all or nothing, so two workers can never both start the same source.
const CLAIM_NEW = `
local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] and redis.call('sismember', KEYS[4], holder) == 1 then return holder end
if redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3], 'NX') == false then return 'lease' end
redis.call('set', KEYS[1], ARGV[1])
redis.call('set', KEYS[3], ARGV[4])
redis.call('sadd', KEYS[4], ARGV[1])
redis.call('sadd', KEYS[5], ARGV[1])
return 'ok'`;
// Renews the owner's lease. With no lease at all, Redis lost it or it lapsed with nobody adopting:
// the owner takes it back, and if the broadcast's records are gone too (a flush or a restart without
// persistence), it writes back what it knows, so a Redis loss never takes a broadcast off air.
// 0 only when another worker holds the lease.
const RENEW = `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('exists', KEYS[2]) == 0 then
  redis.call('set', KEYS[2], ARGV[4])
  redis.call('sadd', KEYS[3], ARGV[3])
  redis.call('sadd', KEYS[4], ARGV[3])
  if redis.call('exists', KEYS[5]) == 0 then redis.call('set', KEYS[5], ARGV[3]) end
  return 3
end
return 2`;
// Takes the lease from a worker seen gone, only while that worker still holds it (a compare-and-set:
// of two adopters, or an adopter and a lease that lapsed meanwhile, exactly one wins).
const TAKE_OVER = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;
// Undoes CLAIM_NEW for a broadcast that never went on air (its source failed as it started).
const UNCLAIM = `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('srem', KEYS[2], ARGV[1])
redis.call('srem', KEYS[3], ARGV[1])
redis.call('del', KEYS[4], KEYS[5])
if redis.call('get', KEYS[6]) == ARGV[2] then redis.call('del', KEYS[6]) end
return 1`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Leaves the source free and the records to expire; the lease goes last so nobody adopts meanwhile.
const FINALIZE = `
redis.call('srem', KEYS[1], ARGV[1])
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
redis.call('expire', KEYS[3], ARGV[2])
redis.call('expire', KEYS[4], ARGV[2])
redis.call('del', KEYS[5])
return 1`;

export type ClaimResult = { ok: true } | { ok: false; heldBy: string | null };

/** The `stream-broadcasts` store as a media worker uses it: specs, runtime, leases, source claims. */
@Injectable()
export class BroadcastStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async claimNew(spec: BroadcastSpec, workerId: string): Promise<ClaimResult> {
    const id = spec.broadcastId;
    const result = (await this.redis.eval(
      CLAIM_NEW,
      5,
      BroadcastKeys.sourceClaim(spec.sourceKey),
      BroadcastKeys.lease(id),
      BroadcastKeys.spec(id),
      BroadcastKeys.active(),
      BroadcastKeys.all(),
      id,
      workerId,
      String(BROADCAST_LEASE_MS),
      JSON.stringify(spec),
    )) as string;
    if (result === 'ok') return { ok: true };
    return { ok: false, heldBy: result === 'lease' ? null : result };
  }

  /** Forgets a claimed broadcast that never went on air, as if it had never been started. */
  async unclaim(spec: BroadcastSpec, workerId: string): Promise<void> {
    const id = spec.broadcastId;
    await this.redis.eval(
      UNCLAIM,
      6,
      BroadcastKeys.sourceClaim(spec.sourceKey),
      BroadcastKeys.active(),
      BroadcastKeys.all(),
      BroadcastKeys.spec(id),
      BroadcastKeys.runtime(id),
      BroadcastKeys.lease(id),
      id,
      workerId,
    );
  }

  async spec(broadcastId: string): Promise<BroadcastSpec | null> {
    const raw = await this.redis.get(BroadcastKeys.spec(broadcastId));
    return raw ? (JSON.parse(raw) as BroadcastSpec) : null;
  }

  async saveSpec(spec: BroadcastSpec): Promise<void> {
    await this.redis.set(BroadcastKeys.spec(spec.broadcastId), JSON.stringify(spec));
  }

  async runtime(broadcastId: string): Promise<BroadcastRuntime | null> {
    const raw = await this.redis.get(BroadcastKeys.runtime(broadcastId));
    return raw ? (JSON.parse(raw) as BroadcastRuntime) : null;
  }

  async saveRuntime(runtime: BroadcastRuntime): Promise<void> {
    await this.redis.set(BroadcastKeys.runtime(runtime.broadcastId), JSON.stringify(runtime));
  }

  async activeIds(): Promise<string[]> {
    return this.redis.smembers(BroadcastKeys.active());
  }

  /** An id in the active set whose spec is gone. */
  async forgetActive(broadcastId: string): Promise<void> {
    await this.redis.srem(BroadcastKeys.active(), broadcastId);
  }

  async sourceHolder(sourceKey: string): Promise<string | null> {
    return this.redis.get(BroadcastKeys.sourceClaim(sourceKey));
  }

  async leaseHolder(broadcastId: string): Promise<string | null> {
    return this.redis.get(BroadcastKeys.lease(broadcastId));
  }

  /** Takes an ownerless broadcast; false when another worker was faster. */
  async adopt(broadcastId: string, workerId: string): Promise<boolean> {
    return (await this.redis.set(BroadcastKeys.lease(broadcastId), workerId, 'PX', BROADCAST_LEASE_MS, 'NX')) === 'OK';
  }

  /** Takes a broadcast whose owner `goneWorker` is gone; false when it no longer holds the lease. */
  async takeOver(broadcastId: string, goneWorker: string, workerId: string): Promise<boolean> {
    return (await this.redis.eval(TAKE_OVER, 1, BroadcastKeys.lease(broadcastId), goneWorker, workerId, String(BROADCAST_LEASE_MS))) === 1;
  }

  /** The lease holder of each id (null: none), in order, in one round trip. */
  async leaseHolders(broadcastIds: string[]): Promise<(string | null)[]> {
    return broadcastIds.length ? this.redis.mget(broadcastIds.map((id) => BroadcastKeys.lease(id))) : [];
  }

  /**
   * Names of the connections Redis has open right now (CLIENT LIST; Redis forbids spaces in names).
   * A SIGKILLed process's sockets are closed by its kernel, so its names leave this list at once.
   */
  async connectionNames(): Promise<Set<string>> {
    const list = (await this.redis.call('CLIENT', 'LIST')) as string;
    const names = new Set<string>();
    for (const match of list.matchAll(/(?:^| )name=(\S+)/gm)) names.add(match[1]);
    return names;
  }

  /**
   * False when the lease was lost (it expired and another worker adopted the broadcast). `spec` is
   * the owner's current desired state, written back only when Redis no longer has the broadcast.
   */
  async renewLease(spec: BroadcastSpec, workerId: string): Promise<boolean> {
    const id = spec.broadcastId;
    const result = await this.redis.eval(
      RENEW,
      5,
      BroadcastKeys.lease(id),
      BroadcastKeys.spec(id),
      BroadcastKeys.active(),
      BroadcastKeys.all(),
      BroadcastKeys.sourceClaim(spec.sourceKey),
      workerId,
      String(BROADCAST_LEASE_MS),
      id,
      JSON.stringify(spec),
    );
    return result !== 0;
  }

  async releaseLease(broadcastId: string, workerId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, BroadcastKeys.lease(broadcastId), workerId);
  }

  async finalize(spec: BroadcastSpec): Promise<void> {
    const id = spec.broadcastId;
    await this.redis.eval(
      FINALIZE,
      5,
      BroadcastKeys.active(),
      BroadcastKeys.sourceClaim(spec.sourceKey),
      BroadcastKeys.spec(id),
      BroadcastKeys.runtime(id),
      BroadcastKeys.lease(id),
      id,
      String(BROADCAST_STOPPED_RETENTION_SECONDS),
    );
  }

  async heartbeat(beat: MediaWorkerHeartbeat, ttlMs: number): Promise<void> {
    await this.redis.set(BroadcastKeys.worker(beat.instanceId), JSON.stringify(beat), 'PX', ttlMs);
  }

  async removeHeartbeat(instanceId: string): Promise<void> {
    await this.redis.del(BroadcastKeys.worker(instanceId));
  }

  /** Other workers that could take broadcasts over right now. */
  async peersAbleToBroadcast(selfId: string): Promise<number> {
    const keys = await scanKeys(this.redis, BroadcastKeys.workerPattern());
    const beats = keys.length ? await this.redis.mget(keys) : [];
    return beats
      .filter((raw): raw is string => raw !== null)
      .map((raw) => JSON.parse(raw) as MediaWorkerHeartbeat)
      .filter((beat) => beat.instanceId !== selfId && beat.ffmpegAvailable && !beat.draining && beat.broadcastsRunning < beat.maxBroadcasts).length;
  }
}
