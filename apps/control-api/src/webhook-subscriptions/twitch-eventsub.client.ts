import { Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '@lib-stream/nest-kit';

import { AccessTokenRejectedError, PlatformUnavailableError } from '../platform-links/oauth/oauth.types';
import { formBody, platformFetch } from '../platform-links/oauth/platform-http';

export interface EventSubSubscription {
  id: string;
  status: string;
  type: string;
  version: string;
  condition: Record<string, string>;
  transport: { method: string; callback?: string };
}

export type CreateOutcome = 'created' | 'exists' | 'rate-limited';

/**
 * Helix EventSub subscription calls. Webhook subscriptions need an app access token (client
 * credentials), minted on demand and re-minted when Twitch stops accepting it.
 */
@Injectable()
export class TwitchEventSubClient {
  private appToken: { value: string; expiresAt: number } | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async list(): Promise<EventSubSubscription[]> {
    const all: EventSubSubscription[] = [];
    let cursor: string | undefined;
    do {
      const query = cursor ? `?after=${encodeURIComponent(cursor)}` : '';
      const response = await this.helix('GET', `/eventsub/subscriptions${query}`);
      if (!response.ok) throw new PlatformUnavailableError(`Get EventSub Subscriptions answered ${response.status}`);
      const body = (await response.json()) as { data?: EventSubSubscription[]; pagination?: { cursor?: string } };
      all.push(...(body.data ?? []));
      cursor = body.pagination?.cursor;
    } while (cursor);
    return all;
  }

  async create(type: string, version: string, condition: Record<string, string>, callback: string, secret: string): Promise<CreateOutcome> {
    const response = await this.helix('POST', '/eventsub/subscriptions', { type, version, condition, transport: { method: 'webhook', callback, secret } });
    if (response.status === 202) return 'created';
    if (response.status === 409) return 'exists';
    if (response.status === 429) return 'rate-limited';
    throw new PlatformUnavailableError(`Create EventSub Subscription (${type}) answered ${response.status}`);
  }

  async delete(id: string): Promise<void> {
    const response = await this.helix('DELETE', `/eventsub/subscriptions?id=${encodeURIComponent(id)}`);
    if (response.status !== 204 && response.status !== 404) throw new PlatformUnavailableError(`Delete EventSub Subscription answered ${response.status}`);
  }

  private async helix(method: string, path: string, body?: object, retried = false): Promise<Response> {
    const token = await this.token();
    try {
      return await platformFetch(
        `${this.config.STREAM_TWITCH_API_BASE_URL}${path}`,
        {
          method,
          headers: { Authorization: `Bearer ${token}`, 'Client-Id': this.config.STREAM_TWITCH_CLIENT_ID, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        },
        this.config.STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS * 1000,
      );
    } catch (error) {
      if (!(error instanceof AccessTokenRejectedError) || retried) throw error;
      this.appToken = null;
      return this.helix(method, path, body, true);
    }
  }

  private async token(): Promise<string> {
    if (this.appToken && this.appToken.expiresAt > Date.now() + 60_000) return this.appToken.value;
    const { body, headers } = formBody({
      client_id: this.config.STREAM_TWITCH_CLIENT_ID,
      client_secret: this.config.STREAM_TWITCH_CLIENT_SECRET,
      grant_type: 'client_credentials',
    });
    const response = await platformFetch(`${this.config.STREAM_TWITCH_AUTH_BASE_URL}/token`, { method: 'POST', body, headers }, this.config.STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS * 1000);
    if (!response.ok) throw new PlatformUnavailableError(`Twitch app token request answered ${response.status}`);
    const token = (await response.json()) as { access_token: string; expires_in?: number };
    this.appToken = { value: token.access_token, expiresAt: Date.now() + (token.expires_in ?? 3600) * 1000 };
    return token.access_token;
  }
}
