import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';

import type { PlatformSessionModel } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, MetricsService } from '@lib-stream/nest-kit';

import {
  scoreCheer,
  scoreFollow,
  scoreMembership,
  scoreRaid,
  scoreSubscription,
  scoreSuperChat,
} from '../sentiment/audience-event-scores';
import { SENTIMENT_PROCESSOR, type SentimentProcessor, type SentimentResult } from '../sentiment/sentiment-processor';
import type { AudienceEvent } from './audience-event';
import { SentimentBuffer } from './sentiment-buffer';
import { SessionStore } from './session.store';
import { TrackedViewers } from './tracked-viewers';

/**
 * The privacy boundary in code: an audience event comes in with text and ids, and what leaves is a
 * category, an intensity and (for tracked viewers) a session-scoped random id.
 */
@Injectable()
export class AudienceIngestService {
  private readonly tracking = new Map<string, TrackedViewers>();
  private readonly entries: Counter<'outcome'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SENTIMENT_PROCESSOR) private readonly processor: SentimentProcessor,
    private readonly buffer: SentimentBuffer,
    private readonly sessions: SessionStore,
    metrics: MetricsService,
  ) {
    this.entries = new Counter({
      name: 'lib_stream_sentiment_entries_total',
      help: 'Sentiment entries from audience events, by outcome (buffered, shed by burst protection)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  async ingest(session: PlatformSessionModel, event: AudienceEvent): Promise<void> {
    if (event.kind === 'viewers') {
      await this.updateViewers(session.platformSessionId, event.count);
      return;
    }
    const result = this.score(event);
    const signals = event.kind === 'chat' || event.kind === 'cheer' ? event.signals : event.kind === 'raid' ? { isRaidLeader: true } : event.kind === 'subscription' || event.kind === 'membership' ? { isSubscriber: true } : {};
    const tracked = this.trackersFor(session.platformSessionId).observe(event.viewerId, signals, event.kind === 'chat');
    const buffered = await this.buffer.push(session.platformSessionId, {
      category: result.category,
      intensity: result.intensity,
      trackingId: tracked?.trackingId ?? null,
      viewerType: tracked?.viewerType ?? null,
    });
    this.entries.labels(buffered ? 'buffered' : 'shed').inc();
  }

  /** Destroys the session's tracking map on this instance. */
  forget(platformSessionId: string): void {
    this.tracking.get(platformSessionId)?.clear();
    this.tracking.delete(platformSessionId);
  }

  score(event: Exclude<AudienceEvent, { kind: 'viewers' }>): SentimentResult {
    switch (event.kind) {
      case 'chat':
        return this.processor.analyzeText(event.text);
      case 'subscription':
        return scoreSubscription({ tier: event.tier, isGift: event.isGift, cumulativeMonths: event.cumulativeMonths });
      case 'cheer':
        return scoreCheer(event.bits);
      case 'raid':
        return scoreRaid(event.viewers);
      case 'follow':
        return scoreFollow();
      case 'superchat':
        return scoreSuperChat(event.amountMicros, event.currency);
      case 'membership':
        return scoreMembership(event.months);
    }
  }

  private trackersFor(platformSessionId: string): TrackedViewers {
    let trackers = this.tracking.get(platformSessionId);
    if (!trackers) {
      trackers = new TrackedViewers({
        maxTracked: this.config.STREAM_MAX_TRACKED_VIEWERS_PER_SESSION,
        engagementThreshold: this.config.STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD,
        trackSubscribers: this.config.STREAM_TRACK_SUBSCRIBERS,
        trackModerators: this.config.STREAM_TRACK_MODERATORS,
        trackRaidLeaders: this.config.STREAM_TRACK_RAID_LEADERS,
      });
      this.tracking.set(platformSessionId, trackers);
    }
    return trackers;
  }

  private async updateViewers(platformSessionId: string, count: number): Promise<void> {
    const session = await this.sessions.get(platformSessionId);
    if (!session || session.state !== 'active') return;
    await this.sessions.saveViewers({ ...session, viewerCount: count, peakViewerCount: Math.max(session.peakViewerCount, count) });
  }
}
