import { type Agent, type IncomingMessage, request as httpRequest, Agent as HttpAgent } from 'node:http';

import { customWebhookDelivery } from '@lib-stream/testing';

import { SHUTDOWN_TIMEOUT_SECONDS, WEBHOOK_SECRET } from '../harness';
import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { progress, sleep } from '../util';

const CLIENTS = 16;

type Outcome = { kind: 'answered'; status: number } | { kind: 'refused' } | { kind: 'unanswered'; why: string };

function send(agent: Agent, port: number, path: string, headers: Record<string, string>, body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, timeout: 30_000 }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve({ kind: 'answered', status: res.statusCode ?? 0 }));
      res.on('error', (error) => resolve({ kind: 'unanswered', why: `response: ${error.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Refused = the listener was closed: the request never reached the app, it was not in flight.
      resolve(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'unanswered', why: error.code ?? error.message });
    });
    req.end(body);
  });
}

/**
 * SIGTERM to control-api while 16 keep-alive clients send signed webhook deliveries back to back.
 * Every request that reached the app must get an answer (a 503 while draining is fine, a reset is
 * not), and the process must exit 0. It is then started again on the same port.
 */
export const sigtermUnderLoad: Fault = {
  name: 'SIGTERM under keep-alive load',
  async run(ctx) {
    const api = ctx.stack.api;
    const agent = new HttpAgent({ keepAlive: true, maxSockets: CLIENTS });
    const outcomes: Outcome[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const delivery = customWebhookDelivery(WEBHOOK_SECRET, { linkId: ctx.main.linkId, events: [{ type: 'chat', viewerId: 'ka-viewer', text: 'keep alive hype' }] });
        ctx.load.counts.deliveries++;
        const outcome = await send(agent, api.port, '/stream/webhook/custom', delivery.headers, delivery.body);
        outcomes.push(outcome);
        if (outcome.kind === 'answered') {
          ctx.tally.record('keepalive', outcome.status);
          if (outcome.status === 202) ctx.load.counts.acceptedEntries += 1;
        } else if (outcome.kind === 'unanswered') {
          ctx.tally.record('keepalive', 0, outcome.why);
          ctx.load.counts.unknownEntries += 1;
        } else {
          await sleep(50);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await sleep(1500);
    await ctx.observer.scrapeDrops();
    const before = outcomes.length;
    const t0 = Date.now();
    api.app.child.kill('SIGTERM');
    progress('   SIGTERM sent to control-api');
    const code = await Promise.race([api.app.exited, sleep((SHUTDOWN_TIMEOUT_SECONDS + 15) * 1000).then(() => 'no exit')]);
    const exitMs = Date.now() - t0;
    stop = true;
    await Promise.all(clients);
    agent.destroy();
    if (code === 'no exit') await api.app.stop('SIGKILL');
    const during = outcomes.slice(before);
    const answered = during.filter((o) => o.kind === 'answered').length;
    const unanswered = during.filter((o): o is { kind: 'unanswered'; why: string } => o.kind === 'unanswered');
    const readyAt = ctx.observer.notReadySince('control-api', t0, t0 + exitMs);
    progress(`   control-api exited with ${code} after ${(exitMs / 1000).toFixed(1)} s; restarting it`);
    await ctx.stack.startApp('control-api', 'control-api');
    const recovery = await measureRecovery(t0, 60_000, ctx.probe, ctx.observer, ctx.load);
    const whys = [...new Set(unanswered.map((u) => u.why))].join(', ');
    return {
      readiness: readyAt === null ? 'not seen' : `${((readyAt - t0) / 1000).toFixed(1)} s`,
      recovery,
      recoveredText: recovery.total === null ? 'never' : `${(recovery.total / 1000).toFixed(1)} s (restart)`,
      checks: [
        { ok: code === 0, what: `exit code ${code} (want 0)` },
        { ok: unanswered.length === 0, what: `${unanswered.length} in-flight requests got no answer (${whys})` },
      ],
      notes: [
        ...(code === 0 ? [] : [`last lines of the old control-api: ${api.app.output().trim().split('\n').slice(-3).map((l) => l.slice(0, 200)).join(' | ')}`]),
        `after SIGTERM: ${answered} answered, ${unanswered.length} unanswered, ${during.length - answered - unanswered.length} refused (listener closed); exit ${code} after ${(exitMs / 1000).toFixed(1)} s`],
    };
  },
};
