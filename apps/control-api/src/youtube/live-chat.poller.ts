import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';

import { LockKeys, type PlatformSessionModel, StreamPlatform } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, type Lock, RedisLocks } from '@lib-stream/nest-kit';

import { PlatformUnavailableError } from '../platform-links/oauth/oauth.types';
import { platformFetch } from '../platform-links/oauth/platform-http';
import { TokenRefreshService } from '../platform-links/token-refresh.service';
import { AudienceIngestService } from '../sessions/audience-ingest.service';
import { SessionsService } from '../sessions/sessions.service';
import { type LiveChatMessage, mapLiveChatMessage } from './youtube-chat-mapper';
import { YouTubeQuota } from './youtube-quota';

const LIST_COST_UNITS = 5;
const LOCK_TTL_MS = 15_000;
const MIN_INTERVAL_MS = 100;
const ERROR_BACKOFF_MS = 30_000;

interface ChatPage {
  items?: LiveChatMessage[];
  nextPageToken?: string;
  pollingIntervalMillis?: number;
  offlineAt?: string;
}

/**
 * YouTube does not push chat, so each active YouTube session's live chat is polled with
 * `liveChatMessages.list`, honouring `pollingIntervalMillis` and `nextPageToken`, until `offlineAt`.
 * One replica polls a given session (lock `stream:lock:yt-chat:{id}`, renewed while polling); a
 * replica that dies lets another pick it up when the lock expires.
 */
@Injectable()
export class LiveChatPoller implements OnApplicationShutdown {
  private readonly logger = new Logger('YouTubeLiveChat');
  private readonly running = new Map<string, { stop: boolean }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly ingest: AudienceIngestService,
    private readonly tokens: TokenRefreshService,
    private readonly quota: YouTubeQuota,
    private readonly locks: RedisLocks,
  ) {}

  @Interval('youtube-chat-discovery', 2000)
  async discover(): Promise<void> {
    if (!this.config.STREAM_ENABLED) return;
    try {
      for (const session of await this.sessions.activeSessions()) {
        if (session.platform !== StreamPlatform.YouTube || !session.liveChatId || this.running.has(session.platformSessionId)) continue;
        const lock = await this.locks.tryAcquire(LockKeys.youtubeChat(session.platformSessionId), LOCK_TTL_MS);
        if (lock) void this.poll(session, lock);
      }
    } catch (error) {
      this.logger.warn({ msg: 'live chat discovery failed', reason: (error as Error).message });
    }
  }

  onApplicationShutdown(): void {
    for (const state of this.running.values()) state.stop = true;
  }

  private async poll(session: PlatformSessionModel, lock: Lock): Promise<void> {
    const state = { stop: false };
    this.running.set(session.platformSessionId, state);
    let pageToken: string | undefined;
    try {
      while (!state.stop) {
        const current = await this.sessions.session(session.platformSessionId);
        if (current?.state !== 'active' || !(await lock.extend(LOCK_TTL_MS))) break;
        let waitMs: number;
        try {
          const page = await this.fetchPage(current, pageToken);
          pageToken = page.nextPageToken ?? pageToken;
          for (const item of page.items ?? []) {
            const event = mapLiveChatMessage(item);
            if (event) await this.ingest.ingest(current, event);
          }
          if (page.offlineAt) {
            this.logger.log({ msg: 'live chat went offline; ending the session', platformSessionId: current.platformSessionId });
            await this.sessions.stopForLink(current.linkId);
            break;
          }
          waitMs = Math.max(MIN_INTERVAL_MS, page.pollingIntervalMillis ?? 5000);
        } catch (error) {
          this.logger.warn({ msg: 'live chat poll failed', platformSessionId: current.platformSessionId, reason: (error as Error).message });
          waitMs = ERROR_BACKOFF_MS;
        }
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    } finally {
      this.running.delete(session.platformSessionId);
      await lock.release().catch(() => false);
    }
  }

  private async fetchPage(session: PlatformSessionModel, pageToken: string | undefined): Promise<ChatPage> {
    const query = new URLSearchParams({ liveChatId: session.liveChatId ?? '', part: 'id,snippet,authorDetails', maxResults: '2000' });
    if (pageToken) query.set('pageToken', pageToken);
    return this.tokens.withAccessToken(session.linkId, async (token) => {
      await this.quota.spend(LIST_COST_UNITS);
      const response = await platformFetch(
        `${this.config.STREAM_YOUTUBE_API_BASE_URL}/liveChat/messages?${query.toString()}`,
        { headers: { Authorization: `Bearer ${token}` } },
        this.config.STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS * 1000,
      );
      if (response.status === 403 || response.status === 404) {
        // liveChatEnded / liveChatNotFound: the chat is over.
        return { offlineAt: new Date().toISOString() };
      }
      if (!response.ok) throw new PlatformUnavailableError(`liveChatMessages.list answered ${response.status}`);
      return (await response.json()) as ChatPage;
    });
  }
}
