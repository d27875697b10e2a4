/**
 * Webhook benchmark: how many signed `channel.chat.message` notifications per second a receiver takes
 * on one core, with control-api beside two baselines measured in the same run:
 *   - bare: node:http that only checks the HMAC (tools/bench/bare-webhook-server.js), the floor;
 *   - twurple: @twurple/eventsub-http's EventSubMiddleware on Express with a chat handler.
 * The load generator (tools/bench/webhook/load-generator.ts: keep-alive connections, one request in
 * flight each, deliveries pre-signed and serialised as raw HTTP/1.1 requests, fresh message ids) runs in its own process pinned
 * to core 0; each receiver is pinned to core 1. control-api runs the full pipeline for a broadcaster
 * with an active session (signature, replay guard in Redis, link and session lookup, sentiment,
 * tracking, buffer or burst-limit shed), at the default per-session burst limit; its round lasts until
 * every delivery is in its accounting (accepted + shed), not only answered.
 * Warm-up, then interleaved rounds (bare, twurple, control-api, repeat); the table holds medians.
 * It runs its own redis-server, MariaDB database and data directory and removes them afterwards.
 *
 *   npm run bench:webhook -- [rounds=5] [seconds=3] [connections=50]
 *   WEBHOOK_BENCH_CPU_PROF=<dir>  also writes control-api's V8 CPU profile (node --cpu-prof) there;
 *   WEBHOOK_BENCH_NO_BUILD=1      uses the control-api already in dist/ (while iterating);
 *   WEBHOOK_BENCH_API_NODE_OPTIONS='…'  NODE_OPTIONS for control-api only (e.g. GC settings to compare);
 *                                 both control-api rows also get the node flags of docker/control-api.Dockerfile's CMD;
 *   WEBHOOK_BENCH_COMPARE=<dir>   also runs the control-api build in <dir> (its main.js) as a fourth receiver,
 *                                 interleaved with the others (the two builds swap places every round): an A/B
 *                                 of two builds under the same load, with the per-round ratios; run it both ways
 *                                 round: the fourth row read a few % slower than the same build in the third (0.96x);
 *   WEBHOOK_BENCH_FULL_GC_WHEN_QUIET=1  both control-api rows get one full GC at their first quiet second after
 *                                 boot (webhook/full-gc-when-quiet.js), as a process that has run a while has had.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { SETTINGS } from '@lib-stream/nest-kit';
import { FakeTwitch, createTestDatabase, freePort, startRedisServer, waitForReady } from '@lib-stream/testing';

import { forkTsWorker, median, pinToCore, processCpuSeconds, productionNodeFlags, runMain } from '../shared/bench-kit';
import { controlApiEnvForFakeTwitch, openLiveTwitchSession } from '../shared/twitch-stack';
import type { RoundRequest, RoundResult } from './webhook/load-generator';

const ROOT = resolve(__dirname, '../..');
const SECRET = 'bench-eventsub-secret-0123456789';
const BROADCASTER_ID = '90000001';
const GENERATOR_CORE = 0;
const RECEIVER_CORE = 1;
/** A round in which the generator used more than this share of its core may have measured the generator. */
const GENERATOR_SATURATED = 0.9;
/** The longest a receiver's warm-up runs before its rate counts as steady anyway. */
const WARMUP_MAX_MS = 20_000;

export interface WebhookBenchOptions {
  /** Measured rounds per receiver (default 5). */
  rounds?: number;
  /** Target length of one round in seconds (default 3); the count per receiver is set from its warm-up rate. */
  roundSeconds?: number;
  /** Keep-alive connections, one request in flight on each (default 50). */
  connections?: number;
  /** Build control-api first (default true; a combined command that built it already passes false). */
  build?: boolean;
  log?: (line: string) => void;
}

/** One receiver's medians over the measured rounds. Ratios are per round against the bare round of the same cycle. */
export interface WebhookBenchRow {
  receiver: string;
  reqPerSec: number;
  timesBare: number;
  p50Ms: number;
  p99Ms: number;
  p99TimesBare: number;
  /** Share of one core, median over rounds. */
  receiverCpu: number;
  /** Receiver CPU per request in µs, median over rounds: the figure least moved by other load on the machine. */
  receiverCpuUsPerRequest: number;
  generatorCpu: number;
  /** Rounds in which the generator was above 90 % of its core. */
  generatorSaturatedRounds: number;
  rounds: number;
}

export interface WebhookBenchResult {
  rows: WebhookBenchRow[];
  /** control-api's own accounting for the session at the end (Redis stats hash). */
  session: { delivered: number; accepted: number; shed: number; buffered: number; burstLimitPerSecond: number };
  markdown: string;
}

interface Receiver {
  name: string;
  origin: string;
  path: string;
  pid: number;
  /** Waits until everything sent so far is processed (control-api: in its accounting); none for the baselines. */
  settle?: (expected: number) => Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** A node process whose output is kept (for the error report). */
function spawnNode(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; output(): string } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** A baseline receiver that prints `ready…` on its first line when it listens; resolves with that line. */
async function startNodeReceiver(name: string, args: string[], port: number): Promise<Receiver & { readyLine: string }> {
  const { child, output } = spawnNode(args);
  const readyLine = await new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output()}`)), 15_000);
    child.stdout?.on('data', () => {
      const line = output()
        .split('\n')
        .find((l) => l.startsWith('ready'));
      if (line) {
        clearTimeout(timer);
        resolveReady(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${output()}`)));
  });
  return { name, origin: `http://127.0.0.1:${port}`, path: '/', pid: child.pid as number, readyLine, output, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

const pct = (share: number) => `${Math.round(share * 100)} %`;
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function markdownTable(rows: WebhookBenchRow[]): string {
  const lines = ['| receiver | req/s | × bare | p99 ms | p99 × bare | receiver CPU | generator CPU | receiver CPU µs/req |', '|---|---|---|---|---|---|---|---|'];
  for (const row of rows) {
    const flag = row.generatorSaturatedRounds > 0 ? ` ⚠ >90 % in ${row.generatorSaturatedRounds}/${row.rounds} rounds` : '';
    lines.push(
      `| ${row.receiver} | ${Math.round(row.reqPerSec).toLocaleString('en-US')} | ${fixed(row.timesBare, 2)} | ${fixed(row.p99Ms, 2)} | ${fixed(row.p99TimesBare, 1)} | ${pct(row.receiverCpu)} | ${pct(row.generatorCpu)}${flag} | ${Math.round(row.receiverCpuUsPerRequest)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Runs the whole benchmark (builds control-api first) and returns the medians per receiver, control-api's
 * session accounting and the markdown table. Throws when any answer was not 2xx, when control-api's
 * accounting does not add up to what was delivered, or when the machine has fewer than two cores.
 */
export async function runWebhookBench(options: WebhookBenchOptions = {}): Promise<WebhookBenchResult> {
  const { rounds = 5, roundSeconds = 3, connections = 50, build = true, log = (line: string) => console.log(line) } = options;
  if (availableParallelism() < 2) throw new Error('the webhook benchmark needs two cores (generator and receiver each pinned to one)');
  if (build) {
    const { TS_NODE_PROJECT: _omit, ...buildEnv } = process.env;
    log('building control-api…');
    execFileSync('npx', ['nx', 'build', 'control-api', '--output-style=static'], { cwd: ROOT, stdio: 'ignore', env: buildEnv });
  }

  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const receivers: Receiver[] = [];
  try {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.dispose());
    const database = await createTestDatabase('stream_bench');
    cleanups.push(() => database.drop());
    const twitch = await new FakeTwitch().start();
    cleanups.push(() => twitch.stop());
    const redis = new Redis(redisServer.url);
    cleanups.push(() => redis.quit());

    const [apiPort, barePort, twurplePort] = [await freePort(), await freePort(), await freePort()];
    const apiEnv = controlApiEnvForFakeTwitch(twitch, SECRET, apiPort);
    cleanups.push(() => rmSync(apiEnv.STREAM_DATA_DIR, { recursive: true, force: true }));
    const profileDir = process.env.WEBHOOK_BENCH_CPU_PROF;
    // Its own spawn rather than startBuiltApp: --cpu-prof is a node flag (NODE_OPTIONS refuses it).
    // With the flags its image runs it with (docker/control-api.Dockerfile's CMD), as it ships.
    const nodeFlags = [
      ...productionNodeFlags('control-api'),
      ...(process.env.WEBHOOK_BENCH_FULL_GC_WHEN_QUIET === '1' ? ['--expose-gc', '--require', resolve(__dirname, 'webhook/full-gc-when-quiet.js')] : []),
    ];
    const api = spawnNode([...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : []), resolve(ROOT, 'dist/apps/control-api/main.js')], {
      PATH: process.env.PATH,
      ...(process.env.WEBHOOK_BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.WEBHOOK_BENCH_API_NODE_OPTIONS } : {}),
      ...apiEnv,
      STREAM_REDIS_URL: redisServer.url,
      STREAM_DATABASE_URL: database.url,
    });
    const apiReceiver: Receiver = {
      name: 'control-api',
      origin: `http://127.0.0.1:${apiPort}`,
      path: '/stream/webhook/twitch',
      pid: api.child.pid as number,
      output: api.output,
      stop: () => stopChild(api.child),
    };
    receivers.push(apiReceiver);
    // WEBHOOK_BENCH_COMPARE=<dir of another control-api build>: that build too, as a fourth receiver on the
    // same Redis, database and session (an A/B of two builds in the same run; the load moves both alike).
    const compareDir = process.env.WEBHOOK_BENCH_COMPARE;
    let compareReceiver: Receiver | undefined;
    if (compareDir) {
      const comparePort = await freePort();
      const compareEnv = { ...apiEnv, CONTROL_API_PORT: String(comparePort), STREAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'lib-stream-tool-')) };
      cleanups.push(() => rmSync(compareEnv.STREAM_DATA_DIR, { recursive: true, force: true }));
      const compare = spawnNode([...nodeFlags, resolve(compareDir, 'main.js')], { PATH: process.env.PATH, ...compareEnv, STREAM_REDIS_URL: redisServer.url, STREAM_DATABASE_URL: database.url });
      compareReceiver = { ...apiReceiver, name: `control-api (${compareDir})`, origin: `http://127.0.0.1:${comparePort}`, pid: compare.child.pid as number, output: compare.output, stop: () => stopChild(compare.child) };
      receivers.push(compareReceiver);
    }
    const bare = await startNodeReceiver('bare node:http (HMAC only)', [resolve(__dirname, 'bare-webhook-server.js'), String(barePort), SECRET], barePort);
    receivers.push(bare);
    const twurple = await startNodeReceiver('@twurple/eventsub-http on Express', [resolve(__dirname, 'webhook/twurple-receiver.mjs'), String(twurplePort), SECRET, BROADCASTER_ID], twurplePort);
    twurple.path = twurple.readyLine.split(' ')[1];
    receivers.push(twurple);
    await waitForReady(apiReceiver.origin);
    if (compareReceiver) await waitForReady(compareReceiver.origin);
    const { platformSessionId } = await openLiveTwitchSession(apiReceiver.origin, twitch, BROADCASTER_ID);

    const statsKey = SessionKeys.stats(platformSessionId);
    const accounted = async () => {
      const stats = await redis.hmget(statsKey, 'accepted', 'shed');
      return { accepted: Number(stats[0] ?? 0), shed: Number(stats[1] ?? 0) };
    };
    const settle = async (expected: number) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { accepted, shed } = await accounted();
        if (accepted + shed >= expected) return;
        if (Date.now() > deadline) throw new Error(`control-api accounted ${accepted + shed} of ${expected} deliveries after 60 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    apiReceiver.settle = settle;
    if (compareReceiver) compareReceiver.settle = settle;

    const generator = await forkTsWorker<RoundRequest, RoundResult>(resolve(__dirname, 'webhook/load-generator.ts'));
    cleanups.push(() => generator.stop());
    pinToCore(generator.pid, GENERATOR_CORE);
    // redis-server is another service (another host in production): on the receiver's core it would
    // preempt control-api at every write (bare and twurple use no Redis), so it shares the generator's.
    pinToCore(redisServer.pid() as number, GENERATOR_CORE);
    for (const receiver of receivers) pinToCore(receiver.pid, RECEIVER_CORE);

    let deliveredToApi = 0;
    const runRound = async (receiver: Receiver, count: number): Promise<RoundResult> => {
      const result = await generator.request({
        origin: receiver.origin,
        path: receiver.path,
        count,
        connections,
        secret: SECRET,
        broadcasterId: BROADCASTER_ID,
        watch: { receiver: receiver.pid, redis: redisServer.pid() as number },
      });
      const bad = Object.entries(result.statuses).filter(([status]) => !/^2\d\d$/.test(status));
      if (bad.length) {
        throw new Error(`${receiver.name}: ${bad.map(([s, n]) => `${n}× ${s}`).join(', ')} of ${count} answers were not 2xx\n${receiver.output().split('\n').slice(-10).join('\n')}`);
      }
      if (receiver.settle) {
        // The answer comes before the work: the round ends when the last delivery is in the accounting,
        // and the receiver's CPU until then counts too.
        const started = performance.now();
        deliveredToApi += count;
        await receiver.settle(deliveredToApi);
        result.seconds += (performance.now() - started) / 1000;
        result.cpu.receiver = (processCpuSeconds(receiver.pid) - result.cpuAtStart.receiver) / result.seconds;
      }
      return result;
    };

    // Warm-up until steady: a fixed count, then rounds of about a second until the rate has stopped
    // rising (two in a row within 5 % of the best so far), at most WARMUP_MAX_MS. control-api was still
    // getting faster round after round after a fixed ~2 s warm-up (+18-28 % from the first measured round
    // to the third; twurple +8 %, bare flat), so the medians mixed a warming receiver with a warm one.
    // The last rate sets the receiver's round size.
    const roundCount = new Map<Receiver, number>();
    const warmUpSeconds = new Map<Receiver, number>();
    for (const receiver of receivers) {
      const started = performance.now();
      const first = await runRound(receiver, 2000);
      let rate = first.count / first.seconds;
      let best = rate;
      for (let steady = 0; steady < 2 && performance.now() - started < WARMUP_MAX_MS; ) {
        const next = await runRound(receiver, Math.max(1000, Math.round(rate)));
        rate = next.count / next.seconds;
        steady = rate <= best * 1.05 ? steady + 1 : 0;
        best = Math.max(best, rate);
      }
      roundCount.set(receiver, Math.max(1000, Math.round(rate * roundSeconds)));
      warmUpSeconds.set(receiver, (performance.now() - started) / 1000);
    }
    log(`warm-up done; per round: ${receivers.map((r) => `${r.name} ${roundCount.get(r)} (warmed up for ${warmUpSeconds.get(r)?.toFixed(1)} s)`).join(', ')}`);

    const results = new Map<Receiver, RoundResult[]>(receivers.map((r) => [r, []]));
    const order = [bare, twurple, apiReceiver, ...(compareReceiver ? [compareReceiver] : [])];
    for (let i = 0; i < rounds; i++) {
      // The two control-api builds swap places every round, so neither always runs right after the other.
      const cycle = compareReceiver && i % 2 === 1 ? [bare, twurple, compareReceiver, apiReceiver] : order;
      for (const receiver of cycle) {
        const result = await runRound(receiver, roundCount.get(receiver) as number);
        results.get(receiver)?.push(result);
        const saturated = result.cpu.generator > GENERATOR_SATURATED ? '  ⚠ generator above 90 %' : '';
        log(
          `round ${i + 1} ${receiver.name.padEnd(34)} ${String(Math.round(result.count / result.seconds)).padStart(6)} /s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  receiver ${pct(result.cpu.receiver)}  generator ${pct(result.cpu.generator)}  redis ${pct(result.cpu.redis)}${saturated}`,
        );
      }
    }

    const bareRounds = results.get(bare) as RoundResult[];
    const rate = (r: RoundResult) => r.count / r.seconds;
    const rows = order.map((receiver): WebhookBenchRow => {
      const own = results.get(receiver) as RoundResult[];
      return {
        receiver: receiver.name,
        reqPerSec: median(own.map(rate)),
        timesBare: median(own.map((r, i) => rate(r) / rate(bareRounds[i]))),
        p50Ms: median(own.map((r) => r.p50Ms)),
        p99Ms: median(own.map((r) => r.p99Ms)),
        p99TimesBare: median(own.map((r, i) => r.p99Ms / bareRounds[i].p99Ms)),
        receiverCpu: median(own.map((r) => r.cpu.receiver)),
        receiverCpuUsPerRequest: median(own.map((r) => (r.cpu.receiver * r.seconds * 1e6) / r.count)),
        generatorCpu: median(own.map((r) => r.cpu.generator)),
        generatorSaturatedRounds: own.filter((r) => r.cpu.generator > GENERATOR_SATURATED).length,
        rounds: own.length,
      };
    });

    const { accepted, shed } = await accounted();
    const buffered = await redis.llen(SessionKeys.buffer(platformSessionId));
    // Left unset above, so control-api runs at its default.
    const burstLimitPerSecond = SETTINGS.STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND.default;
    if (accepted + shed !== deliveredToApi || buffered !== accepted) {
      throw new Error(`control-api's accounting does not add up: delivered ${deliveredToApi}, accepted ${accepted}, shed ${shed}, in the buffer ${buffered}`);
    }
    const session = { delivered: deliveredToApi, accepted, shed, buffered, burstLimitPerSecond };
    const markdown = markdownTable(rows);
    const apiRedis = median((results.get(apiReceiver) as RoundResult[]).map((r) => r.cpu.redis));
    log(`\nSigned channel.chat.message notifications, ${connections} keep-alive connections, one request in flight each; medians of ${rounds} interleaved rounds of ~${roundSeconds} s.`);
    log(`Generator pinned to core ${GENERATOR_CORE}, receiver to core ${RECEIVER_CORE}; control-api's round ends when its accounting holds every delivery.\n`);
    log(markdown);
    log(`\ncontrol-api session: ${deliveredToApi} deliveries (warm-up included) → accepted ${accepted} (all in the buffer), shed ${shed} by the per-session burst limit (${burstLimitPerSecond}/s, the default)`);
    log(`redis-server (on the generator's core) used ${pct(apiRedis)} of a core during control-api's rounds`);
    if (compareReceiver) {
      // Paired per round (the two builds ran back to back, each first in every other round).
      const mine = results.get(apiReceiver) as RoundResult[];
      const theirs = results.get(compareReceiver) as RoundResult[];
      const ratios = mine.map((r, i) => rate(theirs[i]) / rate(r));
      log(`${compareReceiver.name} ÷ control-api, req/s per round: ${ratios.map((x) => x.toFixed(3)).join(' ')}; median ${median(ratios).toFixed(3)}`);
    }
    return { rows, session, markdown };
  } catch (error) {
    for (const receiver of receivers) log(`--- ${receiver.name}, last lines:\n${receiver.output().split('\n').slice(-8).join('\n')}`);
    throw error;
  } finally {
    for (const receiver of receivers) await receiver.stop().catch(() => undefined);
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

if (require.main === module) {
  const [rounds, roundSeconds, connections] = process.argv.slice(2).map(Number);
  runMain(async () => {
    await runWebhookBench({
      rounds: rounds || undefined,
      roundSeconds: roundSeconds || undefined,
      connections: connections || undefined,
      build: process.env.WEBHOOK_BENCH_NO_BUILD !== '1',
    });
  });
}
