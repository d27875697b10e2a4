import { PULSE_INTERVAL_SECONDS } from '../harness';
import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { metricSum, poll, progress } from '../util';

/** One interval, plus a partition lease (max(1.5 s, interval/2)) and a renewal step (a third of it), plus a second of slack — the e2e bound. */
const LEASE_MS = Math.max(1500, (PULSE_INTERVAL_SECONDS * 1000) / 2);
const RESUME_LIMIT_MS = PULSE_INTERVAL_SECONDS * 1000 + LEASE_MS + LEASE_MS / 3 + 1000;

/** A pulse-publisher replica holding session partitions is SIGKILLed; the others must adopt them. Then it is started again. */
export const pulseLeaderKill: Fault = {
  name: 'SIGKILL pulse replica',
  async run(ctx) {
    const publishers = ctx.stack.byRole('pulse-publisher');
    const leader = await poll(async () => {
      for (const p of publishers) {
        const text = await (await fetch(`${p.baseUrl}/metrics`)).text();
        if (metricSum(text, 'lib_stream_pulse_partitions_held') > 0) return p;
      }
      return null;
    }, 10_000, 200);
    if (!leader) throw new Error('no pulse-publisher reports lib_stream_pulse_partitions_held above 0');
    await ctx.observer.scrapeDrops();
    const t0 = Date.now();
    await ctx.stack.kill(leader.name, 'SIGKILL');
    progress(`   ${leader.name} (holding partitions) SIGKILLed`);
    const recovery = await measureRecovery(t0, 30_000, ctx.probe, ctx.observer, ctx.load);
    const resumed = ctx.observer.firstPulseAfter(t0);
    const resumeMs = resumed === null ? null : resumed - t0;
    progress(`   pulses resumed after ${resumeMs === null ? 'never' : `${(resumeMs / 1000).toFixed(1)} s`}; restarting ${leader.name}`);
    await ctx.stack.startApp(leader.name, 'pulse-publisher');
    return {
      readiness: 'n/a',
      recovery,
      recoveredText: resumeMs === null ? 'never' : `pulses ${(resumeMs / 1000).toFixed(1)} s`,
      checks: [
        { ok: resumeMs !== null && resumeMs <= RESUME_LIMIT_MS, what: `pulses did not resume within ${(RESUME_LIMIT_MS / 1000).toFixed(1)} s (interval + lease + renewal + 1 s)` },
        { ok: recovery.total !== null, what: 'events/webhooks/pulses not all flowing within 30 s' },
      ],
    };
  },
};
