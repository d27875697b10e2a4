import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';

import { EventTopic, type PlatformSessionModel, SessionKeys, StreamPlatform, shardOf } from '@lib-stream/contracts';
import { CipherProvider, EventBus, MetricsService, PlatformApiSettings, REDIS, SERVICE_IDENTITY, type ServiceIdentity, ServiceSettings, TwitchSettings, YouTubeSettings, eventHeader } from '@lib-stream/nest-kit';

import { PlatformLinkEntity } from '../../platform-links/platform-link.entity';
import { TokenRefreshService } from '../../platform-links/token-refresh.service';
import { YouTubeQuota, nextPacificMidnight } from '../../youtube/youtube-quota';
import { SessionStore } from '../session.store';
import { withFirstWorkingLink } from './creator-token-fallback';
import { PlatformBackoff, backoffScope } from './platform-backoff';
import { TwitchStreamsClient } from './twitch-streams.client';
import { TwitchUserIds } from './twitch-user-ids';
import { type RefreshReport, type RefreshTarget, ViewerCountRefresh, type ViewerUpdate } from './viewer-count-refresh';
import { YouTubeVideosClient } from './youtube-videos.client';
import { LinkErrors } from '../../platform-links/platform-link.errors';

/**
 * Each interval the active sessions are split into ceil(active / 2,000) shards by a hash of the
 * session id, and a replica refreshes the shards whose lease it wins. A lease per (interval, shard)
 * rather than per session: 10,000 per-session leases would cost 10,000 Redis writes an interval and
 * break the 100-id batches apart. Rather than one lease for everything: with many sessions several
 * replicas share the calls. The shard count is agreed per interval (the first replica's figure,
 * SET NX), so every replica puts a session in the same shard and none is refreshed twice. 250
 * sessions are 1 shard (3 Get Streams calls); 10,000 are 5 shards of ~2,000 (about 100-105 calls).
 */
export const SESSIONS_PER_SHARD = 2_000;


/** Calls in flight per platform per replica. */
const CONCURRENCY = 4;
/** Twitch ids of links not asked for in this long are dropped from memory. */
const ID_CACHE_IDLE_MS = 10 * 60_000;

/**
 * Keeps `viewerCount`/`peakViewerCount` of every active Twitch and YouTube session current: every
 * STREAM_VIEWER_COUNT_REFRESH_SECONDS (aligned to the wall clock, so replicas agree on interval
 * numbers) in batches (ViewerCountRefresh), and at once for each session this replica opens. Pulses
 * and `stream.platform.session.ended` read the session record this writes. A session whose stream is
 * no longer listed is left for stream.offline / the creator to end; it is counted as not_live.
 */
@Injectable()
export class ViewerCountRefresher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ViewerCounts');
  private readonly refresh: ViewerCountRefresh;
  private readonly twitchIds: TwitchUserIds;
  private readonly calls: Counter<'platform' | 'outcome'>;
  private readonly sessions: Counter<'platform' | 'outcome'>;
  private readonly duration: Histogram;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** A link whose token last read videos.list (no API key): tried first. */
  private workingYouTubeLink: string | null = null;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly service: ServiceSettings,
    twitchSettings: TwitchSettings,
    youtubeSettings: YouTubeSettings,
    private readonly api: PlatformApiSettings,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly store: SessionStore,
    private readonly events: EventBus,
    dataSource: DataSource,
    cipher: CipherProvider,
    tokens: TokenRefreshService,
    quota: YouTubeQuota,
    metrics: MetricsService,
  ) {
    const registers = [metrics.registry];
    this.calls = new Counter({ name: 'lib_stream_viewer_count_calls_total', help: 'Viewer-count calls to the platforms (Get Streams, videos.list) by outcome: ok, rate_limited, quota_exceeded, failed', labelNames: ['platform', 'outcome'], registers });
    this.sessions = new Counter({ name: 'lib_stream_viewer_count_sessions_total', help: 'Sessions per refresh by outcome: refreshed, not_live (no longer listed live), hidden (live without a count), skipped (paused or failed)', labelNames: ['platform', 'outcome'], registers });
    this.duration = new Histogram({ name: 'lib_stream_viewer_count_refresh_seconds', help: 'Time one replica spent refreshing its shards in one interval', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers });
    this.twitchIds = new TwitchUserIds(dataSource.getRepository(PlatformLinkEntity), () => cipher.require(LinkErrors.cipherUnavailable));
    const timeoutMs = api.httpTimeoutMs;
    const twitch =
      twitchSettings.clientId && twitchSettings.clientSecret
        ? new TwitchStreamsClient({ apiBaseUrl: twitchSettings.apiBaseUrl, authBaseUrl: twitchSettings.authBaseUrl, clientId: twitchSettings.clientId, clientSecret: twitchSettings.clientSecret, timeoutMs })
        : null;
    const videos = new YouTubeVideosClient({
      apiBaseUrl: youtubeSettings.apiBaseUrl,
      apiKey: youtubeSettings.apiKey,
      timeoutMs,
      spend: (units) => quota.spend(units),
      quotaResetsAt: nextPacificMidnight,
      rateLimitPauseMs: this.intervalMs,
    });
    this.refresh = new ViewerCountRefresh({
      twitch,
      youtube: (ids, viaLinkIds) => (videos.usesApiKey ? videos.viewerCounts(ids) : this.withSomeCreatorToken(tokens, viaLinkIds, (token) => videos.viewerCounts(ids, token))),
      backoff: new PlatformBackoff(redis, { twitch: backoffScope(twitchSettings.clientId), youtube: backoffScope(youtubeSettings.clientId) }),
      apply: (updates) => this.applyCounts(updates),
      concurrency: CONCURRENCY,
      onCall: (platform, outcome) => this.calls.labels(platform, outcome).inc(),
      onSessions: (platform, outcome, n) => this.sessions.labels(platform, outcome).inc(n),
      sleep: (ms) => this.sleepUnlessStopped(ms),
    });
  }

  /**
   * Writes refreshed counts (SessionStore.applyViewerCounts) and publishes
   * `stream.platform.session.viewers` for each session whose count changed — not for the others, so
   * an interval with steady audiences publishes nothing. Events go out in one burst per batch
   * (at most 100 ids), fire and forget: EventBus holds them through a Redis outage.
   */
  async applyCounts(updates: readonly ViewerUpdate[]): Promise<void> {
    for (const session of await this.store.applyViewerCounts(updates)) {
      const { platformSessionId, accountId, platform, viewerCount, peakViewerCount } = session;
      this.events
        .publish(EventTopic.PlatformSessionViewers, { ...eventHeader(), platformSessionId, accountId, platform, viewerCount, peakViewerCount })
        .catch((error: Error) => this.logger.warn({ msg: 'viewer count event not published', reason: error.message }));
    }
  }

  /** Without an API key, any creator's token reads public videos: the last one that worked first (withFirstWorkingLink). */
  private async withSomeCreatorToken<T>(tokens: TokenRefreshService, linkIds: readonly string[], call: (token: string) => Promise<T>): Promise<T> {
    const { result, linkId } = await withFirstWorkingLink(this.workingYouTubeLink, linkIds, (id, run) => tokens.withAccessToken(id, run), call);
    this.workingYouTubeLink = linkId;
    return result;
  }

  private get intervalMs(): number {
    return this.api.viewerCountRefreshMs;
  }

  onApplicationBootstrap(): void {
    if (!this.service.enabled) return;
    // stream.online and live checks open sessions without a current count: fetch it now.
    this.store.onActiveCreated((session) => {
      void this.refreshNow(session).catch((error: Error) => this.logger.warn({ msg: 'viewer count of a new session could not be fetched', platform: session.platform, reason: error.message }));
    });
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const wake of this.sleepers) wake();
    await this.running.catch(() => undefined);
  }

  /** Waits out a rate-limit pause; a shutdown ends the wait and the refresh (its batches are skipped). */
  private sleepUnlessStopped(ms: number): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('shutting down'));
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        if (this.stopped) reject(new Error('shutting down'));
        else resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** One session, now, outside the interval leases (a second refresh of a session is harmless, only a call). */
  async refreshNow(session: PlatformSessionModel): Promise<RefreshReport> {
    return this.refresh.refresh(await this.targets([session]), Date.now() + this.intervalMs);
  }

  /**
   * The shards of interval `interval` (epoch ms / interval length) this replica wins, refreshed.
   * Returns null when it won none.
   */
  async refreshInterval(interval: number): Promise<RefreshReport | null> {
    const started = Date.now();
    const ids = await this.store.activeIds();
    if (ids.length === 0) return null;
    const proposed = Math.ceil(ids.length / SESSIONS_PER_SHARD);
    await this.redis.set(SessionKeys.viewerRefreshShards(interval), String(proposed), 'PX', this.intervalMs * 2, 'NX');
    const shards = Number(await this.redis.get(SessionKeys.viewerRefreshShards(interval))) || proposed;
    const byShard = new Map<number, string[]>();
    for (const id of ids) {
      const shard = shardOf(id, shards);
      const list = byShard.get(shard);
      if (list) list.push(id);
      else byShard.set(shard, [id]);
    }
    const won: string[] = [];
    for (const [shard, shardIds] of byShard) {
      const lease = await this.redis.set(SessionKeys.viewerRefreshLease(interval, shard), this.identity.instanceId, 'PX', this.intervalMs * 2, 'NX');
      if (lease === 'OK') won.push(...shardIds);
    }
    if (won.length === 0) return null;
    const targets = await this.targets(await this.store.getActive(won));
    const report = await this.refresh.refresh(targets, (interval + 1) * this.intervalMs);
    this.twitchIds.forgetUnusedSince(Date.now() - ID_CACHE_IDLE_MS);
    this.duration.observe((Date.now() - started) / 1000);
    if (report.failures.length > 0) {
      // Reasons are statuses and platform error reasons only: no ids, no tokens.
      this.logger.warn({ msg: 'some viewer counts were not refreshed', calls: report.calls, sessions: report.sessions, reasons: [...new Set(report.failures)].slice(0, 5) });
    } else {
      this.logger.debug({ msg: 'viewer counts refreshed', calls: report.calls, sessions: report.sessions, ms: Date.now() - started });
    }
    return report;
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    const next = (Math.floor(now / this.intervalMs) + 1) * this.intervalMs;
    this.timer = setTimeout(() => {
      const interval = Math.floor(Date.now() / this.intervalMs);
      this.running = this.refreshInterval(interval)
        .catch((error: Error) => this.logger.warn({ msg: 'viewer count refresh failed', reason: error.message }))
        .finally(() => this.schedule());
    }, next - now);
    this.timer.unref();
  }

  /** What each session is counted by; custom sessions and those without an id are left out. */
  private async targets(sessions: readonly PlatformSessionModel[]): Promise<RefreshTarget[]> {
    const twitch = sessions.filter((s) => s.platform === StreamPlatform.Twitch);
    const userIds = twitch.length ? await this.twitchIds.resolve(twitch.map((s) => s.linkId)) : new Map<string, string>();
    const out: RefreshTarget[] = [];
    for (const session of sessions) {
      if (session.platform === StreamPlatform.Twitch) {
        const userId = userIds.get(session.linkId);
        if (userId) out.push({ platformSessionId: session.platformSessionId, platform: StreamPlatform.Twitch, platformId: userId, linkId: session.linkId });
      } else if (session.platform === StreamPlatform.YouTube && session.platformStreamId) {
        out.push({ platformSessionId: session.platformSessionId, platform: StreamPlatform.YouTube, platformId: session.platformStreamId, linkId: session.linkId });
      }
    }
    return out;
  }
}
