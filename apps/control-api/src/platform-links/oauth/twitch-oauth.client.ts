import { StreamPlatform } from '@lib-stream/contracts';
import { type AppConfig, PlatformApiSettings } from '@lib-stream/nest-kit';

import { PlatformUnavailableError, type PlatformIdentity } from './oauth.types';
import { PassportOAuthClient } from './passport-oauth-client';
import { formBody, platformFetch } from './platform-http';

/**
 * What later features ingest: chat, subscriptions, cheers, followers, live status (needs no scope), and
 * (the last three, read-only) polls, predictions and hype trains (desired-subscriptions.ts).
 */
export const TWITCH_SCOPES = [
  'user:read:chat', 'user:bot', 'channel:bot', 'channel:read:subscriptions', 'bits:read', 'moderator:read:followers',
  'channel:read:polls', 'channel:read:predictions', 'channel:read:hype_train',
];

export class TwitchOAuthClient extends PassportOAuthClient {
  readonly platform = StreamPlatform.Twitch;

  constructor(
    private readonly config: AppConfig,
    api: PlatformApiSettings,
  ) {
    super({
      clientId: config.STREAM_TWITCH_CLIENT_ID,
      clientSecret: config.STREAM_TWITCH_CLIENT_SECRET,
      redirectUri: config.STREAM_OAUTH_REDIRECT_URI,
      authorizationUrl: `${config.STREAM_TWITCH_AUTH_BASE_URL}/authorize`,
      tokenUrl: `${config.STREAM_TWITCH_AUTH_BASE_URL}/token`,
      scopes: TWITCH_SCOPES,
      timeoutMs: api.httpTimeoutMs,
    });
  }

  protected async fetchIdentity(accessToken: string): Promise<PlatformIdentity> {
    // Get Users with a user token and no parameters returns the token's owner.
    const response = await platformFetch(
      `${this.config.STREAM_TWITCH_API_BASE_URL}/users`,
      { headers: { Authorization: `Bearer ${accessToken}`, 'Client-Id': this.settings.clientId } },
      this.settings.timeoutMs,
    );
    const body = (await response.json().catch(() => ({}))) as { data?: { id?: string; display_name?: string; login?: string }[] };
    const user = body.data?.[0];
    if (!response.ok || !user?.id) throw new PlatformUnavailableError(`Twitch Get Users answered ${response.status} without a user`);
    return { platformUserId: user.id, displayName: user.display_name ?? user.login ?? '' };
  }

  async revoke(tokens: { accessToken: string | null }): Promise<void> {
    if (!tokens.accessToken) return;
    const { body, headers } = formBody({ client_id: this.settings.clientId, token: tokens.accessToken });
    const response = await platformFetch(`${this.config.STREAM_TWITCH_AUTH_BASE_URL}/revoke`, { method: 'POST', body, headers }, this.settings.timeoutMs);
    if (!response.ok) throw new PlatformUnavailableError(`Twitch revoke answered ${response.status}`);
  }

  async validate(accessToken: string): Promise<boolean> {
    try {
      const response = await platformFetch(
        `${this.config.STREAM_TWITCH_AUTH_BASE_URL}/validate`,
        { headers: { Authorization: `OAuth ${accessToken}` } },
        this.settings.timeoutMs,
      );
      return response.ok;
    } catch (error) {
      if ((error as Error).name === 'AccessTokenRejectedError') return false;
      throw error;
    }
  }
}
