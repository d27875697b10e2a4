import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

import { LockKeys, SessionKeys } from '@lib-stream/contracts';
import { LeaseKeeper, PulseSettings, RedisSettings, SERVICE_IDENTITY, type ServiceIdentity, failFastOnceReady, resilientRedisOptions } from '@lib-stream/nest-kit';

import { PulseMetrics } from '../pulse-metrics';

/** A partition lease: half an interval (at least 1.5 s), so a dead replica's partitions move on within the next interval. */
export function pulseLeaseMs(pulse: PulseSettings): number {
  return Math.max(1500, Math.floor(pulse.intervalMs / 2));
}

/**
 * One atomic balancing step (KEYS: replicas, partition count, the older versions' single-leader lock, then
 * the n partition leases; ARGV: replica id, token, lease ms, may shed 1|0, first partition to try). Holds
 * nothing while a leader of an older version publishes every session (a rolling upgrade), heartbeats the
 * replica (Redis clock), refuses to go on when live replicas use another partition count, renews what this
 * replica holds, gives back what is over its fair share ceil(n / live replicas) when allowed to, and takes
 * free partitions up to that share.
 * Returns {live, fair, held...}, {-1, agreed count} on a partition-count mismatch, {-2} under an old leader.
 */
const BALANCE = `
if redis.call('EXISTS', KEYS[3]) == 1 then return {-2} end
local n = #KEYS - 3
local lease = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[2], n, 'NX', 'PX', lease)
local agreed = tonumber(redis.call('GET', KEYS[2]))
if agreed ~= n then return {-1, agreed} end
redis.call('PEXPIRE', KEYS[2], lease)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local live = redis.call('ZCARD', KEYS[1])
local fair = math.ceil(n / live)
local held = {}
for p = 0, n - 1 do
  if redis.call('GET', KEYS[p + 4]) == ARGV[2] then held[#held + 1] = p end
end
while ARGV[4] == '1' and #held > fair do
  redis.call('DEL', KEYS[table.remove(held) + 4])
end
for _, p in ipairs(held) do redis.call('PEXPIRE', KEYS[p + 4], lease) end
local start = tonumber(ARGV[5])
local i = 0
while #held < fair and i < n do
  local p = (start + i) % n
  if redis.call('SET', KEYS[p + 4], ARGV[2], 'NX', 'PX', lease) then held[#held + 1] = p end
  i = i + 1
end
local out = {live, fair}
for _, p in ipairs(held) do out[#out + 1] = p end
return out`;

/**
 * Gives back every lease this token holds and leaves the registry; the last replica out also drops the
 * agreed partition count, so the next ones may use another (KEYS: replicas, partition count, leases; ARGV: replica id, token).
 */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) end
for i = 3, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[2] then redis.call('DEL', KEYS[i]) end
end
return 0`;

export interface LeaseHooks {
  /** False while a tick runs: partitions are only given back between ticks, never in the middle of one. */
  mayShed(): boolean;
  /** Partitions this replica has just taken (at start-up, from a replica that left or died). */
  adopted(partitions: number[]): void;
}

/**
 * This replica's leases on partitions of the active sessions (SET NX PX per partition, one token per
 * process), balanced through a registry of live replicas so each aims for ceil(partitions / replicas).
 *
 * Renewal cannot stall behind pulse work: it has its own connection and timer (a LeaseKeeper, every third
 * of a lease, at most 2 s, after each step), and a step that hangs is abandoned after that period. A lease counts as held locally only until one lease
 * after the step that last confirmed it was sent, so a replica cut off from Redis stops on its own; the
 * drain script checks the token in Redis too (fencing), so a replica paused past its lease publishes nothing.
 */
@Injectable()
export class PartitionLeases {
  private readonly logger = new Logger('PulsePartitions');
  readonly token = randomBytes(16).toString('hex');
  readonly leaseMs: number;
  readonly partitionCount: number;
  private redis: Redis | null = null;
  private readonly keeper: LeaseKeeper;
  private owned = new Set<number>();
  /** Partitions the step in flight took, handed to `adopted` once the keeper counts them held. */
  private gained: number[] = [];
  private hooks: LeaseHooks = { mayShed: () => true, adopted: () => undefined };
  private waitingLogged = false;

  constructor(
    private readonly redisSettings: RedisSettings,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly metrics: PulseMetrics,
    pulse: PulseSettings,
  ) {
    this.leaseMs = pulseLeaseMs(pulse);
    this.partitionCount = pulse.partitions;
    this.keeper = new LeaseKeeper({
      leaseMs: this.leaseMs,
      renewEveryMs: this.renewEveryMs,
      cadence: 'after-each',
      renew: () => this.step(),
      onRenewed: () => {
        const gained = this.gained;
        this.gained = [];
        if (gained.length) this.hooks.adopted(gained);
      },
      // The leases stay valid locally until a lease after the last confirmed step, then nothing is published.
      onError: (error) => this.logger.warn({ msg: 'partition lease renewal failed', reason: error.message }),
    });
  }

  /**
   * How often the leases are renewed and shares rebalanced (and a step's time limit): a third of a lease,
   * at most 2 s, so a newcomer or a retry after a refused step never waits long on a long interval.
   */
  get renewEveryMs(): number {
    return Math.max(200, Math.min(2000, Math.floor(this.leaseMs / 3)));
  }

  /** The lease key of each partition, index = partition. */
  private leaseKeys(): string[] {
    return Array.from({ length: this.partitionCount }, (_, p) => LockKeys.pulsePartition(p));
  }

  /** Partitions held now, ascending (none once the last confirmation is a lease old). */
  held(): number[] {
    return this.keeper.held() ? [...this.owned].sort((a, b) => a - b) : [];
  }

  isHeld(partition: number): boolean {
    return this.keeper.held() && this.owned.has(partition);
  }

  start(hooks: LeaseHooks): void {
    this.hooks = hooks;
    this.redis ??= failFastOnceReady(
      new Redis({ ...resilientRedisOptions(this.redisSettings), connectionName: `pulse-leases:${this.identity.instanceId}`, maxRetriesPerRequest: 1, commandTimeout: this.renewEveryMs }),
    );
    this.keeper.start();
  }

  /**
   * Stops balancing. With `release`, gives every partition back at once so peers take them without
   * waiting for the leases to run out; without it, behaves as a crashed replica (the leases expire).
   */
  async stop({ release }: { release: boolean }): Promise<void> {
    const redis = this.redis;
    this.redis = null;
    await this.keeper.stop();
    this.owned.clear();
    this.metrics.partitionsHeld.set(0);
    if (!redis) return;
    if (release && redis.status === 'ready') {
      await redis.eval(RELEASE, 2 + this.partitionCount, SessionKeys.pulseReplicas(), SessionKeys.pulsePartitionCount(), ...this.leaseKeys(), this.identity.instanceId, this.token).catch(() => undefined);
    }
    if (release && redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }

  /** One balancing step: true when Redis confirmed what this replica holds, false when it stands down. */
  private async step(): Promise<boolean> {
    const redis = this.redis;
    if (!redis) return false;
    // Where this replica starts looking for free partitions: spread, so newcomers rarely pick the same ones.
    const start = parseInt(this.token.slice(0, 8), 16) % this.partitionCount;
    const result = (await redis.eval(
      BALANCE,
      3 + this.partitionCount,
      SessionKeys.pulseReplicas(),
      SessionKeys.pulsePartitionCount(),
      LockKeys.sentimentPublisher(),
      ...this.leaseKeys(),
      this.identity.instanceId,
      this.token,
      String(this.leaseMs),
      this.hooks.mayShed() ? '1' : '0',
      String(start),
    )) as number[];
    if (result[0] < 0) {
      // Stand down (held leases run out) and say why once.
      if (!this.waitingLogged && result[0] === -2) this.logger.warn({ msg: 'a single-leader pulse publisher of an older version is running; publishing nothing until it stops' });
      if (!this.waitingLogged && result[0] === -1) this.logger.error({ msg: 'live replicas use another partition count; publishing nothing until they are gone', partitions: this.partitionCount, agreed: result[1] });
      this.waitingLogged = true;
      this.owned.clear();
      this.metrics.partitionsHeld.set(0);
      return false;
    }
    this.waitingLogged = false;
    const [, , ...held] = result;
    const before = this.owned;
    this.owned = new Set(held);
    this.metrics.partitionsHeld.set(held.length);
    this.gained = held.filter((p) => !before.has(p));
    return true;
  }
}
