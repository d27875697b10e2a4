import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { EventTopic, type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, REDIS } from '@lib-stream/nest-kit';

import { BufferDrain } from './buffer-drain';
import { leaderLeaseMs } from './pulse-leader';
import { PulseMetrics } from './pulse-metrics';
import { buildPulse } from './pulse.builder';

const CHUNK = 500;

export interface TickReport {
  sessions: number;
  processed: number;
  pulses: number;
  entriesPublished: number;
  overflow: number;
  expired: number;
  /** True when the time budget ran out; the next tick resumes where this one stopped. */
  cutShort: boolean;
}

/**
 * One publishing tick: drains every active session's buffer and publishes a pulse for each that has
 * at least the minimum batch. Sessions are visited from a rotating start, so when a tick runs out of
 * time the ones it did not reach go first next time and none starves.
 */
@Injectable()
export class PulseTicker {
  private readonly logger = new Logger('PulseTicker');
  private cursor = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly drain: BufferDrain,
    private readonly metrics: PulseMetrics,
  ) {}

  async tick(now = new Date(), budgetMs = this.config.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS * 800): Promise<TickReport> {
    const started = Date.now();
    const ids = (await this.redis.smembers(SessionKeys.active())).sort();
    const report: TickReport = { sessions: ids.length, processed: 0, pulses: 0, entriesPublished: 0, overflow: 0, expired: 0, cutShort: false };
    if (ids.length === 0) return report;
    const start = this.cursor % ids.length;
    const order = [...ids.slice(start), ...ids.slice(0, start)];
    const intervalSeconds = this.config.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS;
    const maxAgeMs = intervalSeconds * 2000 + leaderLeaseMs(this.config); // two intervals, plus a lease during a failover
    const fetchChunk = (from: number) => {
      const chunk = order.slice(from, from + CHUNK);
      return Promise.all([
        Promise.resolve(chunk),
        this.drain.drain(chunk, this.config.STREAM_SENTIMENT_MIN_BATCH_SIZE, maxAgeMs, now.getTime()),
        this.redis.mget(chunk.map((id) => SessionKeys.session(id))),
      ]);
    };
    // Redis drains the next chunk while this process builds and publishes the current one.
    let pending: ReturnType<typeof fetchChunk> | null = fetchChunk(0);
    for (let i = 0; pending; i += CHUNK) {
      const [chunk, drained, sessions] = await pending;
      const more = i + CHUNK < order.length && Date.now() - started <= budgetMs;
      pending = more ? fetchChunk(i + CHUNK) : null;
      if (!more && i + CHUNK < order.length) report.cutShort = true;
      // One pipeline per chunk: each pulse is PUBLISHed as the Nest Redis transport packet
      // `{"pattern": topic, "data": pulse}` (what EventBus.publish sends) and kept as the latest.
      const out = this.redis.pipeline();
      drained.forEach((result, index) => {
        report.expired += result.expired;
        if (result.entries.length === 0) return;
        const session = sessions[index] ? (JSON.parse(sessions[index] as string) as PlatformSessionModel) : null;
        const { pulse, overflow } = buildPulse({
          platformSessionId: result.platformSessionId,
          streamSessionId: session?.inGameSessionId ?? null,
          approximateViewerCount: session?.viewerCount ?? 0,
          intervalSeconds,
          entries: result.entries,
          maxBatchSize: this.config.STREAM_SENTIMENT_MAX_BATCH_SIZE,
          now,
        });
        report.pulses += 1;
        report.entriesPublished += pulse.sentiments.length;
        report.overflow += overflow;
        const data = JSON.stringify(pulse);
        out.publish(EventTopic.AudiencePulse, `{"pattern":${JSON.stringify(EventTopic.AudiencePulse)},"data":${data}}`);
        out.set(SessionKeys.latestPulse(result.platformSessionId), data, 'EX', Math.max(60, intervalSeconds * 4));
      });
      // Fire-and-forget by design (seed quirk 6): a pulse nobody hears is not retried.
      const results = (await out.exec()) ?? [];
      const failed = results.filter(([error]) => error).length;
      if (failed > 0) this.logger.warn({ msg: 'some pulse publishes failed', failed });
      report.processed += chunk.length;
    }
    this.cursor = start + report.processed;
    this.metrics.pulses.inc(report.pulses);
    this.metrics.entriesPublished.inc(report.entriesPublished);
    this.metrics.entriesDropped.labels('overflow').inc(report.overflow);
    this.metrics.entriesDropped.labels('expired').inc(report.expired);
    this.metrics.tickDuration.observe((Date.now() - started) / 1000);
    return report;
  }
}
