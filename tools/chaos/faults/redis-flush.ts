import { SessionKeys } from '@lib-stream/contracts';

import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { progress } from '../util';

const RECOVERY_DEADLINE_MS = 45_000;
const RECOVERY_LIMIT_MS = 30_000;

/**
 * FLUSHALL on the running Redis. The entries waiting in the load's buffer at that instant are counted
 * in the same MULTI, so the ledger knows exactly what the flush itself destroyed.
 */
export const redisFlush: Fault = {
  name: 'Redis flushed',
  async run(ctx) {
    const t0 = Date.now();
    const multi = ctx.redis.multi();
    const ids = [...ctx.observer.countedSessions];
    for (const id of ids) multi.llen(SessionKeys.buffer(id));
    multi.flushall();
    const results = (await multi.exec()) ?? [];
    const lost = results.slice(0, ids.length).reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
    progress(`   FLUSHALL done (${lost} buffered entries destroyed by it); measuring recovery`);
    const recovery = await measureRecovery(t0, RECOVERY_DEADLINE_MS, ctx.probe, ctx.observer, ctx.load);
    const false503 = [...ctx.stack.apps.keys()].reduce((n, app) => n + ctx.observer.readiness503s(app, t0, Date.now()), 0);
    return {
      readiness: `n/a (${false503} 503s)`,
      recovery,
      lostToFault: lost,
      checks: [{ ok: recovery.total !== null && recovery.total <= RECOVERY_LIMIT_MS, what: `not recovered within ${RECOVERY_LIMIT_MS / 1000} s of the flush` }],
      notes: [`409 "no active session" answers after the flush: ${ctx.load.counts.conflicts} so far in the suite`],
    };
  },
};
