import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import {
  BROADCAST_LEASE_MS,
  BROADCAST_STOPPED_RETENTION_SECONDS,
  BroadcastKeys,
  type BroadcastRuntime,
  type BroadcastSpec,
  ErrorCode,
  InternalChannels,
  LockKeys,
  type MediaWorkerHeartbeat,
} from '@lib-stream/contracts';
import { DomainError, LockNotAcquiredError, REDIS, RedisLocks, scanKeys } from '@lib-stream/nest-kit';

import { type BroadcastCommands, broadcastCommands } from './broadcast-scripts';

/** Keeps a worker that is just adopting orphans off a broadcast control-api has finalized. */
const FINALIZED_GUARD_MS = 10_000;
const CHANGE_LOCK_TTL_MS = 10_000;
const CHANGE_LOCK_WAIT_MS = 5_000;
/** Re-reads after a lost compare-and-set (a lock that expired under a slow writer) before giving up. */
const CHANGE_ATTEMPTS = 5;

export interface BroadcastSnapshot {
  spec: BroadcastSpec;
  runtime: BroadcastRuntime | null;
  ownerAlive: boolean;
}

export type ClaimResult = { ok: true } | { ok: false; heldBy: string | null };

/** Why requestChange wrote nothing: a 404 or 409 the API answers with as it is. */
export class BroadcastChangeError extends DomainError {
  constructor(readonly reason: 'not-found' | 'busy' | 'contended') {
    super(
      reason === 'not-found' ? ErrorCode.NotFound : ErrorCode.Conflict,
      reason === 'not-found'
        ? 'Broadcast not found'
        : reason === 'busy'
          ? 'another change to this broadcast is in progress; retry'
          : 'the broadcast kept changing while this request was applied; retry',
    );
  }
}

export interface ChangeOptions {
  /** How long to wait for the broadcast's lock (default 5 s); then BroadcastChangeError 'busy'. */
  lockWaitMs?: number;
  /** The spec to change when Redis has none (a worker whose records were lost); default: 'not-found'. */
  whenMissing?: BroadcastSpec;
}

/**
 * The broadcasts' state in Redis (`stream:bc*`, the `stream-broadcasts` store) for both sides:
 * control-api changes the desired state (spec) and reads what workers report; a media worker claims,
 * leases, follows and finalizes. Every key and script of the protocol is used from here only.
 *
 * The desired state changes only through `requestChange`; `claimNew` creates it and `renewLease`
 * writes it back after a Redis loss (both only where there is none).
 */
@Injectable()
export class BroadcastState {
  private readonly commands: BroadcastCommands;
  private readonly locks: RedisLocks;

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.commands = broadcastCommands(redis);
    this.locks = new RedisLocks(redis);
  }

  // --- the desired state ---

  async spec(broadcastId: string): Promise<BroadcastSpec | null> {
    const raw = await this.redis.get(BroadcastKeys.spec(broadcastId));
    return raw ? (JSON.parse(raw) as BroadcastSpec) : null;
  }

  /**
   * The one way to change a broadcast's desired state, for every writer: under the broadcast's lock,
   * reads the spec, asks `mutate` for the next one (null: nothing to write; a throw passes through
   * and writes nothing), stores it with the revision one higher only if the stored revision is still
   * the one read, and announces it to the owner on `InternalChannels.BroadcastChanged` in the same
   * script. Resolves the spec written, or null; rejects with BroadcastChangeError when the spec is
   * missing, the lock stays taken, or the spec kept changing.
   */
  async requestChange(broadcastId: string, mutate: (spec: BroadcastSpec) => BroadcastSpec | null, options: ChangeOptions = {}): Promise<BroadcastSpec | null> {
    try {
      return await this.locks.withLock(LockKeys.broadcast(broadcastId), { ttlMs: CHANGE_LOCK_TTL_MS, waitMs: options.lockWaitMs ?? CHANGE_LOCK_WAIT_MS }, async () => {
        for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
          const stored = await this.spec(broadcastId);
          const current = stored ?? options.whenMissing;
          if (!current) throw new BroadcastChangeError('not-found');
          const changed = mutate(current);
          if (!changed) return null;
          const next: BroadcastSpec = { ...changed, broadcastId, revision: current.revision + 1 };
          const written = await this.commands.broadcastChange(
            BroadcastKeys.spec(broadcastId),
            stored ? String(stored.revision) : '',
            JSON.stringify(next),
            InternalChannels.BroadcastChanged,
            broadcastId,
          );
          if (written === 1) return next;
        }
        throw new BroadcastChangeError('contended');
      });
    } catch (error) {
      if (error instanceof LockNotAcquiredError) throw new BroadcastChangeError('busy');
      throw error;
    }
  }

  // --- what the workers report ---

  async runtime(broadcastId: string): Promise<BroadcastRuntime | null> {
    const raw = await this.redis.get(BroadcastKeys.runtime(broadcastId));
    return raw ? (JSON.parse(raw) as BroadcastRuntime) : null;
  }

  async saveRuntime(runtime: BroadcastRuntime): Promise<void> {
    await this.redis.set(BroadcastKeys.runtime(runtime.broadcastId), JSON.stringify(runtime));
  }

  async ownerAlive(broadcastId: string): Promise<boolean> {
    return (await this.redis.exists(BroadcastKeys.lease(broadcastId))) === 1;
  }

  /** Spec, runtime and whether the runtime's worker still holds the lease; null when there is no spec. */
  async snapshot(broadcastId: string): Promise<BroadcastSnapshot | null> {
    const [spec, runtime, holder] = await Promise.all([this.spec(broadcastId), this.runtime(broadcastId), this.redis.get(BroadcastKeys.lease(broadcastId))]);
    // The record's worker must be the one holding the lease: a lapsed lease, or one a peer took while
    // adopting, means the health and worker written there are no longer anyone's.
    const ownerAlive = holder !== null && (runtime?.workerId == null || runtime.workerId === holder);
    return spec ? { spec, runtime, ownerAlive } : null;
  }

  // --- indexes ---

  /** The id of the active broadcast holding this source, if any. */
  async activeHolder(sourceKey: string): Promise<string | null> {
    const holder = await this.sourceHolder(sourceKey);
    if (!holder) return null;
    return (await this.redis.sismember(BroadcastKeys.active(), holder)) === 1 ? holder : null;
  }

  /** The id of the broadcast that last claimed this source (active or not), if any. */
  async sourceHolder(sourceKey: string): Promise<string | null> {
    return this.redis.get(BroadcastKeys.sourceClaim(sourceKey));
  }

  /** Active broadcasts, or (`activeOnly` false) also those stopped within the retention period. */
  async ids(activeOnly: boolean): Promise<string[]> {
    return this.redis.smembers(activeOnly ? BroadcastKeys.active() : BroadcastKeys.all());
  }

  /** Drops ids whose records have expired from the list of kept broadcasts. */
  async forget(broadcastIds: string[]): Promise<void> {
    if (broadcastIds.length > 0) await this.redis.srem(BroadcastKeys.all(), ...broadcastIds);
  }

  /** An id in the active set whose spec is gone. */
  async forgetActive(broadcastId: string): Promise<void> {
    await this.redis.srem(BroadcastKeys.active(), broadcastId);
  }

  // --- ownership (media workers) ---

  /** Claims the source, takes the lease and stores the spec of a new broadcast, all or nothing. */
  async claimNew(spec: BroadcastSpec, workerId: string): Promise<ClaimResult> {
    const id = spec.broadcastId;
    const result = (await this.commands.broadcastClaimNew(
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
    await this.commands.broadcastUnclaim(
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

  async leaseHolder(broadcastId: string): Promise<string | null> {
    return this.redis.get(BroadcastKeys.lease(broadcastId));
  }

  /** The lease holder of each id (null: none), in order, in one round trip. */
  async leaseHolders(broadcastIds: string[]): Promise<(string | null)[]> {
    return broadcastIds.length ? this.redis.mget(broadcastIds.map((id) => BroadcastKeys.lease(id))) : [];
  }

  /** Takes an ownerless broadcast; false when another worker was faster. */
  async adopt(broadcastId: string, workerId: string): Promise<boolean> {
    return (await this.redis.set(BroadcastKeys.lease(broadcastId), workerId, 'PX', BROADCAST_LEASE_MS, 'NX')) === 'OK';
  }

  /** Takes a broadcast whose owner `goneWorker` is gone; false when it no longer holds the lease. */
  async takeOver(broadcastId: string, goneWorker: string, workerId: string): Promise<boolean> {
    return (await this.commands.broadcastTakeOver(BroadcastKeys.lease(broadcastId), goneWorker, workerId, String(BROADCAST_LEASE_MS))) === 1;
  }

  /**
   * False when the lease was lost (it expired and another worker adopted the broadcast). `spec` is
   * the owner's current desired state, written back only when Redis no longer has the broadcast.
   */
  async renewLease(spec: BroadcastSpec, workerId: string): Promise<boolean> {
    const id = spec.broadcastId;
    const result = await this.commands.broadcastRenew(
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
    await this.commands.broadcastRelease(BroadcastKeys.lease(broadcastId), workerId);
  }

  /** The owner's last step of a stop: the source is free, the records expire after the retention period. */
  async finalize(spec: BroadcastSpec): Promise<void> {
    const id = spec.broadcastId;
    await this.commands.broadcastFinalize(
      BroadcastKeys.active(),
      BroadcastKeys.sourceClaim(spec.sourceKey),
      BroadcastKeys.spec(id),
      BroadcastKeys.runtime(id),
      BroadcastKeys.lease(id),
      id,
      String(BROADCAST_STOPPED_RETENTION_SECONDS),
    );
  }

  /**
   * Records the stop of a broadcast whose owner is gone: `owned` when a worker holds it again (it will
   * finish the stop), `stopped` when a worker already recorded it, `finalized` when this call did.
   */
  async finalizeOwnerless(spec: BroadcastSpec, runtime: BroadcastRuntime, guardHolder: string): Promise<'owned' | 'stopped' | 'finalized'> {
    const id = spec.broadcastId;
    return (await this.commands.broadcastFinalizeOwnerless(
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

  // --- media workers ---

  async heartbeat(beat: MediaWorkerHeartbeat, ttlMs: number): Promise<void> {
    await this.redis.set(BroadcastKeys.worker(beat.instanceId), JSON.stringify(beat), 'PX', ttlMs);
  }

  async removeHeartbeat(instanceId: string): Promise<void> {
    await this.redis.del(BroadcastKeys.worker(instanceId));
  }

  /** Current heartbeats of the media workers (they expire within seconds when a worker dies); malformed ones are skipped. */
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

  /** Other workers that could take broadcasts over right now. */
  async peersAbleToBroadcast(selfId: string): Promise<number> {
    return (await this.workers()).filter((beat) => beat.instanceId !== selfId && beat.ffmpegAvailable && !beat.draining && beat.broadcastsRunning < beat.maxBroadcasts).length;
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
}
