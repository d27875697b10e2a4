import { StreamPlatform } from '@lib-stream/contracts';
import type { PlatformApiSettings, TwitchSettings } from '@lib-stream/nest-kit';

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
    private readonly twitch: TwitchSettings,
    api: PlatformApiSettings,
  ) {
    super({
      clientId: twitch.clientId,
      clientSecret: twitch.clientSecret,
      redirectUri: api.oauthRedirectUri,
      authorizationUrl: `${twitch.authBaseUrl}/authorize`,
      tokenUrl: `${twitch.authBaseUrl}/token`,
      scopes: TWITCH_SCOPES,
      timeoutMs: api.httpTimeoutMs,
    });
  }

  protected async fetchIdentity(accessToken: string): Promise<PlatformIdentity> {
    // Get Users with a user token and no parameters returns the token's owner.
    const response = await platformFetch(
      `${this.twitch.apiBaseUrl}/users`,
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
    const response = await platformFetch(`${this.twitch.authBaseUrl}/revoke`, { method: 'POST', body, headers }, this.settings.timeoutMs);
    if (!response.ok) throw new PlatformUnavailableError(`Twitch revoke answered ${response.status}`);
  }

  async validate(accessToken: string): Promise<boolean> {
    try {
      const response = await platformFetch(
        `${this.twitch.authBaseUrl}/validate`,
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
