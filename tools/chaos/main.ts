/**
 * Fault suite: runs the BUILT apps (control-api, two media workers, two pulse-publishers) against a
 * private redis-server and a TCP proxy in front of MariaDB, injects one fault per row under a steady
 * background load of signed webhook deliveries and API calls, and prints a table: how long readiness
 * took to report the fault, how long until events, webhooks and pulses flowed again, 5xx answers
 * other than 503, and whether every accepted entry was published or counted as dropped.
 *
 *   npm run chaos                        (builds the apps first; needs MariaDB on 127.0.0.1:3306, redis-server, ffmpeg)
 *   npm run chaos -- --quick             (Redis down 15 s instead of 60 s, a shorter flood)
 *   npm run chaos -- --skip-build        (use dist/ as it is)
 *   npm run chaos -- --only=flush,sigterm (rows whose name contains one of these words)
 *
 * Exits 1 when any row fails. Never touches the shared Redis on 6379; drops its database, stops its
 * processes and removes its temp dirs on the way out (also on Ctrl-C).
 */
import Redis from 'ioredis';

import { dbCut } from './faults/db-cut';
import { pulseLeaderKill } from './faults/pulse-leader-kill';
import { redisDown } from './faults/redis-down';
import { redisFlush } from './faults/redis-flush';
import { sentinelFailover } from './faults/sentinel-failover';
import { sigtermUnderLoad } from './faults/sigterm';
import { webhookFlood } from './faults/webhook-flood';
import { workerKill } from './faults/worker-kill';
import { Stack, buildApps } from './harness';
import { Observer } from './observer';
import { type RedisTopology, startSentinelRedis, startSingleRedis } from './redis-topology';
import { type Context, type Fault, type RowResult, runRow } from './row';
import { renderTable } from './table';
import { HttpTally, progress } from './util';
import { Account, Workload } from './workload';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const SKIP_BUILD = args.includes('--skip-build') || !!process.env.CHAOS_SKIP_BUILD;
const ONLY = (args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? '').split(',').filter(Boolean).map((s) => s.toLowerCase());
const LONG_DOWN_MS = QUICK ? 15_000 : 60_000;

const wanted = (fault: { name: string }) => ONLY.length === 0 || ONLY.some((word) => fault.name.toLowerCase().includes(word));

let active: { stack: Stack; observer: Observer; redis: Redis } | null = null;

/** Starts a stack on `topology`, runs `faults` against it, tears it all down. */
async function runOn(topology: RedisTopology, faults: Fault[]): Promise<RowResult[]> {
  const stack = new Stack(topology);
  const tally = new HttpTally();
  const observer = new Observer(stack, tally);
  const redis = new Redis(topology.clientOptions());
  redis.on('error', () => undefined);
  active = { stack, observer, redis };
  const rows: RowResult[] = [];
  try {
    progress(`starting the stack on ${topology.kind === 'single' ? 'a private redis-server' : 'a primary, a replica and 3 sentinels'} (control-api, 2 media workers, 2 pulse-publishers)…`);
    await stack.start();
    await observer.start();
    const main = new Account(() => stack.api, tally);
    const probe = new Account(() => stack.api, tally);
    await main.link();
    await probe.link();
    const started = await main.startSession();
    if (started.status !== 200) throw new Error(`could not start the load's session: ${started.status} ${JSON.stringify(started.body)}`);
    observer.countedSessions.add(main.sessionId);
    const load = new Workload(main, () => stack.api, tally, observer);
    const ctx: Context = { stack, observer, tally, load, main, probe, quick: QUICK, redis };
    progress('stack ready');
    for (const fault of faults) rows.push(await runRow(ctx, fault));
    for (const sample of tally.badSamples()) progress(`5xx sample: ${sample}`);
  } finally {
    progress('tearing the stack down…');
    await observer.stop().catch(() => undefined);
    redis.disconnect();
    await stack.dispose();
    active = null;
  }
  return rows;
}

async function main(): Promise<void> {
  const began = Date.now();
  if (!SKIP_BUILD) buildApps();
  if (QUICK) progress(`--quick: the long Redis outage lasts ${LONG_DOWN_MS / 1000} s instead of 60 s, and the flood 8 s instead of 15 s`);
  const faults: Fault[] = [
    redisDown(5000),
    redisDown(LONG_DOWN_MS, `Redis down ${LONG_DOWN_MS / 1000} s${QUICK ? ' (--quick)' : ''}`),
    redisFlush,
    dbCut(10_000),
    webhookFlood(QUICK ? 8000 : 15_000),
    sigtermUnderLoad,
    pulseLeaderKill,
    workerKill,
  ].filter(wanted);
  const rows: RowResult[] = [];
  if (faults.length) rows.push(...(await runOn(await startSingleRedis(), faults)));

  if (wanted(sentinelFailover)) rows.push(...(await runOn(await startSentinelRedis(), [sentinelFailover])));

  console.log(`\n${renderTable(rows)}\n`);
  const failed = rows.filter((r) => r.pass === false);
  console.log(`chaos suite: ${rows.filter((r) => r.pass).length} passed, ${failed.length} failed, ${rows.filter((r) => r.pass === null).length} skipped in ${((Date.now() - began) / 60_000).toFixed(1)} min${QUICK ? ' (--quick)' : ''}`);
  process.exit(failed.length ? 1 : 0);
}

async function abort(signal: string): Promise<void> {
  progress(`${signal}: cleaning up…`);
  if (active) {
    await active.observer.stop().catch(() => undefined);
    active.redis.disconnect();
    await active.stack.dispose().catch(() => undefined);
  }
  process.exit(130);
}
process.once('SIGINT', () => void abort('SIGINT'));
process.once('SIGTERM', () => void abort('SIGTERM'));

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
