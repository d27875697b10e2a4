/**
 * What the suite sees of the stack while faults happen:
 * - events, from a plain Redis subscriber on the topics of libs/contracts (it reconnects on its own);
 * - readiness of every app, polled every 200 ms;
 * - the drop counters on /metrics (control-api: entries shed by burst protection; pulse-publisher:
 *   overflow and expired), scraped every second and kept per process, so a killed process's last
 *   figures still count. Sheds are also read from the sessions' own counters in Redis, which outlive
 *   a control-api restart: a process stopping stops answering /metrics up to a second of sheds early.
 */
import Redis from 'ioredis';

import { EventTopic, SessionKeys } from '@lib-stream/contracts';

import type { Stack } from './harness';
import { type HttpTally, metricSum, sleep } from './util';

export interface SeenEvent {
  channel: string;
  at: number;
  data: Record<string, unknown>;
}

export interface ReadinessSample {
  app: string;
  at: number;
  status: number;
}

export interface DropCounters {
  shed: number;
  overflow: number;
  expired: number;
  /** Not a drop: what the pulse-publishers say they published (lib_stream_pulse_entries_published_total), to compare with what a subscriber received. */
  publishedByMetrics: number;
}

const CHANNELS = [
  EventTopic.PlatformSessionStarted,
  EventTopic.PlatformSessionEnded,
  EventTopic.AudiencePulse,
  EventTopic.BroadcastStarted,
  EventTopic.BroadcastStopped,
  EventTopic.BroadcastSourceChanged,
  'camera.stream.started',
  'camera.stream.ended',
];

export class Observer {
  readonly events: SeenEvent[] = [];
  readonly readiness: ReadinessSample[] = [];
  /** Sessions whose pulses count as "published" (the load's session(s)). */
  readonly countedSessions = new Set<string>();
  publishedEntries = 0;
  lastPulseAt = 0;
  private readonly drops = new Map<number, DropCounters>();
  /** Times the suite's own subscriber was disconnected (pulses published then are missed by it, as by any subscriber). */
  readonly subscriberGaps: { from: number; to: number | null }[] = [];
  private subscriber: Redis | null = null;
  private reader: Redis | null = null;
  /** Highest total of `shed` seen in the counted sessions' stats hashes. */
  private redisShed = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly stack: Stack,
    private readonly tally: HttpTally,
  ) {}

  async start(): Promise<void> {
    this.subscriber = new Redis(this.stack.redis.clientOptions());
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('close', () => {
      const last = this.subscriberGaps[this.subscriberGaps.length - 1];
      if (this.running && (!last || last.to !== null)) this.subscriberGaps.push({ from: Date.now(), to: null });
    });
    this.subscriber.on('ready', () => {
      const last = this.subscriberGaps[this.subscriberGaps.length - 1];
      if (last && last.to === null) last.to = Date.now();
    });
    await this.subscriber.subscribe(...CHANNELS);
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    this.reader = new Redis(this.stack.redis.clientOptions());
    this.reader.on('error', () => undefined);
    this.running = true;
    this.loops = [this.readinessLoop(), this.metricsLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.subscriber?.disconnect();
    this.reader?.disconnect();
  }

  private onMessage(channel: string, message: string): void {
    const at = Date.now();
    let data: Record<string, unknown> = {};
    try {
      const packet = JSON.parse(message) as { data?: Record<string, unknown> };
      data = packet.data ?? {};
    } catch {
      return;
    }
    this.events.push({ channel, at, data });
    if (channel === EventTopic.AudiencePulse && this.countedSessions.has(String(data.platformSessionId))) {
      this.publishedEntries += Array.isArray(data.sentiments) ? data.sentiments.length : 0;
      this.lastPulseAt = at;
    }
  }

  /** The first event on `channel` at or after `after` that matches. */
  eventAfter(channel: string, after: number, match: (data: Record<string, unknown>) => boolean = () => true): SeenEvent | null {
    return this.events.find((e) => e.channel === channel && e.at >= after && match(e.data)) ?? null;
  }

  firstPulseAfter(after: number): number | null {
    return this.eventAfter(EventTopic.AudiencePulse, after, (d) => this.countedSessions.has(String(d.platformSessionId)) && Array.isArray(d.sentiments) && d.sentiments.length > 0)?.at ?? null;
  }

  private async readinessLoop(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await Promise.all(
        [...this.stack.apps.values()].map(async (handle) => {
          let status = 0;
          try {
            const response = await fetch(`${handle.baseUrl}/health/ready`, { signal: AbortSignal.timeout(3000) });
            status = response.status;
            await response.arrayBuffer();
          } catch {
            status = 0;
          }
          this.tally.record('readiness', status);
          this.readiness.push({ app: handle.name, at: Date.now(), status });
        }),
      );
      await sleep(Math.max(0, 200 - (Date.now() - started)));
    }
  }

  /** When each app first answered readiness with 503 (or stopped answering) at or after `from`, until `to`. */
  notReadySince(app: string, from: number, to = Infinity): number | null {
    return this.readiness.find((s) => s.app === app && s.at >= from && s.at <= to && s.status !== 200)?.at ?? null;
  }

  readiness503s(app: string, from: number, to: number): number {
    return this.readiness.filter((s) => s.app === app && s.at >= from && s.at <= to && s.status === 503).length;
  }

  private async metricsLoop(): Promise<void> {
    while (this.running) {
      await this.scrapeDrops();
      for (let i = 0; i < 10 && this.running; i++) await sleep(100);
    }
  }

  /** Reads the drop counters of every running control-api and pulse-publisher now. */
  async scrapeDrops(): Promise<void> {
    await this.readRedisShed();
    await Promise.all(
      [...this.stack.apps.values()]
        .filter((h) => h.role !== 'media-worker' && h.app.child.pid)
        .map(async (handle) => {
          try {
            const text = await (await fetch(`${handle.baseUrl}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
            const pid = handle.app.child.pid as number;
            const current = this.drops.get(pid) ?? { shed: 0, overflow: 0, expired: 0, publishedByMetrics: 0 };
            // Counters only grow; a failed or partial scrape never lowers what was seen.
            this.drops.set(pid, {
              shed: Math.max(current.shed, metricSum(text, 'lib_stream_sentiment_entries_total', { outcome: 'shed' })),
              overflow: Math.max(current.overflow, metricSum(text, 'lib_stream_pulse_entries_dropped_total', { reason: 'overflow' })),
              expired: Math.max(current.expired, metricSum(text, 'lib_stream_pulse_entries_dropped_total', { reason: 'expired' })),
              publishedByMetrics: Math.max(current.publishedByMetrics, metricSum(text, 'lib_stream_pulse_entries_published_total')),
            });
          } catch {
            // down or restarting: its last figures stand
          }
        }),
    );
  }

  dropTotals(): DropCounters {
    const total = { shed: 0, overflow: 0, expired: 0, publishedByMetrics: 0 };
    for (const d of this.drops.values()) {
      total.shed += d.shed;
      total.overflow += d.overflow;
      total.expired += d.expired;
      total.publishedByMetrics += d.publishedByMetrics;
    }
    // Both count the same sheds (only the load's sessions get chat); the larger saw more of them.
    total.shed = Math.max(total.shed, this.redisShed);
    return total;
  }

  private async readRedisShed(): Promise<void> {
    const reader = this.reader;
    if (!reader || this.countedSessions.size === 0) return;
    try {
      const values = await Promise.all([...this.countedSessions].map((id) => reader.hget(SessionKeys.stats(id), 'shed')));
      this.redisShed = Math.max(this.redisShed, values.reduce((sum, value) => sum + Number(value ?? 0), 0));
    } catch {
      // Redis away: the last figure stands
    }
  }
}
