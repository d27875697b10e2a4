import { Inject, Injectable } from '@nestjs/common';

import { ErrorCode, StreamPlatform } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, DomainError } from '@lib-stream/nest-kit';

import { LinkCipherProvider } from '../platform-links/link-cipher.provider';
import { platformFetch } from '../platform-links/oauth/platform-http';
import { PlatformUnavailableError } from '../platform-links/oauth/oauth.types';
import type { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { TokenRefreshService } from '../platform-links/token-refresh.service';

export interface LiveBroadcast {
  platformStreamId: string | null;
  viewerCount: number;
  liveChatId?: string | null;
}

/** Asks the platform whether the linked creator is live right now (Twitch Get Streams, YouTube liveBroadcasts). */
@Injectable()
export class PlatformLiveCheck {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenRefreshService,
    private readonly cipher: LinkCipherProvider,
  ) {}

  /** The live broadcast, or null when the creator is not live. Custom links cannot be checked: always live. */
  async check(link: PlatformLinkEntity): Promise<LiveBroadcast | null> {
    const timeoutMs = this.config.STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS * 1000;
    try {
      if (link.platform === StreamPlatform.Custom) return { platformStreamId: null, viewerCount: 0 };
      if (link.platform === StreamPlatform.Twitch) {
        if (!link.platformUserIdEnc) throw new DomainError(ErrorCode.ValidationFailed, 'This Twitch link predates live checks; link it again');
        const userId = this.cipher.cipher().decrypt(link.platformUserIdEnc);
        const body = await this.tokens.withAccessToken(link.id, async (token) => {
          const response = await platformFetch(
            `${this.config.STREAM_TWITCH_API_BASE_URL}/streams?user_id=${encodeURIComponent(userId)}&type=live`,
            { headers: { Authorization: `Bearer ${token}`, 'Client-Id': this.config.STREAM_TWITCH_CLIENT_ID } },
            timeoutMs,
          );
          if (!response.ok) throw new PlatformUnavailableError(`Twitch Get Streams answered ${response.status}`);
          return (await response.json()) as { data?: { id: string; viewer_count?: number; type?: string }[] };
        });
        const stream = body.data?.find((s) => s.type === 'live') ?? body.data?.[0];
        return stream ? { platformStreamId: stream.id, viewerCount: stream.viewer_count ?? 0 } : null;
      }
      const body = await this.tokens.withAccessToken(link.id, async (token) => {
        const response = await platformFetch(
          `${this.config.STREAM_YOUTUBE_API_BASE_URL}/liveBroadcasts?part=id,snippet,status&broadcastStatus=active&mine=true`,
          { headers: { Authorization: `Bearer ${token}` } },
          timeoutMs,
        );
        if (!response.ok) throw new PlatformUnavailableError(`YouTube liveBroadcasts answered ${response.status}`);
        return (await response.json()) as { items?: { id: string; snippet?: { liveChatId?: string } }[] };
      });
      const broadcast = body.items?.[0];
      return broadcast ? { platformStreamId: broadcast.id, viewerCount: 0, liveChatId: broadcast.snippet?.liveChatId ?? null } : null;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof PlatformUnavailableError) {
        throw new DomainError(ErrorCode.PlatformUnavailable, `${link.platform} could not be asked whether the account is live; try again`);
      }
      if ((error as Error).name === 'AccessTokenRejectedError') {
        throw new DomainError(ErrorCode.ValidationFailed, `${link.platform} no longer accepts this link; link it again`);
      }
      throw error;
    }
  }
}
