import { Injectable } from '@nestjs/common';

import { StreamPlatform } from '@lib-stream/contracts';
import { PlatformApiSettings, TwitchSettings, YouTubeSettings } from '@lib-stream/nest-kit';

import type { OAuthPlatform } from './oauth.types';
import type { PassportOAuthClient } from './passport-oauth-client';
import { TwitchOAuthClient } from './twitch-oauth.client';
import { YouTubeOAuthClient } from './youtube-oauth.client';
import { LinkErrors } from '../platform-link.errors';

const REQUIRED_SETTINGS: Record<OAuthPlatform, string> = {
  [StreamPlatform.Twitch]: 'STREAM_TWITCH_CLIENT_ID, STREAM_TWITCH_CLIENT_SECRET and STREAM_OAUTH_REDIRECT_URI',
  [StreamPlatform.YouTube]: 'STREAM_YOUTUBE_CLIENT_ID, STREAM_YOUTUBE_CLIENT_SECRET and STREAM_OAUTH_REDIRECT_URI',
};

/** One OAuth client (passport-oauth2 strategy) per platform. */
@Injectable()
export class OAuthClients {
  private readonly clients: Record<OAuthPlatform, PassportOAuthClient>;

  constructor(twitch: TwitchSettings, youtube: YouTubeSettings, api: PlatformApiSettings) {
    this.clients = { [StreamPlatform.Twitch]: new TwitchOAuthClient(twitch, api), [StreamPlatform.YouTube]: new YouTubeOAuthClient(youtube, api) };
  }

  /** The client for a platform, or a 503 naming the settings to fill in. */
  configured(platform: OAuthPlatform): PassportOAuthClient {
    const client = this.clients[platform];
    if (!client.isConfigured()) {
      throw LinkErrors.notConfigured(platform, REQUIRED_SETTINGS[platform]);
    }
    return client;
  }

  /** For revocation and refresh of existing links, configured or not. */
  for(platform: OAuthPlatform): PassportOAuthClient {
    return this.clients[platform];
  }
}
