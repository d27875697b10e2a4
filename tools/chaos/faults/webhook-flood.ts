import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { progress } from '../util';

const CONCURRENCY = 48;
const EVENTS_PER_DELIVERY = 100;
const RECOVERY_DEADLINE_MS = 45_000;
const RECOVERY_LIMIT_MS = 15_000;

/**
 * Saturating webhook traffic on top of the background load: 48 loops sending signed deliveries of 100
 * chat events each, back to back, for `floodMs`. Readiness must stay 200 throughout (a busy app is
 * not an unhealthy one); burst protection may shed, but must count what it sheds.
 */
export function webhookFlood(floodMs: number): Fault {
  return {
    name: `Webhook flood ${floodMs / 1000} s`,
    async run(ctx) {
      const t0 = Date.now();
      const until = t0 + floodMs;
      let sent = 0;
      const loop = async () => {
        while (Date.now() < until) {
          await ctx.load.deliver(EVENTS_PER_DELIVERY, 'flood', 20_000);
          sent++;
        }
      };
      const ticker = setInterval(() => progress(`   flooding: ${sent} deliveries so far`), 5000);
      await Promise.all(Array.from({ length: CONCURRENCY }, loop));
      clearInterval(ticker);
      const t1 = Date.now();
      progress(`   flood over: ${sent} deliveries (${Math.round((sent * 1000) / (t1 - t0))}/s); measuring recovery`);
      const false503 = [...ctx.stack.apps.keys()].map((app) => ({ app, n: ctx.observer.readiness503s(app, t0, t1 + 1000) }));
      const total = false503.reduce((n, x) => n + x.n, 0);
      const recovery = await measureRecovery(t1, RECOVERY_DEADLINE_MS, ctx.probe, ctx.observer, ctx.load);
      return {
        readiness: `${total} false 503s`,
        recovery,
        checks: [
          { ok: total === 0, what: `readiness answered 503 ${total} times under load (${false503.filter((x) => x.n).map((x) => `${x.app} ${x.n}`).join(', ')})` },
          { ok: recovery.total !== null && recovery.total <= RECOVERY_LIMIT_MS, what: `not flowing within ${RECOVERY_LIMIT_MS / 1000} s of the flood's end` },
        ],
        notes: [`flood: ${sent} deliveries of ${EVENTS_PER_DELIVERY} events at concurrency ${CONCURRENCY} (${Math.round((sent * 1000) / (t1 - t0))}/s)`],
      };
    },
  };
}
