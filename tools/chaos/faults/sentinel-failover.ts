import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import type { SentinelTopology } from '../redis-topology';
import { progress } from '../util';
import { readinessReport } from './readiness';

const RECOVERY_DEADLINE_MS = 60_000;
const RECOVERY_LIMIT_MS = 30_000;

/** The primary is SIGKILLed; three sentinels promote the replica; the apps must follow. */
export const sentinelFailover: Fault = {
  name: 'Sentinel failover',
  async run(ctx) {
    const topology = ctx.stack.redis as SentinelTopology;
    const t0 = Date.now();
    const promoted = await topology.killPrimary();
    const t1 = Date.now();
    progress(`   primary killed; ${promoted ? `replica on ${promoted} promoted after ${((t1 - t0) / 1000).toFixed(1)} s` : 'no replica promoted in 30 s'}`);
    const ready = readinessReport(ctx.observer, [...ctx.stack.apps.keys()], t0, t1 + 5000);
    const recovery = await measureRecovery(t0, RECOVERY_DEADLINE_MS, ctx.probe, ctx.observer, ctx.load);
    return {
      readiness: ready.text,
      recovery,
      checks: [
        { ok: promoted !== null, what: 'the sentinels promoted no replica' },
        { ok: recovery.total !== null && recovery.total <= RECOVERY_LIMIT_MS, what: `not recovered within ${RECOVERY_LIMIT_MS / 1000} s of the primary's death` },
      ],
      // Readiness is informative here: a fast failover may never show as not-ready.
      notes: [ready.detail, `promotion took ${((t1 - t0) / 1000).toFixed(1)} s`],
    };
  },
};
