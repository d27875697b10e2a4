import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

import type { PlatformSessionModel } from '@lib-stream/contracts';
import { DeferredCounts, MetricsService, ViewerTrackingSettings } from '@lib-stream/nest-kit';
import type { SentimentEntry } from '@lib-stream/privacy';

import {
  scoreCheer,
  scoreFollow,
  scoreMembership,
  scorePaidMessage,
  scoreRaid,
  scoreSubscription,
  scoreSuperChat,
} from '../sentiment/audience-event-scores';
import { SENTIMENT_PROCESSOR, type SentimentProcessor, type SentimentResult } from '../sentiment/sentiment-processor';
import type { AudienceEvent } from './audience-event';
import { type GuardedOutcome, type ReplayGuardKey, SentimentBuffer } from './sentiment-buffer';
import { ReturnerMemory } from './returner-ledger';
import { type SessionEndedEvent, SessionEvents } from '../sessions/session-events';
import { SessionStore } from '../sessions/session.store';
import { TrackedViewers } from './tracked-viewers';

const MAX_CACHED_LINKS = 50_000;

/**
 * The privacy boundary in code: an audience event comes in with text and ids, and what leaves is a
 * category, an intensity and (for tracked viewers) a session-scoped random id.
 */
@Injectable()
export class AudienceIngestService {
  private readonly tracking = new Map<string, TrackedViewers>();
  /** Link id → its active session id, as last confirmed by a buffer write (see ingestForLink). */
  private readonly activeByLink = new Map<string, string>();
  /** lib_stream_sentiment_entries_total, counted in plain numbers until a scrape (DeferredCounts). */
  private readonly entries: DeferredCounts<'outcome'>;

  constructor(
    private readonly viewerTracking: ViewerTrackingSettings,
    @Inject(SENTIMENT_PROCESSOR) private readonly processor: SentimentProcessor,
    private readonly buffer: SentimentBuffer,
    private readonly sessions: SessionStore,
    metrics: MetricsService,
    private readonly returners: ReturnerMemory,
  ) {
    this.entries = new DeferredCounts({
      name: 'lib_stream_sentiment_entries_total',
      help: 'Sentiment entries from audience events, by outcome (buffered, shed by burst protection, no_sentiment: a chat message below the confidence floor, not buffered)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  private count(outcome: string): void {
    this.entries.child(outcome, () => ({ outcome })).inc();
  }

  async ingest(session: PlatformSessionModel, event: AudienceEvent): Promise<void> {
    if (event.kind === 'viewers') {
      await this.updateViewers(session.platformSessionId, event.count);
      return;
    }
    const entry = this.entryFor(session.platformSessionId, event, session.linkId);
    if (entry === null) {
      await this.buffer.countNoSentiment(session.platformSessionId);
      this.count('no_sentiment');
      return;
    }
    const buffered = await this.buffer.push(session.platformSessionId, entry);
    this.count(buffered ? 'buffered' : 'shed');
  }

  /**
   * ingest, for the active session of a link (webhook deliveries): its id comes from a local cache,
   * and the write checks in Redis, in the same script, that the session is still the link's active
   * one; when it is not (it ended, or another replica started a new one) the cache entry is dropped and
   * the link's claim read again, once. Nothing is ingested when the link has no active session. A chat
   * message with no sentiment is only counted, under the same check.
   */
  async ingestForLink(linkId: string, event: Exclude<AudienceEvent, { kind: 'viewers' }>): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const platformSessionId = this.activeByLink.get(linkId) ?? (await this.sessions.activeIdForLink(linkId));
      if (!platformSessionId) return;
      const entry = this.entryFor(platformSessionId, event, linkId);
      const outcome =
        entry === null
          ? (await this.buffer.countNoSentimentIfActive(linkId, platformSessionId))
            ? 'no_sentiment'
            : 'inactive'
          : await this.buffer.pushIfActive(linkId, platformSessionId, entry);
      if (outcome !== 'inactive') {
        if (this.activeByLink.size >= MAX_CACHED_LINKS) this.activeByLink.clear();
        this.activeByLink.set(linkId, platformSessionId);
        this.count(outcome);
        return;
      }
      this.activeByLink.delete(linkId);
    }
  }

  /**
   * ingestForLink for a webhook delivery not yet known to be fresh, before it is answered, when this
   * replica knows the link's active session: replay guard, session check and write in one Redis script
   * (SentimentBuffer.writeIfFresh). 'duplicate': seen before, nothing ingested (the viewer's
   * observation is taken back); 'uncached': the session is not known here, nothing was done (use
   * the replay guard and ingestForLink); 'inactive': the guard is set, the entry was not written (the
   * session ended or changed: ingestForLink it). Outages throw, with the observation taken back.
   */
  async ingestIfFresh(guard: ReplayGuardKey, linkId: string, event: Exclude<AudienceEvent, { kind: 'viewers' }>): Promise<GuardedOutcome | 'uncached'> {
    const platformSessionId = this.activeByLink.get(linkId);
    if (!platformSessionId) return 'uncached';
    const entry = this.entryFor(platformSessionId, event, linkId);
    let outcome: GuardedOutcome;
    try {
      outcome = await this.buffer.writeIfFresh(guard, linkId, platformSessionId, entry);
    } catch (error) {
      this.tracking.get(platformSessionId)?.retract(event.viewerId, event.kind === 'chat');
      throw error;
    }
    if (outcome === 'duplicate') this.tracking.get(platformSessionId)?.retract(event.viewerId, event.kind === 'chat');
    else if (outcome === 'inactive') this.activeByLink.delete(linkId);
    else this.count(outcome);
    return outcome;
  }

  /**
   * The anonymous entry for an event: its score, and the viewer's session-scoped tracking id when tracked; null for
   * a chat message with no sentiment (the viewer's chatting still counts toward tracking).
   */
  private entryFor(platformSessionId: string, event: Exclude<AudienceEvent, { kind: 'viewers' }>, linkId: string): SentimentEntry | null {
    const result = this.score(event);
    const signals = event.kind === 'chat' || event.kind === 'cheer' ? event.signals : event.kind === 'raid' ? { isRaidLeader: true } : event.kind === 'subscription' || event.kind === 'membership' ? { isSubscriber: true } : {};
    const tracked = this.trackersFor(platformSessionId, linkId).observe(event.viewerId, signals, event.kind === 'chat');
    if (result === null) return null;
    return { category: result.category, intensity: result.intensity, trackingId: tracked?.trackingId ?? null, viewerType: tracked?.viewerType ?? null };
  }

  /** Destroys the session's tracking map on this instance when the session ends here. */
  @OnEvent(SessionEvents.ended, { suppressErrors: false })
  onSessionEnded({ platformSessionId }: SessionEndedEvent): Promise<void> {
    this.forget(platformSessionId);
    return Promise.resolve();
  }

  /** Destroys the session's tracking map on this instance. */
  forget(platformSessionId: string): void {
    this.tracking.get(platformSessionId)?.clear();
    this.tracking.delete(platformSessionId);
    for (const [linkId, id] of this.activeByLink) if (id === platformSessionId) this.activeByLink.delete(linkId);
  }

  /** The event's category and intensity; null for a chat message with no sentiment (below the confidence floor). */
  score(event: Exclude<AudienceEvent, { kind: 'viewers' }>): SentimentResult | null {
    switch (event.kind) {
      case 'chat':
        return this.processor.analyze(event.text, { emotes: event.emotes }).result;
      case 'subscription':
        return scoreSubscription({ tier: event.tier, isGift: event.isGift, cumulativeMonths: event.cumulativeMonths });
      case 'cheer':
        return scoreCheer(event.bits);
      case 'raid':
        return scoreRaid(event.viewers);
      case 'follow':
        return scoreFollow();
      case 'superchat': {
        const paid = scoreSuperChat(event.amountMicros, event.currency);
        return event.text ? scorePaidMessage(this.processor.analyze(event.text).result, paid) : paid;
      }
      case 'membership':
        return scoreMembership(event.months);
      case 'scored':
        return event.result;
    }
  }

  private trackersFor(platformSessionId: string, linkId: string): TrackedViewers {
    let trackers = this.tracking.get(platformSessionId);
    if (!trackers) {
      trackers = new TrackedViewers({
        maxTracked: this.viewerTracking.maxPerSession,
        engagementThreshold: this.viewerTracking.engagementThreshold,
        trackSubscribers: this.viewerTracking.trackSubscribers,
        trackModerators: this.viewerTracking.trackModerators,
        trackRaidLeaders: this.viewerTracking.trackRaidLeaders,
        seenBefore: this.returners.enabled ? (viewerId) => this.returners.seen(linkId, platformSessionId, viewerId) : undefined,
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
