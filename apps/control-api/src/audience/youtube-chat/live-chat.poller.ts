import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';

import { LockKeys, type PlatformSessionModel, StreamPlatform } from '@lib-stream/contracts';
import { type Lock, PlatformApiSettings, RedisLocks, ServiceSettings, YouTubeSettings } from '@lib-stream/nest-kit';

import { AccessTokenRejectedError, PlatformUnavailableError } from '../../platform-links/oauth/oauth.types';
import { platformFetch } from '../../platform-links/oauth/platform-http';
import { TokenRefreshService } from '../../platform-links/token-refresh.service';
import { AudienceIngestService } from '../audience-ingest.service';
import { readPlatformError } from '../../platform-links/oauth/platform-http';
import { SessionsService } from '../../sessions/sessions.service';
import { SeenChatMessages } from './live-chat-dedupe';
import type { StreamedChatMessage } from './live-chat-stream.client';
import { LiveChatTransports } from '../../youtube/live-chat-transport';
import { type ChatRun, LiveChatStreamer } from './live-chat.streamer';
import { mapLiveChatMessage } from '../mappers/youtube-chat-mapper';
import { YouTubeQuota } from '../../youtube/youtube-quota';

/** liveChatMessages.list costs 5 units a call (youtube.md §3.1, §4). */
const LIST_COST_UNITS = 5;
/** The largest page Google serves (youtube.md §3.1: maxResults 200–2000). */
const LIST_MAX_RESULTS = 2000;
const LOCK_TTL_MS = 15_000;
const DEFAULT_INTERVAL_MS = 5000;
const ERROR_BACKOFF_MS = 30_000;

interface ChatPage {
  items?: StreamedChatMessage[];
  nextPageToken?: string;
  pollingIntervalMillis?: number;
  offlineAt?: string;
}

interface RunState {
  stop: boolean;
}

/**
 * Reads the live chat of each active YouTube session (YouTube pushes no chat, youtube.md §5): by
 * `liveChatMessages.streamList` (LiveChatStreamer) when it is available, else by polling
 * `liveChatMessages.list` at `pollingIntervalMillis` (stretched by YouTubeQuota when the project's
 * daily budget would not last), until `offlineAt`, a `chatEndedEvent` or the session's end. Both
 * transports feed the same mapper and ingest, and one seen-id set per chat, so switching from the
 * stream to polling neither loses nor repeats messages. One replica reads a given chat (lock
 * `stream:lock:yt-chat:{id}`, renewed while reading); another takes over when the lock expires.
 */
@Injectable()
export class LiveChatPoller implements OnApplicationShutdown {
  private readonly logger = new Logger('YouTubeLiveChat');
  private readonly running = new Map<string, RunState>();
  /** After streaming failed (not refused), polling tries the stream again this much later. */
  streamRetryAfterMs = 5 * 60_000;

  constructor(
    private readonly service: ServiceSettings,
    private readonly youtube: YouTubeSettings,
    private readonly api: PlatformApiSettings,
    private readonly sessions: SessionsService,
    private readonly ingest: AudienceIngestService,
    private readonly tokens: TokenRefreshService,
    private readonly quota: YouTubeQuota,
    private readonly locks: RedisLocks,
    private readonly streamer: LiveChatStreamer,
    private readonly transports: LiveChatTransports,
  ) {}

  @Interval('youtube-chat-discovery', 2000)
  async discover(): Promise<void> {
    if (!this.service.enabled) return;
    try {
      for (const session of await this.sessions.activeSessions()) {
        if (session.platform !== StreamPlatform.YouTube || !session.liveChatId || this.running.has(session.platformSessionId)) continue;
        const lock = await this.locks.tryAcquire(LockKeys.youtubeChat(session.platformSessionId), LOCK_TTL_MS);
        if (lock) void this.read(session, lock);
      }
    } catch (error) {
      this.logger.warn({ msg: 'live chat discovery failed', reason: (error as Error).message });
    }
  }

  onApplicationShutdown(): void {
    for (const state of this.running.values()) state.stop = true;
  }

  private async read(session: PlatformSessionModel, lock: Lock): Promise<void> {
    const state: RunState = { stop: false };
    this.running.set(session.platformSessionId, state);
    const seen = new SeenChatMessages();
    const run: ChatRun = {
      session,
      deliver: (items, offlineAt) => this.deliver(session, seen, items, offlineAt),
      keepGoing: async () => !state.stop && (await this.sessions.session(session.platformSessionId))?.state === 'active' && (await lock.extend(LOCK_TTL_MS)),
      streaming: () => this.transports.set(session.platformSessionId, 'streamList'),
    };
    try {
      for (;;) {
        let retryStreamAt: number | null = null;
        if (this.streamer.enabled) {
          const result = await this.streamer.run(run);
          if (result.kind !== 'fallback') return;
          await this.transports.set(session.platformSessionId, 'polling', result.reason);
          // A stream that kept failing (not refused) is tried again later: polling costs far more quota.
          if (result.transient) retryStreamAt = Date.now() + this.streamRetryAfterMs;
        } else {
          await this.transports.set(session.platformSessionId, 'polling', 'disabled');
        }
        if ((await this.poll(session, run, state, retryStreamAt)) === 'done') return;
        await this.quota.forget(session.platformSessionId);
      }
    } catch (error) {
      this.logger.warn({ msg: 'live chat reader stopped', platformSessionId: session.platformSessionId, reason: (error as Error).message });
    } finally {
      this.running.delete(session.platformSessionId);
      await this.quota.forget(session.platformSessionId).catch(() => undefined);
      await lock.release().catch(() => false);
    }
  }

  /** Maps and ingests new items; ends the session and returns true when the chat is over. */
  private async deliver(session: PlatformSessionModel, seen: SeenChatMessages, items: StreamedChatMessage[], offlineAt: string | undefined): Promise<boolean> {
    let ended = offlineAt !== undefined;
    for (const item of items) {
      if (!seen.firstTime(item)) continue;
      if (item.snippet?.type === 'chatEndedEvent') ended = true;
      const event = mapLiveChatMessage(item);
      if (event) await this.ingest.ingest(session, event);
    }
    if (ended) {
      this.logger.log({ msg: 'live chat is over; ending the session', platformSessionId: session.platformSessionId });
      await this.sessions.stopForLink(session.linkId);
    }
    return ended;
  }

  /** Polls until the chat or session ends (`done`) or, from `retryStreamAt` on, hands back to the stream. */
  private async poll(session: PlatformSessionModel, run: ChatRun, state: RunState, retryStreamAt: number | null): Promise<'done' | 'retry-stream'> {
    let pageToken: string | undefined;
    while (!state.stop && (await run.keepGoing())) {
      if (retryStreamAt !== null && Date.now() >= retryStreamAt) return 'retry-stream';
      let waitMs: number;
      try {
        const page = await this.fetchPage(session, pageToken);
        const items = page.items ?? [];
        // offlineAt comes on every answer once the stream is offline; a full page means more remain.
        const offlineAt = items.length >= LIST_MAX_RESULTS ? undefined : page.offlineAt;
        if (await run.deliver(items, offlineAt)) return 'done';
        pageToken = page.nextPageToken ?? pageToken;
        const interval = Math.max(0, page.pollingIntervalMillis ?? DEFAULT_INTERVAL_MS);
        waitMs = await this.quota.pollingDelayMs(session.platformSessionId, interval, LIST_COST_UNITS);
      } catch (error) {
        this.logger.warn({ msg: 'live chat poll failed', platformSessionId: session.platformSessionId, reason: (error as Error).message });
        waitMs = ERROR_BACKOFF_MS;
      }
      await this.sleepWhileRunning(retryStreamAt === null ? waitMs : Math.max(0, Math.min(waitMs, retryStreamAt - Date.now())), state);
    }
    return 'done';
  }

  /** Sleeps `ms`, in slices so a stretched wait still notices shutdown. */
  private async sleepWhileRunning(ms: number, state: RunState): Promise<void> {
    const until = Date.now() + ms;
    while (!state.stop && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
  }

  private async fetchPage(session: PlatformSessionModel, pageToken: string | undefined): Promise<ChatPage> {
    const query = new URLSearchParams({ liveChatId: session.liveChatId ?? '', part: 'id,snippet,authorDetails', maxResults: String(LIST_MAX_RESULTS) });
    if (pageToken) query.set('pageToken', pageToken);
    return this.tokens.withAccessToken(session.linkId, async (token) => {
      await this.quota.spend(LIST_COST_UNITS);
      const response = await platformFetch(
        `${this.youtube.apiBaseUrl}/liveChat/messages?${query.toString()}`,
        { headers: { Authorization: `Bearer ${token}` } },
        this.api.httpTimeoutMs,
      );
      if (response.status === 401) throw new AccessTokenRejectedError('liveChatMessages.list answered 401');
      if (response.status === 403 || response.status === 404) {
        const { reason } = await readPlatformError(response, [token]);
        // liveChatEnded / liveChatNotFound / liveChatDisabled: the chat is over. Other 403s (rateLimitExceeded, quotaExceeded) are retried later.
        if (reason === 'liveChatEnded' || reason === 'liveChatNotFound' || reason === 'liveChatDisabled' || response.status === 404) return { offlineAt: new Date().toISOString() };
        throw new PlatformUnavailableError(`liveChatMessages.list answered ${response.status} ${reason}`);
      }
      if (!response.ok) throw new PlatformUnavailableError(`liveChatMessages.list answered ${response.status} ${(await readPlatformError(response, [token])).reason}`);
      return (await response.json()) as ChatPage;
    });
  }
}
