import { SessionKeys } from '@lib-stream/contracts';

import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { progress, sleep } from '../util';
import { readinessReport } from './readiness';

const RECOVERY_DEADLINE_MS = 60_000;
const RECOVERY_LIMIT_MS = 30_000;

/** The Redis server is SIGKILLed, stays down `downMs`, and comes back with its data (append-only file). */
export function redisDown(downMs: number, label = `Redis down ${downMs / 1000} s`): Fault {
  return {
    name: label,
    async run(ctx) {
      const server = ctx.stack.redis.primary();
      // What waits in the load's buffer as Redis dies (read just before, so approximate): the buffer key's
      // own TTL (3x the pulse interval) may run out during the outage.
      const buffered = (await Promise.all([...ctx.observer.countedSessions].map((id) => ctx.redis.llen(SessionKeys.buffer(id))))).reduce((a, b) => a + b, 0);
      const ttl = (await Promise.all([...ctx.observer.countedSessions].map((id) => ctx.redis.pttl(SessionKeys.buffer(id))))).filter((n) => n > 0);
      const t0 = Date.now();
      await server.stop();
      progress(`   Redis killed; back in ${downMs / 1000} s`);
      await sleep(downMs);
      const t1 = Date.now();
      await server.start();
      progress('   Redis restarted; measuring recovery');
      const ready = readinessReport(ctx.observer, [...ctx.stack.apps.keys()], t0, t1);
      const recovery = await measureRecovery(t1, RECOVERY_DEADLINE_MS, ctx.probe, ctx.observer, ctx.load);
      return {
        readiness: ready.text,
        recovery,
        checks: [ready.check, { ok: recovery.total !== null && recovery.total <= RECOVERY_LIMIT_MS, what: `not recovered within ${RECOVERY_LIMIT_MS / 1000} s of Redis coming back` }],
        notes: [ready.detail, `about ${buffered} entries were in the buffer when Redis died (key TTL ${ttl.length ? `${(Math.max(...ttl) / 1000).toFixed(1)} s` : 'none'})`],
      };
    },
  };
}
