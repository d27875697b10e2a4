import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { progress, sleep } from '../util';
import { readinessReport } from './readiness';

const RECOVERY_DEADLINE_MS = 60_000;
const RECOVERY_LIMIT_MS = 30_000;

/** The TCP proxy in front of MariaDB goes silent (blackhole: sockets stay open, nothing is forwarded) for `cutMs`. */
export function dbCut(cutMs: number): Fault {
  return {
    name: `Database cut ${cutMs / 1000} s`,
    async run(ctx) {
      const proxy = ctx.stack.proxy;
      if (!proxy) throw new Error('no database proxy');
      const t0 = Date.now();
      proxy.cut('blackhole');
      progress(`   database blackholed; restored in ${cutMs / 1000} s`);
      await sleep(cutMs);
      const t1 = Date.now();
      proxy.restore();
      progress('   database restored; measuring recovery');
      const ready = readinessReport(ctx.observer, ['control-api'], t0, t1);
      const recovery = await measureRecovery(t1, RECOVERY_DEADLINE_MS, ctx.probe, ctx.observer, ctx.load);
      return {
        readiness: ready.text,
        recovery,
        checks: [ready.check, { ok: recovery.total !== null && recovery.total <= RECOVERY_LIMIT_MS, what: `not recovered within ${RECOVERY_LIMIT_MS / 1000} s of the database coming back` }],
        notes: [ready.detail],
      };
    },
  };
}
