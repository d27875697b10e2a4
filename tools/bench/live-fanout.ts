/**
 * Live-status fan-out benchmark (`npm run bench:live`): events per second fanned out to 1,000
 * WebSocket sockets, with delivery latency from the publish call to the client's receipt, for
 * control-api's `/stream/events` beside a bare `ws` server measured in the same run.
 *
 *   - control-api (run from source under ts-node: no build step, the code as it is now) with its own
 *     redis-server and MariaDB database; 1,000 admins, each with its own token, subscribed to `broadcasts`.
 *   - bare (tools/bench/live/bare-ws-server.ts): PSUBSCRIBEs the same patterns and sends each Redis
 *     message as-is to every socket. The floor for this fan-out in Node.
 *   - The load generator (tools/bench/live/load-generator.ts) holds the 1,000 sockets and publishes
 *     `stream.broadcast.source-changed` events through the apps' EventBus (the Nest transport packet
 *     media-worker's coordinator sends), so publish and receipt are timed on one clock. It is pinned to
 *     core 0, both servers to core 1 (taskset); redis-server is not pinned. CPU of each side is read
 *     from /proc over the window from the first publish to the last receipt; a round whose generator
 *     was above 90 % of its core is flagged (it may have measured the generator, not the server).
 *
 * What is measured, and why this shape. One event to 1,000 sockets is 1,000 WebSocket frames, each
 * its own write syscall: on this 2-core VM that is 12-20 ms of server CPU per event even for the bare
 * server, so its ceiling is some tens of events/s and a sweep of 100, 500 and 2,000 events/s would
 * only measure three saturated queues. Instead:
 *   - fixed offered rates below the ceiling (default 10 and 30 events/s, 2 s each; a busy deployment
 *     sees a few events per second), where what matters is that every socket gets every event in
 *     order (lost / out-of-order counts, must be 0) and how late (p50/p99, publish call to receipt);
 *     a row is marked "saturated" when a server did not keep up (anything lost, or the last delivery
 *     more than a quarter of the round after the last publish), and its latencies are then queueing;
 *   - a burst (default 100 events published at once): the delivered rate is each server's ceiling
 *     (max throughput), and its latencies are only the queue's length, shown in brackets;
 *   - server CPU per event (µs of CPU per event fanned out to every socket): the figure least moved by
 *     the other load on a shared machine; control-api's idle CPU (its timers, queues, health) is
 *     measured once and printed, since it counts in its rounds too.
 * Both servers hear every event (same channel); the one not measured has no sockets, so its share is
 * one parse and hash per event (control-api) or nothing (bare). Each round opens its 1,000 sockets afresh (not
 * timed) and closes them after. Warm-up first, then interleaved rounds (bare, control-api, bare, …);
 * the table holds medians, and the ratios are per round against the bare round just before it.
 * Everything it starts (redis-server, database, data directory, processes) is removed at the end.
 *
 *   npm run bench:live -- [rounds=3] [seconds=2] [sockets=1000] [rates=10,30] [burst=100]
 *   LIVE_BENCH_API_NODE_OPTIONS='…'  more NODE_OPTIONS for control-api only (e.g. `-r` a profiler).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { TEST_JWT_SECRET, bearerToken, createTestDatabase, expectEventually, freePort, startBuiltApp, startRedisServer, waitForReady } from '@lib-stream/testing';

import { forkTsWorker, median, pinToCore, processCpuSeconds, runMain } from '../shared/bench-kit';
import type { LiveRoundRequest, LiveRoundResult } from './live/load-generator';

const ROOT = resolve(__dirname, '../..');
const GENERATOR_CORE = 0;
const SERVER_CORE = 1;
/** A round in which the generator used more than this share of its core may have measured the generator. */
const GENERATOR_SATURATED = 0.9;
/** A round kept up when its last delivery came within this share of the publishing time after the last publish. */
const DRAIN_SHARE = 0.25;
const IDLE_WINDOW_MS = 2000;

export interface LiveBenchOptions {
  rounds?: number;
  roundSeconds?: number;
  sockets?: number;
  rates?: number[];
  burst?: number;
  log?: (line: string) => void;
}

interface Server {
  name: string;
  url: string;
  pid: number;
  authorizations: string[] | null;
  subscribe: object | null;
}

/** One server at one offered rate: medians over its rounds. */
export interface LiveBenchRow {
  server: string;
  /** Offered events/s; null for the burst. */
  offered: number | null;
  eventsPerSec: number;
  timesBare: number;
  p50Ms: number;
  p99Ms: number;
  p99TimesBare: number;
  /** Sums over the rounds. */
  lost: number;
  outOfOrder: number;
  missedFrames: number;
  serverCpu: number;
  /** Server CPU per event fanned out to every socket, µs. */
  serverCpuUsPerEvent: number;
  cpuPerEventTimesBare: number;
  generatorCpu: number;
  generatorSaturatedRounds: number;
  sustained: boolean;
  rounds: number;
}

const pct = (share: number) => `${Math.round(share * 100)} %`;
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const rate = (r: LiveRoundResult) => r.count / r.seconds;
const cpuPerEvent = (r: LiveRoundResult) => (r.cpu.server * r.seconds * 1e6) / r.count;
const keptUp = (r: LiveRoundResult) => r.lost === 0 && r.outOfOrder === 0 && r.seconds - r.publishSeconds <= DRAIN_SHARE * r.publishSeconds;

function rowOf(server: string, offered: number | null, own: LiveRoundResult[], bare: LiveRoundResult[]): LiveBenchRow {
  const eventsPerSec = median(own.map(rate));
  const p99Ms = median(own.map((r) => r.p99Ms));
  const lost = own.reduce((sum, r) => sum + r.lost, 0);
  return {
    server,
    offered,
    eventsPerSec,
    timesBare: median(own.map((r, i) => rate(r) / rate(bare[i]))),
    p50Ms: median(own.map((r) => r.p50Ms)),
    p99Ms,
    p99TimesBare: median(own.map((r, i) => r.p99Ms / bare[i].p99Ms)),
    lost,
    outOfOrder: own.reduce((sum, r) => sum + r.outOfOrder, 0),
    missedFrames: own.reduce((sum, r) => sum + r.missedFrames, 0),
    serverCpu: median(own.map((r) => r.cpu.server)),
    serverCpuUsPerEvent: median(own.map(cpuPerEvent)),
    cpuPerEventTimesBare: median(own.map((r, i) => cpuPerEvent(r) / cpuPerEvent(bare[i]))),
    generatorCpu: median(own.map((r) => r.cpu.generator)),
    generatorSaturatedRounds: own.filter((r) => r.cpu.generator > GENERATOR_SATURATED).length,
    sustained: offered !== null && own.every(keptUp),
    rounds: own.length,
  };
}

function markdownTable(rows: LiveBenchRow[], sockets: number, burst: number): string {
  const lines = [
    `| offered events/s | server | events/s to ${sockets.toLocaleString('en-US')} sockets | × bare | p50 ms | p99 ms | p99 × bare | lost / out of order | server CPU | server CPU µs/event | generator CPU |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const flag = row.generatorSaturatedRounds > 0 ? ` ⚠ >90 % in ${row.generatorSaturatedRounds}/${row.rounds}` : '';
    const offered = row.offered === null ? `burst of ${burst}` : row.offered.toLocaleString('en-US') + (row.sustained ? '' : ' (saturated)');
    const latency = row.offered === null || !row.sustained ? (ms: number) => `(${fixed(ms, 0)})` : (ms: number) => fixed(ms, 1);
    lines.push(
      `| ${offered} | ${row.server} | ${Math.round(row.eventsPerSec).toLocaleString('en-US')} | ${fixed(row.timesBare, 2)} | ${latency(row.p50Ms)} | ${latency(row.p99Ms)} | ${fixed(row.p99TimesBare, 1)} | ${row.lost} / ${row.outOfOrder}${row.missedFrames ? ` (${row.missedFrames} missed frames)` : ''} | ${pct(row.serverCpu)} | ${Math.round(row.serverCpuUsPerEvent).toLocaleString('en-US')} | ${pct(row.generatorCpu)}${flag} |`,
    );
  }
  return lines.join('\n');
}

/** Runs the whole benchmark and returns one row per (offered rate, server) plus the markdown table. */
export async function runLiveBench(options: LiveBenchOptions = {}): Promise<{ rows: LiveBenchRow[]; markdown: string }> {
  const { rounds = 3, roundSeconds = 2, sockets = 1000, rates = [10, 30], burst = 100, log = (line: string) => console.log(line) } = options;
  if (availableParallelism() < 2) throw new Error('the live-status benchmark needs two cores (generator and server each pinned to one)');
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.dispose());
    const database = await createTestDatabase('stream_bench_live');
    cleanups.push(() => database.drop());
    const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-bench-live-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

    const [apiPort, barePort] = [await freePort(), await freePort()];
    // From source under ts-node, as the bench scripts themselves run: the code as it is now, no build.
    const api = startBuiltApp(
      'control-api',
      {
        NODE_OPTIONS: `-r ts-node/register/transpile-only -r tsconfig-paths/register ${process.env.LIVE_BENCH_API_NODE_OPTIONS ?? ''}`,
        TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.base.json'),
        STREAM_ENABLED: 'true',
        STREAM_LOG_LEVEL: 'warn',
        STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
        STREAM_DATA_DIR: dataDir,
        STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        STREAM_YOUTUBE_GRPC_TARGET: 'off',
        STREAM_REDIS_URL: redisServer.url,
        STREAM_DATABASE_URL: database.url,
        CONTROL_API_PORT: String(apiPort),
      },
      resolve(ROOT, 'apps/control-api/src/main.ts'),
    );
    cleanups.push(() => api.stop());
    const bare = await forkTsWorker(resolve(__dirname, 'live/bare-ws-server.ts'), { BARE_WS_PORT: String(barePort), STREAM_REDIS_URL: redisServer.url });
    cleanups.push(() => bare.stop());
    const generator = await forkTsWorker<LiveRoundRequest, LiveRoundResult>(resolve(__dirname, 'live/load-generator.ts'), { STREAM_REDIS_URL: redisServer.url });
    cleanups.push(() => generator.stop());
    try {
      await waitForReady(`http://127.0.0.1:${apiPort}`, 120_000);
    } catch (error) {
      log(api.output().split('\n').slice(-15).join('\n'));
      throw error;
    }
    // Ready before its Redis subscription is confirmed: wait for the feed's connection to hold both patterns.
    const redis = new Redis(redisServer.url);
    cleanups.push(() => redis.quit());
    await expectEventually(async () => {
      const clients = String(await redis.client('LIST')).split('\n');
      if (!clients.some((line) => /name=\S*:live-status /.test(line) && / psub=2 /.test(line))) throw new Error('control-api has not subscribed to the live channels yet');
    });
    pinToCore(generator.pid, GENERATOR_CORE);
    pinToCore(api.child.pid as number, SERVER_CORE);
    pinToCore(bare.pid, SERVER_CORE);

    const adminTokens = Array.from({ length: sockets }, () => bearerToken(`bench-admin-${randomUUID()}`, ['admin'], TEST_JWT_SECRET, 3600));
    const servers: Server[] = [
      { name: 'bare ws', url: `ws://127.0.0.1:${barePort}/`, pid: bare.pid, authorizations: null, subscribe: null },
      { name: 'control-api', url: `ws://127.0.0.1:${apiPort}/stream/events`, pid: api.child.pid as number, authorizations: adminTokens, subscribe: { type: 'subscribe', topics: ['broadcasts'] } },
    ];
    const run = (server: Server, offered: number | null, count: number) =>
      generator.request({
        url: server.url,
        sockets,
        authorizations: server.authorizations,
        subscribe: server.subscribe,
        rate: offered,
        count,
        stallMs: 3000,
        watch: { server: server.pid, redis: redisServer.pid() as number },
      });

    for (const server of servers) await run(server, 100, 100);
    const idleStart = { api: processCpuSeconds(servers[1].pid), bare: processCpuSeconds(servers[0].pid) };
    await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
    const idle = { api: (processCpuSeconds(servers[1].pid) - idleStart.api) / (IDLE_WINDOW_MS / 1000), bare: (processCpuSeconds(servers[0].pid) - idleStart.bare) / (IDLE_WINDOW_MS / 1000) };
    log(`warm-up done; idle, no sockets: control-api ${pct(idle.api)}, bare ${pct(idle.bare)} of a core; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

    const plan: { offered: number | null; count: number }[] = [...rates.map((offered) => ({ offered, count: Math.round(offered * roundSeconds) })), { offered: null, count: burst }];
    const rows: LiveBenchRow[] = [];
    const connectSeconds = new Map<Server, number[]>(servers.map((s) => [s, []]));
    for (const { offered, count } of plan) {
      const results = new Map<Server, LiveRoundResult[]>(servers.map((s) => [s, []]));
      for (let i = 0; i < rounds; i++) {
        for (const server of servers) {
          const result = await run(server, offered, count);
          results.get(server)?.push(result);
          connectSeconds.get(server)?.push(result.connectSeconds);
          const saturated = result.cpu.generator > GENERATOR_SATURATED ? '  ⚠ generator above 90 %' : '';
          log(
            `${offered === null ? 'burst' : `${offered}/s`} round ${i + 1} ${server.name.padEnd(12)} (connected in ${result.connectSeconds.toFixed(1)} s) ${String(Math.round(rate(result))).padStart(6)} events/s  p50 ${result.p50Ms.toFixed(1)} ms  p99 ${result.p99Ms.toFixed(1)} ms  lost ${result.lost}  out of order ${result.outOfOrder}  server ${pct(result.cpu.server)}  generator ${pct(result.cpu.generator)}  redis ${pct(result.cpu.redis)}${saturated}`,
          );
        }
      }
      const bareRounds = results.get(servers[0]) as LiveRoundResult[];
      for (const server of servers) rows.push(rowOf(server.name, offered, results.get(server) as LiveRoundResult[], bareRounds));
    }

    const markdown = markdownTable(rows, sockets, burst);
    log(`\nstream.broadcast.source-changed events to ${sockets} sockets (admins subscribed to broadcasts on control-api); medians of ${rounds} interleaved rounds of ${roundSeconds} s per offered rate.`);
    log(`Generator (sockets + publisher) pinned to core ${GENERATOR_CORE}, servers to core ${SERVER_CORE}; latency from the publish call to the client's receipt; bracketed latencies are queueing in a saturated or burst round.\n`);
    log(markdown);
    log(`control-api idle (no sockets, no events): ${pct(idle.api)} of a core; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
    log(`${sockets} sockets opened per round (not timed above), median: ${servers.map((s) => `${s.name} ${fixed(median(connectSeconds.get(s) ?? []), 1)} s`).join(', ')} (control-api: upgrade with JWT, subscribe, snapshot)`);
    for (const row of rows.filter((r) => r.server === 'control-api')) {
      log(
        `control-api ÷ bare at ${row.offered === null ? 'the burst' : `${row.offered}/s`}: events/s ${fixed(row.timesBare, 2)}×, p99 ${fixed(row.p99TimesBare, 1)}×, server CPU per event ${fixed(row.cpuPerEventTimesBare, 2)}×`,
      );
    }
    return { rows, markdown };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

if (require.main === module) {
  const [rounds, roundSeconds, sockets, rates, burst] = process.argv.slice(2);
  runMain(async () => {
    await runLiveBench({
      rounds: Number(rounds) || undefined,
      roundSeconds: Number(roundSeconds) || undefined,
      sockets: Number(sockets) || undefined,
      rates: rates ? rates.split(',').map(Number) : undefined,
      burst: Number(burst) || undefined,
    });
  });
}
