import { StreamPlatform } from '@lib-stream/contracts';

import { chunk, mapLimited } from './batching';
import type { PlatformBackoff } from './platform-backoff';
import { RateBudget } from './rate-budget';
import { TWITCH_IDS_PER_CALL, type TwitchStreamsAnswer } from './twitch-streams.client';
import { PlatformPausedError } from './viewer-count.errors';
import { YOUTUBE_IDS_PER_CALL, type VideoViewers } from './youtube-videos.client';

/** One session to refresh: its platform and the id the platform counts by (Twitch user id, YouTube video id). */
export interface RefreshTarget {
  platformSessionId: string;
  platform: StreamPlatform.Twitch | StreamPlatform.YouTube;
  /** Twitch: the broadcaster's user id (decrypted, never logged); YouTube: the video id. */
  platformId: string;
  linkId: string;
}

export interface ViewerUpdate {
  platformSessionId: string;
  viewerCount: number;
}

export type CallOutcome = 'ok' | 'rate_limited' | 'quota_exceeded' | 'failed';
/** refreshed: count written; not_live: the platform no longer lists it live; hidden: live without a count; skipped: paused or failed. */
export type SessionOutcome = 'refreshed' | 'not_live' | 'hidden' | 'skipped';

export interface RefreshReport {
  calls: Record<'twitch' | 'youtube', number>;
  sessions: Record<SessionOutcome, number>;
  /** Short reasons of failed or skipped batches (status and platform reason; no ids). */
  failures: string[];
}

export interface RefreshDeps {
  twitch: { viewerCounts(userIds: readonly string[]): Promise<TwitchStreamsAnswer> } | null;
  /** videos.list for these ids; `viaLinkIds` are the batch's creators, whose tokens may be used when there is no API key. */
  youtube: ((videoIds: readonly string[], viaLinkIds: readonly string[]) => Promise<Map<string, VideoViewers>>) | null;
  backoff: PlatformBackoff;
  apply(updates: ViewerUpdate[]): Promise<void>;
  /** Calls in flight per platform. */
  concurrency: number;
  /** Longest pause waited out within one refresh (default 60 s, Twitch's bucket window); a longer one skips the batch. */
  maxWaitMs?: number;
  onCall?(platform: 'twitch' | 'youtube', outcome: CallOutcome): void;
  onSessions?(platform: 'twitch' | 'youtube', outcome: SessionOutcome, count: number): void;
  sleep?(ms: number): Promise<void>;
}

const ATTEMPTS_PER_BATCH = 3;

/** Per session of a batch: its count, or why there is none. */
type BatchResult = number | 'not_live' | 'hidden';
type RateHeaders = { limit: number | null; remaining: number | null; resetAtMs: number | null };
type BatchCall = (batch: RefreshTarget[]) => Promise<{ results: BatchResult[]; rate: RateHeaders | null }>;

/**
 * Refreshes viewer counts for a set of sessions with as few calls as the platforms allow: Twitch Get
 * Streams with 100 user ids a call, YouTube videos.list with 50 video ids a call. Before each call it
 * waits out a shared pause (Ratelimit-Remaining hit 0, a 429, a Google 403 rate/quota answer) if the
 * pause ends before `deadlineMs` and within `maxWaitMs`, and otherwise skips the batch until the next
 * interval (a quota pause until midnight Pacific is never slept through). The first
 * batch goes alone so that Twitch's answer tells how many points are left before the others go.
 */
export class ViewerCountRefresh {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;
  /** Twitch's bucket as this replica last saw it; YouTube answers carry no such headers. */
  private readonly twitchBudget = new RateBudget();

  constructor(private readonly deps: RefreshDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxWaitMs = deps.maxWaitMs ?? 60_000;
  }

  async refresh(targets: readonly RefreshTarget[], deadlineMs: number): Promise<RefreshReport> {
    const report: RefreshReport = { calls: { twitch: 0, youtube: 0 }, sessions: { refreshed: 0, not_live: 0, hidden: 0, skipped: 0 }, failures: [] };
    const { twitch: twitchClient, youtube: videosList } = this.deps;
    const twitch = targets.filter((t) => t.platform === StreamPlatform.Twitch);
    const youtube = targets.filter((t) => t.platform === StreamPlatform.YouTube);
    await Promise.all([
      this.platform('twitch', twitch, TWITCH_IDS_PER_CALL, deadlineMs, report, twitchClient && (async (batch) => {
        const answer = await twitchClient.viewerCounts(batch.map((t) => t.platformId));
        // Ratelimit-Remaining 0: the next call would be a 429, so every replica waits for the reset.
        if (answer.remaining === 0 && answer.resetAtMs) await this.deps.backoff.pause('twitch', answer.resetAtMs);
        const results = batch.map((t): BatchResult => {
          const count = answer.counts.get(t.platformId);
          return count === undefined ? 'not_live' : count;
        });
        return { results, rate: answer };
      })),
      this.platform('youtube', youtube, YOUTUBE_IDS_PER_CALL, deadlineMs, report, videosList && (async (batch) => {
        const videos = await videosList(
          batch.map((t) => t.platformId),
          batch.map((t) => t.linkId),
        );
        const results = batch.map((t): BatchResult => {
          const video = videos.get(t.platformId);
          if (!video || video.ended) return 'not_live';
          return video.viewers === null ? 'hidden' : video.viewers;
        });
        return { results, rate: null };
      })),
    ]);
    return report;
  }

  private async platform(
    platform: 'twitch' | 'youtube',
    targets: RefreshTarget[],
    perCall: number,
    deadlineMs: number,
    report: RefreshReport,
    call: BatchCall | null,
  ): Promise<void> {
    if (targets.length === 0) return;
    if (!call) {
      this.count(report, platform, 'skipped', targets.length);
      return;
    }
    const one = async (batch: RefreshTarget[]) => {
      const results = await this.attempt(platform, batch, deadlineMs, report, call);
      if (!results) {
        this.count(report, platform, 'skipped', batch.length);
        return;
      }
      const updates: ViewerUpdate[] = [];
      let notLive = 0;
      let hidden = 0;
      results.forEach((result, index) => {
        if (result === 'not_live') notLive += 1;
        else if (result === 'hidden') hidden += 1;
        else updates.push({ platformSessionId: batch[index].platformSessionId, viewerCount: result });
      });
      await this.deps.apply(updates);
      this.count(report, platform, 'refreshed', updates.length);
      this.count(report, platform, 'not_live', notLive);
      this.count(report, platform, 'hidden', hidden);
    };
    const [first, ...rest] = chunk(targets, perCall);
    await one(first);
    await mapLimited(rest, this.deps.concurrency, one);
  }

  /** The batch's results, or null when it was skipped (paused past the deadline, or failed). */
  private async attempt(
    platform: 'twitch' | 'youtube',
    batch: RefreshTarget[],
    deadlineMs: number,
    report: RefreshReport,
    call: BatchCall,
  ): Promise<BatchResult[] | null> {
    for (let attempt = 0; attempt < ATTEMPTS_PER_BATCH; attempt++) {
      const pausedUntil = await this.deps.backoff.until(platform);
      const now = Date.now();
      if (pausedUntil > now) {
        if (pausedUntil >= deadlineMs || pausedUntil - now > this.maxWaitMs) {
          report.failures.push(`${platform}: paused past this interval`);
          return null;
        }
        await this.sleep(pausedUntil - now);
      }
      const budget = platform === 'twitch' ? this.twitchBudget : null;
      if (budget && !(await this.reservePoint(budget, deadlineMs))) {
        report.failures.push(`${platform}: no rate-limit points left in this interval`);
        return null;
      }
      report.calls[platform] += 1;
      let rate: RateHeaders | null = null;
      try {
        const answer = await call(batch);
        rate = answer.rate;
        this.deps.onCall?.(platform, 'ok');
        return answer.results;
      } catch (error) {
        if (error instanceof PlatformPausedError) {
          this.deps.onCall?.(platform, error.reason);
          await this.deps.backoff.pause(platform, error.untilMs);
          report.failures.push(error.message);
          continue;
        }
        this.deps.onCall?.(platform, 'failed');
        report.failures.push(`${platform}: ${(error as Error).message}`);
        return null;
      } finally {
        budget?.settle(rate);
      }
    }
    return null;
  }

  /** Waits for a point of the bucket; false when none frees up before the deadline. */
  private async reservePoint(budget: RateBudget, deadlineMs: number): Promise<boolean> {
    for (;;) {
      const waitMs = budget.reserve();
      if (waitMs === 0) return true;
      if (Date.now() + waitMs >= deadlineMs || waitMs > this.maxWaitMs) return false;
      await this.sleep(waitMs);
    }
  }

  private count(report: RefreshReport, platform: 'twitch' | 'youtube', outcome: SessionOutcome, n: number): void {
    if (n === 0) return;
    report.sessions[outcome] += n;
    this.deps.onSessions?.(platform, outcome, n);
  }
}
