/**
 * One row of the table: settle, snapshot the ledger, start the background load, inject the fault,
 * measure, stop the load, let the pulses drain, snapshot again and judge.
 */
import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';

import type { Stack } from './harness';
import type { DropCounters, Observer } from './observer';
import type { Recovery } from './recovery';
import { type HttpTally, count5xxNot503, poll, progress, sleep, within } from './util';
import type { Account, Workload } from './workload';

export interface Context {
  stack: Stack;
  observer: Observer;
  tally: HttpTally;
  load: Workload;
  main: Account;
  probe: Account;
  quick: boolean;
  /** The suite's own Redis client (follows the stack's topology). */
  redis: Redis;
}

export interface Check {
  ok: boolean;
  what: string;
}

/** What a fault module reports back. */
export interface FaultOutcome {
  readiness: string;
  recovery: Recovery | null;
  /** Overrides the recovery column (e.g. "adopted in 4.1 s"). */
  recoveredText?: string;
  checks: Check[];
  /** Entries the fault itself destroyed, measured (e.g. buffered entries a FLUSHALL removed). */
  lostToFault?: number;
  notes?: string[];
}

export interface Fault {
  name: string;
  run(ctx: Context): Promise<FaultOutcome>;
}

export interface RowResult {
  fault: string;
  readiness: string;
  recovered: string;
  bad5xx: number;
  accepted: number;
  unknown: number;
  published: number;
  drops: Omit<DropCounters, 'publishedByMetrics'> & { lost: number };
  balanced: boolean;
  pass: boolean | null;
  failures: string[];
  notes: string[];
  seconds: number;
}

interface Ledger {
  accepted: number;
  unknown: number;
  published: number;
  drops: DropCounters;
  http: Map<string, number>;
}

async function ledger(ctx: Context): Promise<Ledger> {
  await ctx.observer.scrapeDrops();
  return {
    accepted: ctx.load.counts.acceptedEntries,
    unknown: ctx.load.counts.unknownEntries,
    published: ctx.observer.publishedEntries,
    drops: ctx.observer.dropTotals(),
    http: ctx.tally.snapshot(),
  };
}

/** Waits until the load's buffers are empty and no pulse entries arrived for 2.5 s (at most 30 s). */
export async function settle(ctx: Context): Promise<void> {
  let last = ctx.observer.publishedEntries;
  let stableSince = Date.now();
  await poll(async () => {
    if (ctx.observer.publishedEntries !== last) {
      last = ctx.observer.publishedEntries;
      stableSince = Date.now();
    }
    const lengths = await within(Promise.all([...ctx.observer.countedSessions].map((id) => ctx.redis.llen(SessionKeys.buffer(id)))), 1500, [-1]);
    const empty = lengths.every((n) => n === 0);
    return empty && Date.now() - stableSince >= 2500;
  }, 30_000, 250);
}

export function skippedRow(fault: string, why: string): RowResult {
  return { fault, readiness: '—', recovered: '—', bad5xx: 0, accepted: 0, unknown: 0, published: 0, drops: { shed: 0, overflow: 0, expired: 0, lost: 0 }, balanced: true, pass: null, failures: [why], notes: [], seconds: 0 };
}

export async function runRow(ctx: Context, fault: Fault): Promise<RowResult> {
  const rowStart = Date.now();
  progress(`── ${fault.name}: preparing (session live, buffers drained)`);
  const failures: string[] = [];
  try {
    if (await ctx.load.ensureSession()) progress('   the load needed a new session (the previous one was lost)');
  } catch (error) {
    return { ...skippedRow(fault.name, `stack not usable before the fault: ${(error as Error).message}`), pass: false };
  }
  await settle(ctx);
  const before = await ledger(ctx);
  ctx.load.start();
  await sleep(2000);
  progress(`   ${fault.name}: injecting (background load running)`);
  let outcome: FaultOutcome;
  try {
    outcome = await fault.run(ctx);
  } catch (error) {
    outcome = { readiness: '?', recovery: null, recoveredText: 'error', checks: [{ ok: false, what: `the fault module failed: ${(error as Error).message}` }] };
  }
  await ctx.load.stop();
  progress(`   ${fault.name}: load stopped, waiting for the last pulses`);
  await settle(ctx);
  const after = await ledger(ctx);

  const http = ctx.tally.since(before.http);
  const bad5xx = count5xxNot503(http);
  const drops = {
    shed: after.drops.shed - before.drops.shed,
    overflow: after.drops.overflow - before.drops.overflow,
    expired: after.drops.expired - before.drops.expired,
    lost: outcome.lostToFault ?? 0,
  };
  const publishedByMetrics = after.drops.publishedByMetrics - before.drops.publishedByMetrics;
  const gaps = ctx.observer.subscriberGaps.filter((g) => g.from >= rowStart);
  const accepted = after.accepted - before.accepted;
  const unknown = after.unknown - before.unknown;
  const published = after.published - before.published;
  const accounted = published + drops.shed + drops.overflow + drops.expired + drops.lost;
  const balanced = accounted >= accepted && accounted <= accepted + unknown;
  if (bad5xx > 0) failures.push(`${bad5xx} answers with a 5xx other than 503`);
  if (!balanced) failures.push(`entries do not balance: accepted ${accepted}${unknown ? ` (+${unknown} unanswered)` : ''}, published ${published} + dropped ${accounted - published} = ${accounted}`);
  for (const check of outcome.checks) if (!check.ok) failures.push(check.what);
  const notes = [...(outcome.notes ?? [])];
  // The pulse-publishers' own count (all sessions, and it also counts publishes Redis refused) beside what a subscriber received.
  notes.push(`pulse-publishers report ${publishedByMetrics} entries published (metrics, all sessions); the suite's subscriber received ${published}${gaps.length ? `; it was disconnected ${gaps.map((g) => `${(((g.to ?? Date.now()) - g.from) / 1000).toFixed(1)} s`).join(', ')}` : ''}`);
  const statuses = [...http.entries()].filter(([k]) => !k.startsWith('readiness')).map(([k, n]) => `${k}×${n}`).join(', ');
  notes.push(`answers: ${statuses || 'none'}`);
  const recovered = outcome.recoveredText ?? (outcome.recovery ? (outcome.recovery.total === null ? 'never' : `${(outcome.recovery.total / 1000).toFixed(1)} s`) : '—');
  if (outcome.recovery) {
    const r = outcome.recovery;
    const part = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
    notes.push(`recovery: events ${part(r.events)}, webhooks 2xx ${part(r.webhooks)}, pulses ${part(r.pulses)}`);
  }
  const result: RowResult = {
    fault: fault.name,
    readiness: outcome.readiness,
    recovered,
    bad5xx,
    accepted,
    unknown,
    published,
    drops,
    balanced,
    pass: failures.length === 0,
    failures,
    notes,
    seconds: (Date.now() - rowStart) / 1000,
  };
  progress(`   ${fault.name}: ${result.pass ? 'PASS' : 'FAIL'}${failures.length ? ` — ${failures.join('; ')}` : ''}`);
  return result;
}
