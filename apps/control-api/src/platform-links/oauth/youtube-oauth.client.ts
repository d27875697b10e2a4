import { StreamPlatform } from '@lib-stream/contracts';
import type { PlatformApiSettings, YouTubeSettings } from '@lib-stream/nest-kit';

import { AuthorizationCodeRejectedError, PlatformUnavailableError, type PlatformIdentity } from './oauth.types';
import { PassportOAuthClient } from './passport-oauth-client';
import { formBody, platformFetch } from './platform-http';

/** Read-only: live status, live chat, Super Chats and the channel itself. */
export const YOUTUBE_SCOPES = ['https://www.googleapis.com/auth/youtube.readonly'];

export class YouTubeOAuthClient extends PassportOAuthClient {
  readonly platform = StreamPlatform.YouTube;

  constructor(
    private readonly youtube: YouTubeSettings,
    api: PlatformApiSettings,
  ) {
    super({
      clientId: youtube.clientId,
      clientSecret: youtube.clientSecret,
      redirectUri: api.oauthRedirectUri,
      authorizationUrl: youtube.googleAuthUrl,
      tokenUrl: `${youtube.googleOAuthBaseUrl}/token`,
      scopes: YOUTUBE_SCOPES,
      timeoutMs: api.httpTimeoutMs,
      // Offline access is what yields a refresh token; consent makes Google issue a new one on re-link.
      authorizationParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    });
  }

  protected async fetchIdentity(accessToken: string): Promise<PlatformIdentity> {
    const response = await platformFetch(
      `${this.youtube.apiBaseUrl}/channels?part=snippet&mine=true`,
      { headers: { Authorization: `Bearer ${accessToken}` } },
      this.settings.timeoutMs,
    );
    if (!response.ok) throw new PlatformUnavailableError(`YouTube channels.list answered ${response.status}`);
    const body = (await response.json().catch(() => ({}))) as { items?: { id?: string; snippet?: { title?: string } }[] };
    const channel = body.items?.[0];
    if (!channel?.id) throw new AuthorizationCodeRejectedError('this Google account has no YouTube channel');
    return { platformUserId: channel.id, displayName: channel.snippet?.title ?? '' };
  }

  async revoke(tokens: { accessToken: string | null; refreshToken: string | null }): Promise<void> {
    // Revoking the refresh token removes the whole grant.
    const token = tokens.refreshToken ?? tokens.accessToken;
    if (!token) return;
    const { body, headers } = formBody({ token });
    const response = await platformFetch(`${this.youtube.googleOAuthBaseUrl}/revoke`, { method: 'POST', body, headers }, this.settings.timeoutMs);
    if (!response.ok) throw new PlatformUnavailableError(`Google revoke answered ${response.status}`);
  }

  /** Google has no hourly validation rule; a 401 on use triggers a refresh instead. */
  validate(): Promise<boolean> {
    return Promise.resolve(true);
  }
}
