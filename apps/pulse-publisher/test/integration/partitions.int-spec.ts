import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { LockKeys, SessionKeys, shardOf } from '@lib-stream/contracts';
import { JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { expectEventually, testRedisUrl, untilReady } from '@lib-stream/testing';

import { AppModule } from '../../src/app.module';
import { BufferDrain } from '../../src/pulse/buffer-drain';
import { PartitionLeases } from '../../src/pulse/partitions/partition-leases';
import { PulseScheduler } from '../../src/pulse/pulse-scheduler';

// Replicas in one process, each a whole pulse-publisher app with its own Redis connections, on a 2 s
// interval (lease 1.5 s, renewed every 0.5 s) and 16 partitions.
const INTERVAL_MS = 2000;
const PARTITIONS = 16;
const SESSIONS = 120;

interface Replica {
  app: INestApplication;
  leases: PartitionLeases;
}

describe('pulse publishing partitioned across replicas', () => {
  const redis = new Redis(testRedisUrl());
  const subscriber = new Redis(testRedisUrl());
  /** Every pulse seen: session, the interval its timestamp falls in, when it arrived. */
  const pulses: { session: string; interval: number; at: number }[] = [];
  const replicas: Replica[] = [];
  const sessions = Array.from({ length: SESSIONS }, () => randomUUID());

  async function startReplica(): Promise<Replica> {
    const config = loadConfig({
      STREAM_REDIS_URL: testRedisUrl(),
      STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: String(INTERVAL_MS / 1000),
      STREAM_SENTIMENT_PULSE_PARTITIONS: String(PARTITIONS),
      STREAM_SENTIMENT_MIN_BATCH_SIZE: '1',
    });
    const identity = newServiceIdentity('pulse-publisher');
    const logger = new JsonLogger({ service: 'pulse-publisher', level: 'error', sink: { write: () => undefined } });
    const app = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity) }, config, identity, logger);
    await app.init();
    const replica = { app, leases: app.get(PartitionLeases) };
    replicas.push(replica);
    return replica;
  }

  /** Who holds each partition, read from Redis (token per partition, null when free). */
  const holders = async () => redis.mget(Array.from({ length: PARTITIONS }, (_, p) => LockKeys.pulsePartition(p)));

  /** Partitions each replica's token holds in Redis. */
  async function shares(of: Replica[]): Promise<number[][]> {
    const tokens = await holders();
    return of.map((r) => tokens.flatMap((t, p) => (t === r.leases.token ? [p] : [])));
  }

  const push = () => {
    const pipeline = redis.pipeline();
    for (const id of sessions) pipeline.rpush(SessionKeys.buffer(id), JSON.stringify({ category: 'Excited', intensity: 0.5, trackingId: null, viewerType: null, at: Date.now() }));
    return pipeline.exec();
  };

  /** Pushes one entry to every session a quarter into each interval, until `ms` have passed. */
  async function feed(ms: number, during: (elapsed: number) => Promise<void> = () => Promise.resolve()): Promise<{ from: number; to: number }> {
    const started = Date.now();
    const from = Math.floor(started / INTERVAL_MS) + 1;
    for (;;) {
      const next = (Math.floor(Date.now() / INTERVAL_MS) + 1) * INTERVAL_MS + INTERVAL_MS / 4;
      await new Promise((resolve) => setTimeout(resolve, next - Date.now()));
      if (Date.now() - started > ms) break;
      await push();
      await during(Date.now() - started);
    }
    // Entries pushed in interval k are published at the start of k+1: wait for the last of them.
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    return { from: from + 1, to: Math.floor(Date.now() / INTERVAL_MS) - 1 };
  }

  /** Sessions with no pulse, and sessions with more than one, in each interval of [from, to]. */
  function coverage({ from, to }: { from: number; to: number }): { intervals: number; missing: string[]; doubled: string[] } {
    const missing: string[] = [];
    const doubled: string[] = [];
    for (let k = from; k <= to; k++) {
      const counts = new Map<string, number>();
      for (const p of pulses) if (p.interval === k) counts.set(p.session, (counts.get(p.session) ?? 0) + 1);
      for (const id of sessions) {
        const n = counts.get(id) ?? 0;
        if (n === 0) missing.push(`${k}:${id}`);
        if (n > 1) doubled.push(`${k}:${id}`);
      }
    }
    return { intervals: to - from + 1, missing, doubled };
  }

  beforeAll(async () => {
    const active = redis.multi();
    for (const id of sessions) active.set(SessionKeys.session(id), JSON.stringify({ platformSessionId: id, inGameSessionId: null, viewerCount: 3, state: 'active' }), 'EX', 600).sadd(SessionKeys.active(), id);
    await active.exec();
    await untilReady(subscriber);
    await subscriber.subscribe('stream.audience.pulse');
    subscriber.on('message', (_channel: string, message: string) => {
      const pulse = JSON.parse(message).data as { platformSessionId: string; timestamp: string };
      pulses.push({ session: pulse.platformSessionId, interval: Math.floor(Date.parse(pulse.timestamp) / INTERVAL_MS), at: Date.now() });
    });
  });

  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.app.close()));
    pulses.length = 0;
  });

  afterAll(async () => {
    await redis.srem(SessionKeys.active(), ...sessions);
    await redis.del(...sessions.flatMap((id) => [SessionKeys.session(id), SessionKeys.buffer(id), SessionKeys.latestPulse(id)]));
    // The partitions' interval marks (2 s intervals: numbers far above a 1 h interval's), leases and
    // registry must go too: the next spec file on this Redis would find its ticks refused as stale.
    const partitions = Array.from({ length: PARTITIONS }, (_, p) => p);
    await redis.del(...partitions.flatMap((p) => [SessionKeys.pulsePartitionTicked(p), LockKeys.pulsePartition(p)]), SessionKeys.pulseReplicas(), SessionKeys.pulsePartitionCount());
    await subscriber.quit();
    await redis.quit();
  });

  it('splits the partitions between two, then three replicas without overlap, and publishes every session once an interval throughout', async () => {
    const a = await startReplica();
    await expectEventually(async () => expect((await shares([a]))[0]).toHaveLength(PARTITIONS));
    const window = await feed(8 * INTERVAL_MS, async (elapsed) => {
      if (replicas.length === 1 && elapsed > 1.5 * INTERVAL_MS) await startReplica();
      else if (replicas.length === 2 && elapsed > 4.5 * INTERVAL_MS) await startReplica();
    });
    // Each replica at its fair share, ceil(16 / 3) = 6 at most; Redis gives each partition one holder.
    const split = await shares(replicas);
    expect(split.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
    for (const share of split) expect(share.length).toBeLessThanOrEqual(Math.ceil(PARTITIONS / 3));
    for (const share of split) expect(share.length).toBeGreaterThanOrEqual(PARTITIONS - 2 * Math.ceil(PARTITIONS / 3));
    // Across both rebalances every session had exactly one pulse in every interval.
    const result = coverage(window);
    expect(result.intervals).toBeGreaterThanOrEqual(6);
    expect(result.doubled).toEqual([]);
    expect(result.missing).toEqual([]);
  }, 60_000);

  it('a replica that stops renewing loses its partitions to the others within a lease and a renewal, with no session published twice', async () => {
    const [a, b, c] = [await startReplica(), await startReplica(), await startReplica()];
    await expectEventually(async () => expect((await shares([a, b, c])).every((s) => s.length > 0 && s.length <= 6)).toBe(true), { timeoutMs: 8000 });
    let killedAt = 0;
    let adoptedAt = 0;
    let orphaned: number[] = [];
    const window = await feed(7 * INTERVAL_MS, async (elapsed) => {
      if (killedAt || elapsed < 2 * INTERVAL_MS) return;
      // Crash c in the middle of an interval: no release, its leases are left to run out.
      orphaned = (await shares([c]))[0];
      await c.app.get(PulseScheduler).stop({ release: false });
      killedAt = Date.now();
      void expectEventually(async () => {
        const tokens = await holders();
        expect(orphaned.every((p) => tokens[p] === a.leases.token || tokens[p] === b.leases.token)).toBe(true);
        adoptedAt = Date.now();
      }, { timeoutMs: 10_000, intervalMs: 20 });
    });
    expect(orphaned.length).toBeGreaterThan(0);
    expect(adoptedAt).toBeGreaterThan(0);
    expect(adoptedAt - killedAt).toBeLessThanOrEqual(a.leases.leaseMs + a.leases.renewEveryMs + 200);
    const split = await shares([a, b]);
    expect(split.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
    expect(split.map((s) => s.length).sort()).toEqual([8, 8]);
    const result = coverage(window);
    expect(result.doubled).toEqual([]);
    // Only the crashed replica's sessions, and only in the interval(s) before their leases ran out, may miss a pulse.
    const orphanedSessions = new Set<string>(sessions.filter((id) => orphaned.includes(shardOf(id, PARTITIONS))));
    const missed = result.missing.map((m) => m.split(':'));
    expect(missed.filter(([, id]) => !orphanedSessions.has(id))).toEqual([]);
    const missedIntervals = new Set(missed.map(([k]) => Number(k)));
    expect(missedIntervals.size).toBeLessThanOrEqual(1);
    for (const k of missedIntervals) expect(k * INTERVAL_MS).toBeLessThanOrEqual(killedAt + a.leases.leaseMs);
  }, 60_000);

  it('holds nothing while a single-leader publisher of an older version runs (a rolling upgrade), then takes every partition', async () => {
    await redis.set(LockKeys.sentimentPublisher(), 'old-version-leader', 'PX', 10_000);
    const a = await startReplica();
    await new Promise((resolve) => setTimeout(resolve, 3 * a.leases.renewEveryMs));
    expect((await holders()).filter(Boolean)).toEqual([]);
    expect(a.leases.held()).toEqual([]);
    await redis.del(LockKeys.sentimentPublisher()); // the old leader releases its lock on shutdown
    await expectEventually(async () => expect((await shares([a]))[0]).toHaveLength(PARTITIONS), { timeoutMs: 2 * a.leases.renewEveryMs + 500 });
  }, 30_000);

  it('fences the drain: a holder whose lease was taken drains and publishes nothing of that partition', async () => {
    const a = await startReplica();
    await expectEventually(async () => expect((await shares([a]))[0]).toHaveLength(PARTITIONS));
    await a.app.get(PulseScheduler).stop({ release: false }); // no ticks of its own meanwhile; the test drives them
    const id = sessions[0];
    const partition = shardOf(id, PARTITIONS);
    await redis.del(SessionKeys.buffer(id));
    await push();
    const interval = Math.floor(Date.now() / INTERVAL_MS) + 1000;
    // The partition's lease now belongs to someone else (a newer holder after a pause longer than the lease).
    await redis.set(LockKeys.pulsePartition(partition), 'another-holder', 'PX', 10_000);
    await redis.set(SessionKeys.pulsePartitionTicked(partition), String(interval), 'PX', 10_000);
    const drain = a.app.get(BufferDrain);
    const [result] = await drain.drain([{ partition, platformSessionIds: [id] }], { token: a.leases.token, interval }, 1, 60_000, Date.now());
    expect(result).toEqual({ partition, fenced: true });
    expect(await redis.llen(SessionKeys.buffer(id))).toBe(1);
    // With the lease back but the interval claimed by another holder's marker, still nothing.
    await redis.set(LockKeys.pulsePartition(partition), a.leases.token, 'PX', 10_000);
    const [stale] = await drain.drain([{ partition, platformSessionIds: [id] }], { token: a.leases.token, interval: interval - 1 }, 1, 60_000, Date.now());
    expect(stale).toEqual({ partition, fenced: true });
    const [fresh] = await drain.drain([{ partition, platformSessionIds: [id] }], { token: a.leases.token, interval }, 1, 60_000, Date.now());
    expect(fresh).toMatchObject({ partition, fenced: false, sessions: [{ platformSessionId: id, expired: 0, entries: [expect.objectContaining({ category: 'Excited' })] }] });
    await redis.del(LockKeys.pulsePartition(partition), SessionKeys.pulsePartitionTicked(partition));
  }, 30_000);
});
