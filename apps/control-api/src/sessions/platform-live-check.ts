import { Injectable, Logger } from '@nestjs/common';

import { ErrorCode, StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider, DomainError, PlatformApiSettings, TwitchSettings, YouTubeSettings } from '@lib-stream/nest-kit';

import { platformFetch, readPlatformError } from '../platform-links/oauth/platform-http';
import { PlatformUnavailableError } from '../platform-links/oauth/oauth.types';
import type { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { TokenRefreshService } from '../platform-links/token-refresh.service';
import { YouTubeQuota } from '../youtube/youtube-quota';
import { SessionErrors } from './session.errors';
import { LinkErrors } from '../platform-links/platform-link.errors';

export interface LiveBroadcast {
  platformStreamId: string | null;
  viewerCount: number;
  liveChatId?: string | null;
}

/**
 * The platform answered a live check with an error (4xx other than 401). Carries the platform's own
 * status and reason; the message says what the platform said, e.g.
 * "youtube answered 400 incompatibleParameters: Incompatible parameters specified in the request".
 * Answered 502 (the upstream refused; the caller's input was fine).
 */
export class PlatformRefusedError extends DomainError {
  constructor(
    readonly platform: StreamPlatform,
    readonly status: number,
    readonly reason: string,
    detail: string,
  ) {
    super(ErrorCode.PlatformUnavailable, `${platform} answered ${status} ${reason}${detail ? `: ${detail}` : ''}`);
  }
}

/** lifeCycleStatus values of a broadcast that is on air (youtube.md §2.2); `testing` is a private preview. */
const ON_AIR = ['live', 'liveStarting'];
/**
 * Quota units of one liveBroadcasts.list call. Google's quota table does not list it (youtube.md §4;
 * public code says 1, 5 or 50): 5 is an estimate, the same figure the project's FakeGoogle charges.
 */
const LIVE_BROADCASTS_LIST_UNITS = 5;

/**
 * Asks the platform whether the linked creator is live right now: Twitch Get Streams (twitch.md),
 * YouTube liveBroadcasts.list with the single filter `broadcastStatus=active` and `broadcastType=all`
 * so both scheduled (`event`) and "Go live now" (`persistent`) broadcasts are found (youtube.md §2.2).
 * Errors: platform unreachable or 5xx → 502 "could not be asked"; a platform's 4xx → 502
 * {@link PlatformRefusedError} (logged at warn with status and reason); token refused twice → 400 "link it again".
 */
@Injectable()
export class PlatformLiveCheck {
  private readonly logger = new Logger('PlatformLiveCheck');

  constructor(
    private readonly twitchSettings: TwitchSettings,
    private readonly youtubeSettings: YouTubeSettings,
    private readonly api: PlatformApiSettings,
    private readonly tokens: TokenRefreshService,
    private readonly cipher: CipherProvider,
    private readonly quota: YouTubeQuota,
  ) {}

  /** The live broadcast, or null when the creator is not live. Custom links cannot be checked: always live. */
  async check(link: PlatformLinkEntity): Promise<LiveBroadcast | null> {
    try {
      if (link.platform === StreamPlatform.Custom) return { platformStreamId: null, viewerCount: 0 };
      if (link.platform === StreamPlatform.Twitch) return await this.twitch(link);
      return await this.youtube(link);
    } catch (error) {
      if (error instanceof PlatformRefusedError) {
        this.logger.warn({ msg: 'platform refused the live check', platform: error.platform, linkId: link.id, status: error.status, reason: error.reason, detail: error.message });
        throw error;
      }
      if (error instanceof DomainError) throw error;
      if (error instanceof PlatformUnavailableError) {
        this.logger.warn({ msg: 'platform unavailable for the live check', platform: link.platform, linkId: link.id, reason: error.message });
        throw SessionErrors.liveCheckUnreachable(link.platform);
      }
      if ((error as Error).name === 'AccessTokenRejectedError') {
        this.logger.warn({ msg: 'platform rejected the access token twice during the live check', platform: link.platform, linkId: link.id, status: 401 });
        throw SessionErrors.linkRevoked(link.platform);
      }
      throw error;
    }
  }

  private timeoutMs(): number {
    return this.api.httpTimeoutMs;
  }

  private async twitch(link: PlatformLinkEntity): Promise<LiveBroadcast | null> {
    if (!link.platformUserIdEnc) throw SessionErrors.twitchLinkTooOld();
    const userId = this.cipher.require(LinkErrors.cipherUnavailable).decrypt(link.platformUserIdEnc);
    const body = await this.tokens.withAccessToken(link.id, async (token) => {
      const response = await platformFetch(
        `${this.twitchSettings.apiBaseUrl}/streams?user_id=${encodeURIComponent(userId)}&type=live`,
        { headers: { Authorization: `Bearer ${token}`, 'Client-Id': this.twitchSettings.clientId } },
        this.timeoutMs(),
      );
      if (!response.ok) {
        const { reason, detail } = await readPlatformError(response, [token, userId, this.twitchSettings.clientId]);
        throw new PlatformRefusedError(StreamPlatform.Twitch, response.status, reason, detail);
      }
      return (await response.json()) as { data?: { id: string; viewer_count?: number; type?: string }[] };
    });
    const stream = body.data?.find((s) => s.type === 'live') ?? body.data?.[0];
    return stream ? { platformStreamId: stream.id, viewerCount: stream.viewer_count ?? 0 } : null;
  }

  private async youtube(link: PlatformLinkEntity): Promise<LiveBroadcast | null> {
    const channelId = link.platformUserIdEnc ? this.cipher.require(LinkErrors.cipherUnavailable).decrypt(link.platformUserIdEnc) : '';
    const body = await this.tokens.withAccessToken(link.id, async (token) => {
      // Exactly one filter (broadcastStatus); broadcastType defaults to `event`, which would miss "Go live now".
      const response = await platformFetch(
        `${this.youtubeSettings.apiBaseUrl}/liveBroadcasts?part=id,snippet,status&broadcastStatus=active&broadcastType=all&maxResults=50`,
        { headers: { Authorization: `Bearer ${token}` } },
        this.timeoutMs(),
      );
      // Every answered request costs quota, refused ones included (youtube.md §4).
      await this.quota.spend(LIVE_BROADCASTS_LIST_UNITS);
      if (!response.ok) {
        const { reason, detail } = await readPlatformError(response, [token, channelId]);
        throw new PlatformRefusedError(StreamPlatform.YouTube, response.status, reason, detail);
      }
      return (await response.json()) as { items?: { id: string; snippet?: { liveChatId?: string }; status?: { lifeCycleStatus?: string } }[] };
    });
    // `active` also lists broadcasts in preview (testing); only one on air is a live session.
    const broadcast = ON_AIR.map((status) => body.items?.find((b) => b.status?.lifeCycleStatus === status)).find(Boolean);
    return broadcast ? { platformStreamId: broadcast.id, viewerCount: 0, liveChatId: broadcast.snippet?.liveChatId ?? null } : null;
  }
}
