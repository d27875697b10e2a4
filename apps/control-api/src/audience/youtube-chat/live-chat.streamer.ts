import { status } from '@grpc/grpc-js';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Counter } from 'prom-client';

import type { PlatformSessionModel } from '@lib-stream/contracts';
import { MetricsService, YouTubeSettings } from '@lib-stream/nest-kit';

import { AccessTokenRejectedError } from '../../platform-links/oauth/oauth.types';
import { TokenRefreshService } from '../../platform-links/token-refresh.service';
import { StreamListChannels, type StreamListOutcome, type StreamedChatMessage } from './live-chat-stream.client';
import { YouTubeQuota } from '../../youtube/youtube-quota';

/** streamList costs 5 units per connection, not per message (youtube.md §3.2, §4). */
const STREAM_CONNECTION_COST_UNITS = 5;
/** Failures worth retrying on the stream; any other status means streaming is refused here. */
const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN, status.ABORTED, status.CANCELLED, status.RESOURCE_EXHAUSTED]);
/** Consecutive failed connections (no page received) before giving up on streaming for this chat. */
const MAX_FAILURES = 4;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/** How often a held stream checks that its session is still active and renews the chat lock. */
const KEEP_GOING_EVERY_MS = 2000;

/** What the chat worker gives the streamer: where pages go and whether to carry on. */
export interface ChatRun {
  session: PlatformSessionModel;
  /** Ingests one page's items (oldest first); resolves true when the chat is over (offlineAt / chatEndedEvent). */
  deliver(items: StreamedChatMessage[], offlineAt: string | undefined): Promise<boolean>;
  /** False once the session ended, the chat lock was lost or the app is shutting down. */
  keepGoing(): Promise<boolean>;
  /** The first page of the stream arrived: streaming works for this chat. */
  streaming(): Promise<void>;
}

/** `transient`: streaming failed rather than being refused, so it is worth trying again later. */
export type StreamRunResult = { kind: 'ended' } | { kind: 'stopped' } | { kind: 'fallback'; reason: string; transient: boolean };

/**
 * Reads one live chat through `liveChatMessages.streamList` (youtube.md §3.2): one stream at a time,
 * resumed after any disconnect or idle close with the last `next_page_token` (so nothing is lost; the
 * caller drops repeats by id), token refreshed and the stream reopened on UNAUTHENTICATED, exponential
 * backoff on failures. Returns `fallback` when streaming is refused (UNIMPLEMENTED, PERMISSION_DENIED,
 * ...) or fails `MAX_FAILURES` times in a row, so the caller can poll instead.
 */
@Injectable()
export class LiveChatStreamer implements OnModuleDestroy {
  private readonly logger = new Logger('YouTubeLiveChat');
  private readonly connections: Counter<'outcome'>;
  private readonly channels: StreamListChannels;

  constructor(
    private readonly youtube: YouTubeSettings,
    private readonly tokens: TokenRefreshService,
    private readonly quota: YouTubeQuota,
    metrics: MetricsService,
  ) {
    this.connections = new Counter({
      name: 'lib_stream_youtube_stream_list_connections_total',
      help: 'liveChatMessages.streamList connections opened, by how they ended (closed, failed status name, ended, stopped)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.channels = new StreamListChannels(youtube.grpcTarget, youtube.grpcTls);
  }

  onModuleDestroy(): void {
    this.channels.closeAll();
  }

  /** False when streaming is switched off (`STREAM_YOUTUBE_GRPC_TARGET=off`). */
  get enabled(): boolean {
    return this.youtube.grpcTarget !== 'off';
  }

  async run(run: ChatRun): Promise<StreamRunResult> {
    const { client, release } = this.channels.acquire();
    const liveChatId = run.session.liveChatId ?? '';
    let pageToken: string | undefined;
    let failures = 0;
    let announced = false;
    try {
      for (;;) {
        if (!(await run.keepGoing())) return { kind: 'stopped' };
        let pages = 0;
        let over = false;
        let stopped = false;
        const onPage = async (page: { items: StreamedChatMessage[]; nextPageToken?: string; offlineAt?: string }) => {
          if (!announced) {
            announced = true;
            await run.streaming();
          }
          pages += 1;
          if (await run.deliver(page.items, page.offlineAt)) over = true;
          // Moved only once the page is ingested: a page lost mid-way comes again on resume.
          pageToken = page.nextPageToken ?? pageToken;
        };
        const connect = async (token: string): Promise<StreamListOutcome> => {
          await this.quota.spend(STREAM_CONNECTION_COST_UNITS);
          const connection = client.open(liveChatId, pageToken, token, async (page) => {
            await onPage(page);
            if (over) connection.cancel();
          });
          const watch = setInterval(() => {
            void run.keepGoing().then(
              (ok) => {
                if (!ok) {
                  stopped = true;
                  connection.cancel();
                }
              },
              () => undefined,
            );
          }, KEEP_GOING_EVERY_MS);
          try {
            const outcome = await connection.done;
            if (outcome.kind === 'failed' && outcome.code === status.UNAUTHENTICATED && pages === 0) {
              throw new AccessTokenRejectedError('streamList answered UNAUTHENTICATED');
            }
            return outcome;
          } finally {
            clearInterval(watch);
          }
        };

        let outcome: StreamListOutcome;
        try {
          outcome = await this.tokens.withAccessToken(run.session.linkId, connect);
        } catch (error) {
          // Still UNAUTHENTICATED after a refresh; or here: the refresh, the quota count or ingest failed.
          const rejected = error instanceof AccessTokenRejectedError;
          if (!rejected) this.logger.warn({ msg: 'streamList connection failed here; retrying', platformSessionId: run.session.platformSessionId, reason: (error as Error).message });
          outcome = { kind: 'failed', code: rejected ? status.UNAUTHENTICATED : status.UNAVAILABLE, codeName: rejected ? 'UNAUTHENTICATED' : 'LOCAL_FAILURE', details: (error as Error).message };
        }
        if (over) {
          this.connections.inc({ outcome: 'ended' });
          return { kind: 'ended' };
        }
        if (stopped || outcome.kind === 'cancelled') {
          this.connections.inc({ outcome: 'stopped' });
          return { kind: 'stopped' };
        }
        this.connections.inc({ outcome: outcome.kind === 'failed' ? outcome.codeName : 'closed' });
        if (outcome.kind === 'failed' && !RETRYABLE.has(outcome.code)) {
          this.logger.warn({ msg: 'streamList refused; polling this chat instead', platformSessionId: run.session.platformSessionId, grpcStatus: outcome.codeName });
          return { kind: 'fallback', reason: outcome.codeName, transient: false };
        }
        failures = pages > 0 ? 0 : failures + 1;
        if (failures >= MAX_FAILURES) {
          const reason = outcome.kind === 'failed' ? outcome.codeName : 'CLOSED_WITHOUT_DATA';
          this.logger.warn({ msg: 'streamList keeps failing; polling this chat instead', platformSessionId: run.session.platformSessionId, grpcStatus: reason, attempts: failures });
          return { kind: 'fallback', reason, transient: true };
        }
        if (outcome.kind === 'failed') {
          this.logger.log({ msg: 'streamList disconnected; resuming', platformSessionId: run.session.platformSessionId, grpcStatus: outcome.codeName, attempt: failures });
        }
        // An idle close after data resumes at once; repeated failures back off exponentially with jitter.
        if (failures > 0) await sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1)) * (0.75 + Math.random() * 0.5));
      }
    } finally {
      release();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
