/**
 * The webhook benchmark's load generator, a child process of tools/bench/webhook-throughput.ts (pinned
 * to its own core there). For each round it is sent over IPC it pre-signs `count` `channel.chat.message`
 * notifications, each with a fresh message id, then sends them through an undici Pool (`connections`
 * keep-alive connections, one request in flight on each) and answers with the round's figures. Only the
 * sending is timed; CPU is read from /proc for itself and for the given processes over the same window.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

import { type SignedDelivery, eventSubDelivery } from '@lib-stream/testing';

import { percentile, processCpuSeconds } from '../../shared/bench-kit';

export interface RoundRequest {
  /** Receiver origin, `http://127.0.0.1:<port>`, and the path deliveries are posted to. */
  origin: string;
  path: string;
  count: number;
  connections: number;
  secret: string;
  broadcasterId: string;
  /** Processes whose CPU is read over the timed window, by label (the receiver, its Redis…). */
  watch: Record<string, number>;
}

export interface RoundResult {
  count: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  /** Status code → how many answers had it; `error` counts requests that got no answer. */
  statuses: Record<string, number>;
  /** CPU used over the window as a fraction of one core: `generator` and each watched label. */
  cpu: Record<string, number>;
  /** CPU seconds each had used when the window opened (to extend a window past the last answer). */
  cpuAtStart: Record<string, number>;
}

const LINES = ['PogChamp LETS GOOO', 'KEKW', 'gg wp <3', 'what game is this?', 'ResidentSleeper', 'that was terrible', 'WHAT?! no way', 'LUL he missed', 'hype hype hype', 'you are trash'];

/** Notifications as Twitch sends them for chat: a few hundred chatters, some subscribers, fresh message ids. */
function chatDeliveries(secret: string, broadcasterId: string, count: number): SignedDelivery[] {
  return Array.from({ length: count }, (_, i) => {
    const chatter = String(1_000_000 + (i % 500));
    const text = LINES[i % LINES.length];
    const delivery = eventSubDelivery(secret, 'notification', 'channel.chat.message', {
      condition: { broadcaster_user_id: broadcasterId, user_id: broadcasterId },
      event: {
        broadcaster_user_id: broadcasterId,
        chatter_user_id: chatter,
        chatter_user_login: `viewer${chatter}`,
        message_id: randomUUID(),
        message: { text, fragments: [{ type: 'text', text }] },
        badges: i % 7 === 0 ? [{ set_id: 'subscriber', id: '1', info: '3' }] : [],
        source_broadcaster_user_id: null,
      },
    });
    // undici takes lower-case header names as they are; no per-request normalising.
    return { body: delivery.body, headers: Object.fromEntries(Object.entries(delivery.headers).map(([k, v]) => [k.toLowerCase(), v])) };
  });
}

function cpuNow(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { generator: processCpuSeconds(process.pid) };
  for (const [label, pid] of Object.entries(pids)) {
    try {
      out[label] = processCpuSeconds(pid);
    } catch {
      throw new Error(`${label} (pid ${pid}) is not running`);
    }
  }
  return out;
}

export async function runRound(request: RoundRequest): Promise<RoundResult> {
  const deliveries = chatDeliveries(request.secret, request.broadcasterId, request.count);
  const pool = new Pool(request.origin, { connections: request.connections, pipelining: 1 });
  const latencies = new Float64Array(request.count);
  const statuses: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < deliveries.length) {
      const index = next++;
      const { body, headers } = deliveries[index];
      const sent = performance.now();
      let status: string;
      try {
        const response = await pool.request({ path: request.path, method: 'POST', headers, body });
        await response.body.dump();
        status = String(response.statusCode);
      } catch {
        status = 'error';
      }
      latencies[index] = performance.now() - sent;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  try {
    // Open the connections before the clock starts, as a receiver under steady load has them open.
    await Promise.all(Array.from({ length: request.connections }, () => pool.request({ path: '/', method: 'GET' }).then((r) => r.body.dump()).catch(() => undefined)));
    const cpuBefore = cpuNow(request.watch);
    const started = performance.now();
    await Promise.all(Array.from({ length: request.connections }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuNow(request.watch);
    const all = Array.from(latencies);
    return {
      count: request.count,
      seconds,
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      statuses,
      cpu: Object.fromEntries(Object.keys(cpuAfter).map((label) => [label, (cpuAfter[label] - cpuBefore[label]) / seconds])),
      cpuAtStart: cpuBefore,
    };
  } finally {
    await pool.close();
  }
}

// As a child process: one round per message, answered with its result (or its error's message).
if (require.main === module && process.send) {
  process.on('message', (message: RoundRequest) => {
    runRound(message).then(
      (result) => process.send?.({ result }),
      (error: unknown) => process.send?.({ error: (error as Error).message }),
    );
  });
  process.send({ ready: true });
}
