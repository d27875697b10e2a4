/**
 * bench:live's load generator, a child process of tools/bench/live-fanout.ts (pinned to its own core
 * there). It holds the dashboards and the publisher, so publish and receipt are timed on one clock.
 *
 * For each round it is sent over IPC it opens `sockets` WebSocket clients to the server under test
 * (each with its own Authorization header and subscribe frame when given, ready at its `subscribed`
 * answer), then publishes `count` `stream.broadcast.source-changed` events through the apps' own
 * EventBus (the Nest Redis transport packet media-worker's coordinator sends) at `rate` per second,
 * and records, for every socket, which event arrived when: latency from the publish call to the
 * client's `message` event, events lost and events out of order. CPU (from /proc) covers the first
 * publish to the last receipt, for itself and the watched processes. The sockets are closed at the end.
 */
import { createHistogram, performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

import { Logger } from '@nestjs/common';

import { EventTopic, VideoSourceType } from '@lib-stream/contracts';
import { EventBus, HealthRegistry, MetricsService, RedisSettings, eventHeader, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { expectEventually } from '@lib-stream/testing';

import { processCpuSeconds } from '../../shared/bench-kit';

export interface LiveRoundRequest {
  /** `ws://127.0.0.1:<port>/<path>` of the server under test. */
  url: string;
  sockets: number;
  /** One Authorization header per socket (control-api), or null (the bare server takes anyone). */
  authorizations: string[] | null;
  /** Sent once a socket is open; the socket is ready at the server's `subscribed` answer. null: ready when open. */
  subscribe: object | null;
  /** Offered events per second; null publishes all at once (a burst, to find the ceiling). */
  rate: number | null;
  count: number;
  /** Give up waiting for the last deliveries after this long without any (they are then counted lost). */
  stallMs: number;
  /** Processes whose CPU is read over the timed window, by label. */
  watch: Record<string, number>;
}

export interface LiveRoundResult {
  count: number;
  sockets: number;
  /** Start of the round (just before the first publish) to the last receipt on any socket. */
  seconds: number;
  /** Start of the round to the last publish call (count / rate at the offered rate). */
  publishSeconds: number;
  /** Delivery latency over every (socket, event), publish call to client receipt. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Frames expected (count × sockets) that never arrived. */
  lost: number;
  /** Frames that arrived after a later event on the same socket (or twice). */
  outOfOrder: number;
  /** `missed` frames: the server dropped frames for a socket it found too slow. */
  missedFrames: number;
  /** CPU used over the window as a fraction of one core: `generator` and each watched label. */
  cpu: Record<string, number>;
  connectSeconds: number;
}

const EVENT_ID_MARK = Buffer.from('"eventId":"');
const UUID_LENGTH = 36;
/** Opening 1,000 sockets at once would overflow the server's listen backlog; this many at a time. */
const CONNECT_CONCURRENCY = 50;

/** The apps' EventBus on the bench's Redis, once its transport is connected (it would hold events until then). */
async function connectedEventBus(): Promise<EventBus> {
  const health = new HealthRegistry();
  const bus = new EventBus(new RedisSettings(loadConfig({ STREAM_REDIS_URL: process.env.STREAM_REDIS_URL })), health, new MetricsService(newServiceIdentity('media-worker')));
  bus.onModuleInit();
  await expectEventually(async () => {
    if (!(await health.readiness()).ready) throw new Error('the event transport did not connect');
  });
  return bus;
}

function cpuNow(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { generator: processCpuSeconds(process.pid) };
  for (const [label, pid] of Object.entries(pids)) out[label] = processCpuSeconds(pid);
  return out;
}

/** Per-socket bookkeeping, in typed arrays: the receive path runs count × sockets times. */
class Deliveries {
  readonly lastSeq: Int32Array;
  delivered = 0;
  outOfOrder = 0;
  missedFrames = 0;
  lastAt = 0;
  /** Microseconds, publish call to receipt. */
  readonly latency = createHistogram();
  readonly seqOf = new Map<string, number>();
  readonly sentAt: Float64Array;

  constructor(sockets: number, count: number) {
    this.lastSeq = new Int32Array(sockets).fill(-1);
    this.sentAt = new Float64Array(count);
  }

  receive(socket: number, data: Buffer): void {
    const at = performance.now();
    const mark = data.indexOf(EVENT_ID_MARK);
    if (mark < 0) {
      if (data.includes('"type":"missed"')) this.missedFrames += 1;
      return;
    }
    const start = mark + EVENT_ID_MARK.length;
    const seq = this.seqOf.get(data.toString('latin1', start, start + UUID_LENGTH));
    if (seq === undefined) return;
    this.latency.record(Math.max(1, Math.round((at - this.sentAt[seq]) * 1000)));
    this.delivered += 1;
    this.lastAt = at;
    if (seq <= this.lastSeq[socket]) this.outOfOrder += 1;
    else this.lastSeq[socket] = seq;
  }
}

/** Opens the round's sockets into `sockets` (so the caller can close them even if one fails). */
async function openSockets(request: LiveRoundRequest, deliveries: Deliveries, sockets: WebSocket[]): Promise<void> {
  let next = 0;
  const openOne = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const headers = request.authorizations ? { Authorization: request.authorizations[index] } : undefined;
      const socket = new WebSocket(request.url, { headers, perMessageDeflate: false, skipUTF8Validation: true });
      sockets.push(socket);
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      socket.once('open', () => {
        if (!request.subscribe) return resolve();
        const awaitSubscribed = (data: Buffer) => {
          if (!data.includes('"type":"subscribed"')) return;
          socket.off('message', awaitSubscribed);
          resolve();
        };
        socket.on('message', awaitSubscribed);
        socket.send(JSON.stringify(request.subscribe));
      });
      socket.on('message', (data: Buffer) => deliveries.receive(index, data));
    });
  const worker = async () => {
    while (next < request.sockets) await openOne(next++);
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
}

/**
 * Publishes at the offered rate (a 1 ms timer; each event stamped just before its publish call) and
 * resolves with the seconds from the start to the last publish call.
 */
async function publish(events: EventBus, request: LiveRoundRequest, deliveries: Deliveries): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (sent < request.count) {
    // Event k is due at (k + 1) / rate s, so a round of `count` events lasts count / rate s of publishing.
    const due = request.rate === null ? request.count : Math.min(request.count, Math.floor(((performance.now() - started) / 1000) * request.rate));
    for (; sent < due; sent++) {
      const header = eventHeader();
      deliveries.seqOf.set(header.eventId, sent);
      deliveries.sentAt[sent] = performance.now();
      void events.publish(EventTopic.BroadcastSourceChanged, { ...header, broadcastId: `bench-${sent % 10}`, previousSource: VideoSourceType.PrimaryStream, currentSource: VideoSourceType.FallbackImage });
    }
    if (sent < request.count) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return (deliveries.sentAt[request.count - 1] - started) / 1000;
}

async function drained(request: LiveRoundRequest, deliveries: Deliveries): Promise<void> {
  const expected = request.count * request.sockets;
  let seen = -1;
  let progressAt = performance.now();
  while (deliveries.delivered < expected) {
    if (deliveries.delivered !== seen) {
      seen = deliveries.delivered;
      progressAt = performance.now();
    } else if (performance.now() - progressAt > request.stallMs) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function runRound(events: EventBus, request: LiveRoundRequest): Promise<LiveRoundResult> {
  const deliveries = new Deliveries(request.sockets, request.count);
  const connectStarted = performance.now();
  const sockets: WebSocket[] = [];
  try {
    await openSockets(request, deliveries, sockets);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const cpuBefore = cpuNow(request.watch);
    const started = performance.now();
    const publishSeconds = await publish(events, request, deliveries);
    await drained(request, deliveries);
    const cpuAfter = cpuNow(request.watch);
    // The window for CPU ends now; the rate's ends at the last receipt (the stall wait is not the server's time).
    const cpuSeconds = (performance.now() - started) / 1000;
    const seconds = (Math.max(deliveries.lastAt, started) - started) / 1000;
    const ms = (us: number) => us / 1000;
    return {
      count: request.count,
      sockets: request.sockets,
      seconds,
      publishSeconds,
      p50Ms: ms(deliveries.latency.percentile(50)),
      p99Ms: ms(deliveries.latency.percentile(99)),
      maxMs: ms(deliveries.latency.max),
      lost: Math.max(0, request.count * request.sockets - deliveries.delivered),
      outOfOrder: deliveries.outOfOrder,
      missedFrames: deliveries.missedFrames,
      cpu: Object.fromEntries(Object.keys(cpuAfter).map((label) => [label, (cpuAfter[label] - cpuBefore[label]) / cpuSeconds])),
      connectSeconds,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

// As a child process: one round per message, answered with its result (or its error's message).
if (require.main === module && process.send) {
  // Nest's console logger would print the transport's connection lines between the bench's own.
  Logger.overrideLogger(['warn', 'error']);
  void connectedEventBus().then((events) => {
    process.on('message', (message: LiveRoundRequest) => {
      runRound(events, message).then(
        (result) => process.send?.({ result }),
        (error: unknown) => process.send?.({ error: (error as Error).message }),
      );
    });
    process.once('SIGTERM', () => void events.onApplicationShutdown().finally(() => process.exit(0)));
    process.send?.({ ready: true });
  });
}
