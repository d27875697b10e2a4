import { Injectable } from '@nestjs/common';

import { PlatformApiSettings, TwitchSettings } from '@lib-stream/nest-kit';

import { PlatformUnavailableError } from '../platform-links/oauth/oauth.types';
import { TwitchAppHelix } from '../platform-links/oauth/twitch-app-helix';

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
  private readonly app: TwitchAppHelix;

  constructor(twitch: TwitchSettings, api: PlatformApiSettings) {
    this.app = new TwitchAppHelix({
      apiBaseUrl: twitch.apiBaseUrl,
      authBaseUrl: twitch.authBaseUrl,
      clientId: twitch.clientId,
      clientSecret: twitch.clientSecret,
      timeoutMs: api.httpTimeoutMs,
    });
  }

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

  private helix(method: string, path: string, body?: object): Promise<Response> {
    return this.app.request(method, path, body);
  }
}
