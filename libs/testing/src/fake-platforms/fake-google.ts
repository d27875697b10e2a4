import { randomBytes } from 'node:crypto';

import { FakeHttpServer, type FakeReply, type RecordedRequest, bearer } from './fake-http-server';

export interface FakeYouTubeChannel {
  id: string;
  title: string;
}

interface Grant {
  channel: FakeYouTubeChannel | null;
  scope: string;
}

const READONLY = 'https://www.googleapis.com/auth/youtube.readonly';

/**
 * Plays Google's OAuth token/revoke endpoints and YouTube `channels.list?mine=true` with the
 * documented shapes: `scope` as a space-separated string, refresh without a new refresh token,
 * `{error, error_description}` bodies. Base URLs: `baseUrl` (OAuth) and `${baseUrl}/youtube/v3`.
 */
export class FakeGoogle extends FakeHttpServer {
  private readonly codes = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, Grant>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly liveBroadcasts = new Map<string, string>();
  private readonly chats = new Map<string, { pages: unknown[][]; served: number; offline: boolean }>();
  pollingIntervalMillis = 100;

  constructor(
    readonly clientId = 'fake-google-client-id.apps.googleusercontent.com',
    readonly clientSecret = 'fake-google-client-secret-456',
  ) {
    super();
  }

  get youtubeApiBaseUrl(): string {
    return `${this.baseUrl}/youtube/v3`;
  }

  get hubUrl(): string {
    return `${this.baseUrl}/hub/subscribe`;
  }

  get authorizationUrl(): string {
    return `${this.baseUrl}/o/oauth2/v2/auth`;
  }

  /** `channel: null` plays a Google account without a YouTube channel. */
  issueCode(channel: FakeYouTubeChannel | null): string {
    const code = `4/${randomBytes(20).toString('base64url')}`;
    this.codes.set(code, { channel, scope: READONLY });
    return code;
  }

  /** liveBroadcasts.list(mine, active) will return this broadcast for the channel. */
  setLive(channelId: string, broadcastId: string): void {
    this.liveBroadcasts.set(channelId, broadcastId);
  }

  /** Queues `liveChatMessage` resources; each later poll returns one queued page. */
  pushChat(liveChatId: string, items: unknown[]): void {
    const chat = this.chats.get(liveChatId) ?? { pages: [], served: 0, offline: false };
    chat.pages.push(items);
    this.chats.set(liveChatId, chat);
  }

  /** The stream went offline: the next poll carries `offlineAt`. */
  endChat(liveChatId: string): void {
    const chat = this.chats.get(liveChatId) ?? { pages: [], served: 0, offline: false };
    chat.offline = true;
    this.chats.set(liveChatId, chat);
  }

  invalidateRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  issuedAccessTokens(): string[] {
    return [...this.accessTokens.keys()];
  }

  issuedRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  protected route(request: RecordedRequest): FakeReply {
    switch (`${request.method} ${request.path}`) {
      case 'POST /token':
        return this.token(request);
      case 'POST /revoke':
        return this.revoke(request);
      case 'GET /youtube/v3/channels':
        return this.channels(request);
      case 'GET /youtube/v3/liveBroadcasts':
        return this.broadcasts(request);
      case 'GET /youtube/v3/liveChat/messages':
        return this.chatMessages(request);
      case 'POST /hub/subscribe':
        // The WebSub hub: accepted, verification would follow asynchronously.
        return { status: 202 };
      default:
        return { status: 404, body: { error: { code: 404, message: 'Not Found' } } };
    }
  }

  private token(request: RecordedRequest): FakeReply {
    const { body } = request;
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    }
    if (body.grant_type === 'authorization_code') {
      const grant = this.codes.get(body.code);
      this.codes.delete(body.code);
      if (!grant) return { status: 400, body: { error: 'invalid_grant', error_description: 'Malformed auth code.' } };
      const accessToken = `ya29.${randomBytes(20).toString('base64url')}`;
      const refreshToken = `1//${randomBytes(24).toString('base64url')}`;
      this.accessTokens.set(accessToken, grant);
      this.refreshTokens.set(refreshToken, grant);
      return { status: 200, body: { access_token: accessToken, expires_in: 3599, refresh_token: refreshToken, scope: grant.scope, token_type: 'Bearer' } };
    }
    if (body.grant_type === 'refresh_token') {
      const grant = this.refreshTokens.get(body.refresh_token);
      if (!grant) return { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
      const accessToken = `ya29.${randomBytes(20).toString('base64url')}`;
      this.accessTokens.set(accessToken, grant);
      return { status: 200, body: { access_token: accessToken, expires_in: 3599, scope: grant.scope, token_type: 'Bearer' } };
    }
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
  }

  private revoke(request: RecordedRequest): FakeReply {
    const token = request.body.token;
    const grant = this.refreshTokens.get(token) ?? this.accessTokens.get(token);
    if (!grant) return { status: 400, body: { error: 'invalid_token', error_description: 'Token expired or revoked' } };
    for (const map of [this.refreshTokens, this.accessTokens]) {
      for (const [key, value] of map) if (value === grant) map.delete(key);
    }
    return { status: 200 };
  }

  private chatMessages(request: RecordedRequest): FakeReply {
    if (!this.accessTokens.has(bearer(request) ?? '')) return { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.' } } };
    const chat = this.chats.get(request.query.get('liveChatId') ?? '');
    if (!chat) return { status: 404, body: { error: { code: 404, message: 'liveChatNotFound' } } };
    const items = chat.served < chat.pages.length ? chat.pages[chat.served++] : [];
    const offline = chat.offline && chat.served >= chat.pages.length;
    return {
      status: 200,
      body: {
        kind: 'youtube#liveChatMessageListResponse',
        pollingIntervalMillis: this.pollingIntervalMillis,
        nextPageToken: `page-${chat.served}`,
        pageInfo: { totalResults: items.length, resultsPerPage: items.length },
        ...(offline ? { offlineAt: new Date().toISOString() } : {}),
        items,
      },
    };
  }

  private broadcasts(request: RecordedRequest): FakeReply {
    const grant = this.accessTokens.get(bearer(request) ?? '');
    if (!grant) return { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.' } } };
    const id = grant.channel ? this.liveBroadcasts.get(grant.channel.id) : undefined;
    const items = id ? [{ kind: 'youtube#liveBroadcast', id, snippet: { liveChatId: `chat-${id}` }, status: { lifeCycleStatus: 'live' } }] : [];
    return { status: 200, body: { kind: 'youtube#liveBroadcastListResponse', items } };
  }

  private channels(request: RecordedRequest): FakeReply {
    const grant = this.accessTokens.get(bearer(request) ?? '');
    if (!grant) return { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.' } } };
    if (request.query.get('mine') !== 'true') return { status: 400, body: { error: { code: 400, message: 'No filter selected.' } } };
    const items = grant.channel ? [{ kind: 'youtube#channel', etag: 'etag', id: grant.channel.id, snippet: { title: grant.channel.title } }] : [];
    return { status: 200, body: { kind: 'youtube#channelListResponse', etag: 'etag', pageInfo: { totalResults: items.length, resultsPerPage: 5 }, items } };
  }
}
