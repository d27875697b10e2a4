import { PULSE_INTERVAL_SECONDS } from '../harness';
import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { metricSum, poll, progress } from '../util';

/** One interval, plus the leader lease (max(1.5 s, interval/2)), plus a second of slack — the e2e bound. */
const RESUME_LIMIT_MS = PULSE_INTERVAL_SECONDS * 1000 + Math.max(1500, (PULSE_INTERVAL_SECONDS * 1000) / 2) + 1000;

/** The pulse-publisher holding the leader lock is SIGKILLed; the other must take over. Then it is started again. */
export const pulseLeaderKill: Fault = {
  name: 'SIGKILL pulse leader',
  async run(ctx) {
    const publishers = ctx.stack.byRole('pulse-publisher');
    const leader = await poll(async () => {
      for (const p of publishers) {
        const text = await (await fetch(`${p.baseUrl}/metrics`)).text();
        if (metricSum(text, 'lib_stream_pulse_leader') === 1) return p;
      }
      return null;
    }, 10_000, 200);
    if (!leader) throw new Error('no pulse-publisher reports lib_stream_pulse_leader 1');
    await ctx.observer.scrapeDrops();
    const t0 = Date.now();
    await ctx.stack.kill(leader.name, 'SIGKILL');
    progress(`   ${leader.name} (leader) SIGKILLed`);
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
        { ok: resumeMs !== null && resumeMs <= RESUME_LIMIT_MS, what: `pulses did not resume within ${(RESUME_LIMIT_MS / 1000).toFixed(1)} s (interval + lease + 1 s)` },
        { ok: recovery.total !== null, what: 'events/webhooks/pulses not all flowing within 30 s' },
      ],
    };
  },
};
