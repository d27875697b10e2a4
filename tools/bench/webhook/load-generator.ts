/**
 * The webhook benchmark's load generator, a child process of tools/bench/webhook-throughput.ts (pinned
 * to its own core there). For each round it is sent over IPC it pre-signs `count` `channel.chat.message`
 * notifications, each with a fresh message id, serialised as raw HTTP/1.1 requests, then sends them
 * over `connections` keep-alive connections, one request in flight on each (RawConnection), and answers
 * with the round's figures. Only the sending is timed; CPU is read from /proc for itself and for the
 * given processes over the same window.
 */
import { randomUUID } from 'node:crypto';
import { type Socket, connect } from 'node:net';
import { performance } from 'node:perf_hooks';

import { eventSubDelivery } from '@lib-stream/testing';

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

/**
 * Notifications as Twitch sends them for chat (a few hundred chatters, some subscribers, fresh message
 * ids), each serialised up front as the exact bytes of its HTTP/1.1 request.
 */
function chatRequests(request: RoundRequest): Buffer[] {
  const { host } = new URL(request.origin);
  return Array.from({ length: request.count }, (_, i) => {
    const chatter = String(1_000_000 + (i % 500));
    const text = LINES[i % LINES.length];
    const delivery = eventSubDelivery(request.secret, 'notification', 'channel.chat.message', {
      condition: { broadcaster_user_id: request.broadcasterId, user_id: request.broadcasterId },
      event: {
        broadcaster_user_id: request.broadcasterId,
        chatter_user_id: chatter,
        chatter_user_login: `viewer${chatter}`,
        message_id: randomUUID(),
        message: { text, fragments: [{ type: 'text', text }] },
        badges: i % 7 === 0 ? [{ set_id: 'subscriber', id: '1', info: '3' }] : [],
        source_broadcaster_user_id: null,
      },
    });
    const body = Buffer.from(delivery.body);
    const headers = Object.entries({ ...delivery.headers, Host: host, 'Content-Length': String(body.length) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    return Buffer.concat([Buffer.from(`POST ${request.path} HTTP/1.1\r\n${headers}\r\n`, 'latin1'), body]);
  });
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Whether `data` from `at` holds a whole chunked body: chunks walked by their sizes up to the last (size 0) and its CRLF (no trailers sent here). */
function chunkedComplete(data: Buffer, at: number): boolean {
  for (let offset = at; ; ) {
    const lineEnd = data.indexOf('\r\n', offset, 'latin1');
    if (lineEnd === -1) return false;
    const size = parseInt(data.toString('latin1', offset, lineEnd), 16);
    if (size === 0) return data.length >= lineEnd + 4;
    offset = lineEnd + 2 + size + 2;
    if (offset > data.length) return false;
  }
}

/**
 * One keep-alive HTTP/1.1 connection sending pre-serialised requests one at a time: a write of the
 * request's bytes, then the response read off the socket (status line, Content-Length or a chunked
 * body's last chunk). Why not undici: at ~38 µs of generator CPU a request (Pool.request or
 * dispatch, measured here) it saturated its core before the bare receiver did, so the bare rows
 * measured the generator. This costs a write, a read and a header scan.
 */
class RawConnection {
  private socket: Socket | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private settle: ((status: string) => void) | null = null;

  constructor(private readonly port: number, private readonly host: string) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port: this.port, host: this.host, noDelay: true });
      socket.once('connect', () => resolve());
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('close', () => {
        this.socket = null;
        this.answer('error');
      });
      this.socket = socket;
    });
  }

  /** Sends one request; resolves its status code, or 'error' when the connection failed or closed. */
  send(bytes: Buffer): Promise<string> {
    return new Promise((resolve) => {
      this.settle = resolve;
      this.pending = Buffer.alloc(0);
      if (!this.socket) return this.answer('error');
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private onData(chunk: Buffer): void {
    // Bytes nobody asked for would be taken as the next request's answer: the connection is spoilt.
    if (!this.settle) return void this.socket?.destroy();
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const end = this.pending.indexOf(HEAD_END);
      if (end === -1) return;
      const head = this.pending.toString('latin1', 0, end).toLowerCase();
      const status = head.slice(9, 12);
      const bodyStart = end + HEAD_END.length;
      // An interim 1xx answer has no body: the final one follows.
      if (status.startsWith('1')) {
        this.pending = this.pending.subarray(bodyStart);
        continue;
      }
      const length = /\r\ncontent-length:[ \t]*(\d+)/.exec(head);
      if (length) {
        if (this.pending.length - bodyStart >= Number(length[1])) this.answer(status);
      } else if (/\r\ntransfer-encoding:[ \t]*chunked/.test(head)) {
        if (chunkedComplete(this.pending, bodyStart)) this.answer(status);
      } else {
        // Without either, only 204 and 304 have no body; a body read until the close is not counted.
        this.answer(status === '204' || status === '304' ? status : 'error');
      }
      return;
    }
  }

  private answer(status: string): void {
    const settle = this.settle;
    this.settle = null;
    this.pending = Buffer.alloc(0);
    settle?.(status);
  }
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
  const requests = chatRequests(request);
  const { hostname, port } = new URL(request.origin);
  const connections = Array.from({ length: request.connections }, () => new RawConnection(Number(port), hostname));
  const latencies = new Float64Array(request.count);
  const statuses: Record<string, number> = {};
  let next = 0;
  const sender = async (connection: RawConnection) => {
    while (next < requests.length) {
      const index = next++;
      const sent = performance.now();
      const status = await connection.send(requests[index]);
      latencies[index] = performance.now() - sent;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  try {
    // Open the connections before the clock starts, as a receiver under steady load has them open.
    await Promise.all(connections.map((connection) => connection.open()));
    const cpuBefore = cpuNow(request.watch);
    const started = performance.now();
    await Promise.all(connections.map(sender));
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
    for (const connection of connections) connection.close();
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
