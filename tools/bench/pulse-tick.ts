/**
 * Pulse publishing benchmark: pulse-publisher replicas as separate processes (the real app, its scheduler
 * and partition leases) on a private redis-server, publishing N active sessions that each hold a realistic
 * buffer (5–40 entries, a few tracked) every interval. For 1, 2 and 4 replicas and 10,000 and 50,000
 * sessions (100,000 too with --full), prints per replica the median tick time, the sessions published per
 * second of the slowest replica's tick, and the p99 lateness of pulses (when Redis acknowledged a pulse's
 * PUBLISH, past the start of its interval); the 1-replica row of each size is the baseline measured in
 * the same run. Checks every session got exactly one pulse each measured interval.
 *
 *   npm run bench:pulse -- [--full] [--no-pin] [--interval=seconds]
 *   npm run bench:pulse -- --quick=<sessions> [--interval=seconds]   (1 and 2 replicas, one measured interval)
 *
 * Each size runs at benchIntervalSeconds (or --interval); when a fill or a tick does not fit, the row is
 * measured again at twice the interval (shown in the table). Lateness and tick time do not depend on the
 * interval. Pinning (taskset): redis-server on CPU 0, replica i on CPU (i + 1) mod cores. The filler (this
 * process) refills the buffers between ticks, never during one. `runPulseBench()` returns the rows, for a
 * combined bench command.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { LockKeys, SessionKeys } from '@lib-stream/contracts';
import { SentimentCategory, TrackedViewerType } from '@lib-stream/privacy';
import { startRedisServer, type TestRedisServer } from '@lib-stream/testing';

import type { ReplicaTick } from './pulse-replica';
import { median, percentile, pinToCore, processCpuSeconds, productionNodeFlags, runMain } from '../shared/bench-kit';

const ROOT = resolve(__dirname, '../..');
const PARTITIONS = 64;
const CATEGORIES = Object.values(SentimentCategory);

/** A fill or a tick did not fit the interval: the row is measured again at twice the interval. */
class IntervalTooShort extends Error {}

export interface PulseBenchOptions {
  /** Active session counts (default 10,000 and 50,000). */
  sessions?: number[];
  /** Replica counts; the first is the baseline (default 1, 2, 4). */
  replicas?: number[];
  /** The pulse interval the replicas run with (default: benchIntervalSeconds of the row's sessions). */
  intervalSeconds?: number;
  /** Measured intervals per row, after one warm-up interval (default 2 up to 20,000 sessions, else 1). */
  rounds?: number;
  /** Pin redis-server and the replicas to cores with taskset (default true). */
  pin?: boolean;
  log?: (line: string) => void;
}

export interface PulseBenchRow {
  sessions: number;
  replicas: number;
  intervalSeconds: number;
  /** Median tick duration over every replica's measured ticks. */
  tickMsMedian: number;
  /** Median CPU a replica's process used during its tick (user + system). */
  tickCpuMsMedian: number;
  /** Sessions published per second: sessions / the slowest replica's tick, median over the rounds. */
  sessionsPerSecond: number;
  /** 99th percentile over all pulses of (Redis acknowledged its PUBLISH − its interval's start). */
  p99LatenessMs: number;
  /** Against the 1-replica row of the same size, same run. */
  tickRatio: number;
  throughputRatio: number;
  /** Every session published exactly once in every measured interval (pulses counted = sessions). */
  complete: boolean;
  /** CPU seconds used during the measured rounds. */
  cpu: { redis: number; replicas: number[] };
  wallSeconds: number;
}

interface Replica {
  child: ChildProcess;
  ticks: ReplicaTick[];
}

function startReplica(redisUrl: string, intervalSeconds: number, cpu: number | null): Promise<Replica> {
  const child = fork(resolve(__dirname, 'pulse-replica.ts'), [], {
    cwd: ROOT,
    // The node flags the image starts it with (docker/pulse-publisher.Dockerfile).
    execArgv: [...productionNodeFlags('pulse-publisher'), '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    env: { ...process.env, TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.base.json'), STREAM_REDIS_URL: redisUrl, STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: String(intervalSeconds), STREAM_SENTIMENT_PULSE_PARTITIONS: String(PARTITIONS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (cpu !== null && child.pid) pinToCore(child.pid, cpu);
  const replica: Replica = { child, ticks: [] };
  return new Promise((done, fail) => {
    child.on('message', (message: { type: string; tick?: ReplicaTick }) => {
      if (message.type === 'ready') done(replica);
      if (message.type === 'tick' && message.tick) replica.ticks.push(message.tick);
    });
    child.once('exit', (code) => fail(new Error(`pulse replica exited with ${code}`)));
  });
}

async function stopReplicas(replicas: Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(({ child }) => {
      if (child.exitCode !== null) return Promise.resolve();
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      return Promise.race([exited, new Promise((done) => setTimeout(() => done(child.kill('SIGKILL')), 10_000))]);
    }),
  );
}

/** Waits until every partition has a holder and no replica holds more than its fair share. */
async function waitBalanced(redis: Redis, replicas: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const holders = await redis.mget(Array.from({ length: PARTITIONS }, (_, p) => LockKeys.pulsePartition(p)));
    const counts = new Map<string, number>();
    for (const h of holders) if (h) counts.set(h, (counts.get(h) ?? 0) + 1);
    if (holders.every(Boolean) && counts.size === replicas && Math.max(...counts.values()) <= Math.ceil(PARTITIONS / replicas)) return;
    if (Date.now() > deadline) throw new Error(`partitions not balanced over ${replicas} replicas within 30 s`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

async function addSessions(redis: Redis, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(i, i + 1000)) pipeline.set(SessionKeys.session(id), JSON.stringify({ platformSessionId: id, inGameSessionId: null, viewerCount: 1000, state: 'active' }));
    pipeline.sadd(SessionKeys.active(), ...ids.slice(i, i + 1000));
    await pipeline.exec();
  }
}

/**
 * Gives every session 5–40 fresh entries (every ninth from a tracked subscriber). The entries come from a
 * pool of 64 lists built once a fill, so the filler spends its time in Redis, not in building JSON.
 */
async function fill(redis: Redis, ids: string[]): Promise<void> {
  const at = Date.now();
  const pool = Array.from({ length: 64 }, () =>
    Array.from({ length: 5 + Math.floor(Math.random() * 36) }, (_, k) => {
      const tracked = k % 9 === 0;
      return `{"category":"${CATEGORIES[k % CATEGORIES.length]}","intensity":${Math.round(Math.random() * 1000) / 1000},"trackingId":${tracked ? `"${randomUUID()}"` : 'null'},"viewerType":${tracked ? `"${TrackedViewerType.Subscriber}"` : 'null'},"at":${at}}`;
    }),
  );
  for (let i = 0; i < ids.length; i += 500) {
    const pipeline = redis.pipeline();
    ids.slice(i, i + 500).forEach((id, k) => pipeline.rpush(SessionKeys.buffer(id), ...pool[(i + k) % pool.length]));
    await pipeline.exec();
  }
}

const sleepUntil = (at: number) => new Promise((done) => setTimeout(done, Math.max(0, at - Date.now())));

/** Waits until every replica reported its tick of `interval`. */
async function ticksOf(replicas: Replica[], interval: number, timeoutMs: number): Promise<ReplicaTick[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ticks = replicas.map((r) => r.ticks.filter((t) => t.interval === interval));
    if (ticks.every((t) => t.length > 0)) return ticks.flat();
    // A replica whose previous tick overran skips the boundaries it missed.
    if (replicas.some((r, i) => ticks[i].length === 0 && r.ticks.some((t) => t.interval > interval))) throw new IntervalTooShort('a replica skipped an interval (its previous tick overran)');
    if (Date.now() > deadline) {
      const seen = replicas.map((r, i) => `replica ${i}: ${r.ticks.slice(-3).map((t) => `${t.interval}(${t.partitions} partitions, ${t.tickMs.toFixed(0)} ms)`).join(' ') || 'no ticks'}`);
      throw new Error(`no tick of interval ${interval} from every replica within ${timeoutMs} ms; last ticks: ${seen.join('; ')}`);
    }
    await new Promise((done) => setTimeout(done, 20));
  }
}

interface Measured {
  samples: ReplicaTick[][];
  cpuRedis: number;
  cpuReplicas: number[];
  wallSeconds: number;
}

/**
 * One warm-up and `rounds` measured intervals: each fills every buffer at least half an interval before a
 * boundary, then collects every replica's tick of that boundary. Throws IntervalTooShort when a fill or a
 * tick did not fit (unless `last`: then the cut-short ticks are kept and the row reads incomplete).
 */
async function measureRow(redis: Redis, redisPid: number, replicas: Replica[], sessions: number, intervalMs: number, rounds: number, last: boolean): Promise<Measured> {
  const ids = Array.from({ length: sessions }, () => randomUUID());
  await addSessions(redis, ids);
  const samples: ReplicaTick[][] = [];
  let cpuRedis = 0;
  const cpuReplicas = replicas.map(() => 0);
  const started = Date.now();
  for (let round = -1; round < rounds; round++) {
    let next = Math.floor(Date.now() / intervalMs) + 1;
    if (next * intervalMs - Date.now() < intervalMs / 2) {
      // Too close to a boundary: let its (empty) tick pass first, so nothing drains the buffers half-filled.
      await sleepUntil(next * intervalMs);
      await ticksOf(replicas, next, intervalMs * 2 + 10_000);
      next += 1;
    }
    await fill(redis, ids);
    if (Date.now() >= next * intervalMs) throw new IntervalTooShort('filling the buffers overran the interval');
    const redisCpu0 = processCpuSeconds(redisPid);
    const replicaCpu0 = replicas.map((r) => processCpuSeconds(r.child.pid ?? 0));
    await sleepUntil(next * intervalMs);
    const ticks = await ticksOf(replicas, next, intervalMs * 2 + 10_000);
    if (ticks.some((t) => t.cutShort) && !last) throw new IntervalTooShort('a tick ran out of its budget (80 % of the interval)');
    if (round < 0) continue;
    samples.push(ticks);
    cpuRedis += processCpuSeconds(redisPid) - redisCpu0;
    replicas.forEach((r, i) => (cpuReplicas[i] += processCpuSeconds(r.child.pid ?? 0) - replicaCpu0[i]));
  }
  return { samples, cpuRedis, cpuReplicas, wallSeconds: (Date.now() - started) / 1000 };
}

/**
 * An interval whose 80 % budget leaves a tick 240 µs a session (about 3× a quiet machine's cost, as this
 * one is often shared), at least 3 s. Lateness and tick time do not depend on it; the run's length does.
 */
export function benchIntervalSeconds(sessions: number): number {
  return Math.max(3, Math.ceil((sessions * 0.3) / 1000));
}

/** Runs the grid and returns one row per (sessions, replicas). */
export async function runPulseBench(options: PulseBenchOptions = {}): Promise<PulseBenchRow[]> {
  const sizes = options.sessions ?? [10_000, 50_000];
  const replicaCounts = options.replicas ?? [1, 2, 4];
  const cores = cpus().length;
  const pinning = (options.pin ?? true) && cores > 1;
  const log = options.log ?? ((line: string) => console.log(line));
  const rows: PulseBenchRow[] = [];
  let server: TestRedisServer | null = null;
  let redis: Redis | null = null;
  let replicas: Replica[] = [];
  // Ctrl-C still leaves nothing behind: the replicas and the private redis-server go too.
  const interrupted = () => void stopReplicas(replicas).finally(() => void server?.dispose().finally(() => process.exit(130)));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    server = await startRedisServer();
    const redisPid = server.pid() ?? 0;
    if (pinning) pinToCore(redisPid, 0);
    const redisUrl = server.url;
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    log(`${cores} cores${pinning ? `: redis-server pinned to CPU 0, replica i to CPU (i+1) mod ${cores}` : ', unpinned'}; ${PARTITIONS} partitions; per row 1 warm-up interval, then the measured ones`);
    if (cores < Math.max(...replicaCounts) + 1) log(`note: ${cores} cores for redis-server and up to ${Math.max(...replicaCounts)} replicas: replicas share cores (and redis-server's), so scaling flattens on this machine`);
    for (const sessions of sizes) {
      // Doubled (and kept for the rest of this size) when a fill or a tick does not fit the interval.
      let intervalSeconds = options.intervalSeconds ?? benchIntervalSeconds(sessions);
      const rounds = options.rounds ?? (sessions <= 20_000 ? 2 : 1);
      for (const count of replicaCounts) {
        let measured: Measured | null = null;
        for (let attempt = 0; !measured; attempt++) {
          replicas = await Promise.all(Array.from({ length: count }, (_, i) => startReplica(redisUrl, intervalSeconds, pinning ? (i + 1) % cores : null)));
          try {
            await waitBalanced(redis, count);
            measured = await measureRow(redis, redisPid, replicas, sessions, intervalSeconds * 1000, rounds, attempt === 2);
          } catch (error) {
            if (!(error instanceof IntervalTooShort) || attempt >= 3) throw error;
            log(`  ${sessions} sessions, ${count} replica(s): ${error.message} at a ${intervalSeconds} s interval; again at ${intervalSeconds * 2} s`);
            intervalSeconds *= 2;
          } finally {
            await stopReplicas(replicas);
            replicas = [];
            // Leaves nothing: the next row starts from an empty server.
            await redis.flushall();
          }
        }
        const { samples, cpuRedis, cpuReplicas, wallSeconds } = measured;
        const all = samples.flat();
        const lateness = all.flatMap((t) => t.lateness.flatMap((l) => new Array<number>(l.pulses).fill(l.ms)));
        const complete = samples.every((ticks) => ticks.reduce((sum, t) => sum + t.pulses, 0) === sessions && ticks.every((t) => !t.cutShort));
        const slowest = samples.map((ticks) => Math.max(...ticks.map((t) => t.tickMs)));
        const row: PulseBenchRow = {
          sessions,
          replicas: count,
          intervalSeconds,
          tickMsMedian: median(all.map((t) => t.tickMs)),
          tickCpuMsMedian: median(all.map((t) => t.cpuMs)),
          sessionsPerSecond: median(slowest.map((ms) => sessions / (ms / 1000))),
          p99LatenessMs: percentile(lateness, 99),
          tickRatio: NaN,
          throughputRatio: NaN,
          complete,
          cpu: { redis: cpuRedis, replicas: cpuReplicas },
          wallSeconds,
        };
        const base = rows.find((r) => r.sessions === sessions && r.replicas === replicaCounts[0]) ?? row;
        row.tickRatio = row.tickMsMedian / base.tickMsMedian;
        row.throughputRatio = row.sessionsPerSecond / base.sessionsPerSecond;
        rows.push(row);
        const detail = samples.map((ticks) => ticks.map((t) => `${t.partitions} partitions, ${t.sessions} sessions, ${t.processed} processed, ${t.pulses} pulses, ${t.fenced} fenced${t.cutShort ? ', cut short' : ''}`).join(' + ')).join('; ');
        log(`  ${sessions} sessions, ${count} replica(s): ${row.tickMsMedian.toFixed(0)} ms a tick${complete ? '' : `  (INCOMPLETE: ${detail})`}`);
      }
    }
    return rows;
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await stopReplicas(replicas);
    await redis?.quit();
    await server?.dispose();
  }
}

export function pulseTable(rows: PulseBenchRow[]): string {
  const lines = [
    '| sessions | replicas | tick ms per replica (median) | × 1 replica | tick CPU ms | sessions/s total | × 1 replica | p99 lateness ms | interval s | CPU s redis / replicas | every session once |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.sessions.toLocaleString('en')} | ${r.replicas} | ${r.tickMsMedian.toFixed(0)} | ${r.tickRatio.toFixed(2)} | ${r.tickCpuMsMedian.toFixed(0)} | ${Math.round(r.sessionsPerSecond).toLocaleString('en')} | ${r.throughputRatio.toFixed(2)} | ${(r.p99LatenessMs ?? NaN).toFixed(0)} | ${r.intervalSeconds} | ${r.cpu.redis.toFixed(1)} / ${r.cpu.replicas.map((c) => c.toFixed(1)).join(' + ')} | ${r.complete ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const full = process.argv.includes('--full');
  const started = Date.now();
  const interval = process.argv.find((a) => a.startsWith('--interval='));
  const rows = await runPulseBench({
    sessions: full ? [10_000, 50_000, 100_000] : undefined,
    pin: !process.argv.includes('--no-pin'),
    intervalSeconds: interval ? Number(interval.split('=')[1]) : undefined,
  });
  console.log(`\nPulse publishing across replicas (${cpus().length} cores on this machine; other load on it makes figures noisy)\n`);
  console.log(pulseTable(rows));
  console.log(`\nRatios are against the 1-replica row of the same size, this run. ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  if (rows.some((r) => !r.complete)) throw new Error('a row did not publish every session exactly once in every measured interval');
}

if (require.main === module) {
  const quick = process.argv.find((a) => a.startsWith('--quick='));
  if (quick) {
    // Developer's smoke run: --quick=<sessions>, 1 and 2 replicas on a 3 s interval.
    const interval = process.argv.find((a) => a.startsWith('--interval='));
    runMain(async () => console.log(pulseTable(await runPulseBench({ sessions: [Number(quick.split('=')[1])], replicas: [1, 2], rounds: 1, intervalSeconds: interval ? Number(interval.split('=')[1]) : undefined }))));
  } else runMain(main);
}
