import { randomBytes } from 'node:crypto';

import { FakeHttpServer, type FakeReply, type RecordedRequest, bearer } from './fake-http-server';

export interface FakeTwitchUser {
  id: string;
  login: string;
  displayName: string;
}

export interface FakeEventSubSubscription {
  id: string;
  status: string;
  type: string;
  version: string;
  condition: Record<string, string>;
  created_at: string;
  transport: { method: string; callback: string };
  cost: number;
}

interface Grant {
  user: FakeTwitchUser;
  scopes: string[];
}

/**
 * Plays Twitch's OAuth server (id.twitch.tv/oauth2: token, validate, revoke) and Helix Get Users
 * with the documented shapes: form-encoded token requests, `scope` as an array, refresh tokens that
 * rotate, `{status, message}` error bodies. Base URLs: `${baseUrl}/oauth2` and `${baseUrl}/helix`.
 */
export class FakeTwitch extends FakeHttpServer {
  private readonly codes = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, Grant>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly liveStreams = new Map<string, { id: string; viewerCount: number }>();
  private readonly appTokens = new Set<string>();
  /** EventSub subscriptions created with an app token, as Get EventSub Subscriptions lists them. */
  readonly eventSubSubscriptions: FakeEventSubSubscription[] = [];
  /** The next N create calls answer 429. */
  rateLimitCreates = 0;
  /** Delay before answering a refresh, to widen race windows in tests. */
  refreshDelayMs = 0;
  accessTokenLifetimeSeconds = 14_124;

  constructor(
    readonly clientId = 'fake-twitch-client-id',
    readonly clientSecret = 'fake-twitch-client-secret-123',
  ) {
    super();
  }

  get authBaseUrl(): string {
    return `${this.baseUrl}/oauth2`;
  }

  get apiBaseUrl(): string {
    return `${this.baseUrl}/helix`;
  }

  /** What the consent screen would hand back on the redirect for this user. */
  issueCode(user: FakeTwitchUser, scopes = ['user:read:chat', 'channel:read:subscriptions']): string {
    const code = randomBytes(15).toString('hex');
    this.codes.set(code, { user, scopes });
    return code;
  }

  /** Makes the platform forget an access token early (as a password change would). */
  invalidateAccessToken(token: string): void {
    this.accessTokens.delete(token);
  }

  invalidateRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  /** Get Streams will report this user live. */
  setLive(userId: string, streamId: string, viewerCount = 100): void {
    this.liveStreams.set(userId, { id: streamId, viewerCount });
  }

  setOffline(userId: string): void {
    this.liveStreams.delete(userId);
  }

  issuedAccessTokens(): string[] {
    return [...this.accessTokens.keys()];
  }

  issuedRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  protected async route(request: RecordedRequest): Promise<FakeReply> {
    switch (`${request.method} ${request.path}`) {
      case 'POST /oauth2/token':
        return this.token(request);
      case 'GET /oauth2/validate':
        return this.validate(request);
      case 'POST /oauth2/revoke':
        return this.revoke(request);
      case 'GET /helix/users':
        return this.users(request);
      case 'GET /helix/streams':
        return this.streams(request);
      case 'GET /helix/eventsub/subscriptions':
        return this.listSubscriptions(request);
      case 'POST /helix/eventsub/subscriptions':
        return this.createSubscription(request);
      case 'DELETE /helix/eventsub/subscriptions':
        return this.deleteSubscription(request);
      default:
        return { status: 404, body: { error: 'Not Found', status: 404, message: 'unknown endpoint' } };
    }
  }

  private async token(request: RecordedRequest): Promise<FakeReply> {
    const { body } = request;
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) {
      return { status: 403, body: { status: 403, message: 'invalid client secret' } };
    }
    if (body.grant_type === 'authorization_code') {
      const grant = this.codes.get(body.code);
      this.codes.delete(body.code);
      if (!grant || !body.redirect_uri) return { status: 400, body: { status: 400, message: 'Invalid authorization code' } };
      return { status: 200, body: this.mint(grant) };
    }
    if (body.grant_type === 'client_credentials') {
      const token = randomBytes(15).toString('base64url');
      this.appTokens.add(token);
      return { status: 200, body: { access_token: token, expires_in: 5011271, token_type: 'bearer' } };
    }
    if (body.grant_type === 'refresh_token') {
      if (this.refreshDelayMs) await new Promise((resolve) => setTimeout(resolve, this.refreshDelayMs));
      const grant = this.refreshTokens.get(body.refresh_token);
      if (!grant) return { status: 400, body: { error: 'Bad Request', status: 400, message: 'Invalid refresh token' } };
      this.refreshTokens.delete(body.refresh_token);
      return { status: 200, body: this.mint(grant) };
    }
    return { status: 400, body: { status: 400, message: 'Invalid grant type' } };
  }

  private mint(grant: Grant): Record<string, unknown> {
    const accessToken = randomBytes(15).toString('base64url');
    const refreshToken = randomBytes(25).toString('base64url');
    this.accessTokens.set(accessToken, grant);
    this.refreshTokens.set(refreshToken, grant);
    return { access_token: accessToken, expires_in: this.accessTokenLifetimeSeconds, refresh_token: refreshToken, scope: grant.scopes, token_type: 'bearer' };
  }

  private validate(request: RecordedRequest): FakeReply {
    const grant = this.accessTokens.get(bearer(request, 'OAuth') ?? '');
    if (!grant) return { status: 401, body: { status: 401, message: 'invalid access token' } };
    return {
      status: 200,
      body: { client_id: this.clientId, login: grant.user.login, scopes: grant.scopes, user_id: grant.user.id, expires_in: 5000 },
    };
  }

  private revoke(request: RecordedRequest): FakeReply {
    if (request.body.client_id !== this.clientId) return { status: 404, body: { status: 404, message: 'client does not exist' } };
    if (!this.accessTokens.delete(request.body.token)) return { status: 400, body: { status: 400, message: 'Invalid token' } };
    return { status: 200 };
  }

  private appAuthorized(request: RecordedRequest): boolean {
    return this.appTokens.has(bearer(request) ?? '') && request.headers['client-id'] === this.clientId;
  }

  private listSubscriptions(request: RecordedRequest): FakeReply {
    if (!this.appAuthorized(request)) return { status: 401, body: { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' } };
    const data = this.eventSubSubscriptions;
    return { status: 200, body: { data, total: data.length, total_cost: data.length, max_total_cost: 10000, pagination: {} } };
  }

  private createSubscription(request: RecordedRequest): FakeReply {
    // EventSub webhooks need an app access token; a user token is refused.
    if (!this.appAuthorized(request)) return { status: 401, body: { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' } };
    if (this.rateLimitCreates > 0) {
      this.rateLimitCreates -= 1;
      return { status: 429, body: { error: 'Too Many Requests', status: 429, message: 'rate limited' } };
    }
    const body = request.body as unknown as { type: string; version: string; condition: Record<string, string>; transport: { method: string; callback: string; secret: string } };
    if (!body.transport?.secret || body.transport.secret.length < 10 || body.transport.secret.length > 100) {
      return { status: 400, body: { error: 'Bad Request', status: 400, message: 'transport.secret must be 10-100 characters' } };
    }
    const duplicate = this.eventSubSubscriptions.some((s) => s.type === body.type && s.version === body.version && JSON.stringify(s.condition) === JSON.stringify(body.condition));
    if (duplicate) return { status: 409, body: { error: 'Conflict', status: 409, message: 'subscription already exists' } };
    const subscription: FakeEventSubSubscription = {
      id: randomBytes(16).toString('hex'),
      status: 'webhook_callback_verification_pending',
      type: body.type,
      version: body.version,
      condition: body.condition,
      created_at: new Date().toISOString(),
      transport: { method: body.transport.method, callback: body.transport.callback },
      cost: 1,
    };
    this.eventSubSubscriptions.push(subscription);
    return { status: 202, body: { data: [subscription], total: this.eventSubSubscriptions.length, total_cost: this.eventSubSubscriptions.length, max_total_cost: 10000 } };
  }

  private deleteSubscription(request: RecordedRequest): FakeReply {
    if (!this.appAuthorized(request)) return { status: 401, body: { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' } };
    const index = this.eventSubSubscriptions.findIndex((s) => s.id === request.query.get('id'));
    if (index < 0) return { status: 404, body: { error: 'Not Found', status: 404, message: 'subscription not found' } };
    this.eventSubSubscriptions.splice(index, 1);
    return { status: 204 };
  }

  private streams(request: RecordedRequest): FakeReply {
    if (!this.accessTokens.has(bearer(request) ?? '') || request.headers['client-id'] !== this.clientId) {
      return { status: 401, body: { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' } };
    }
    // A user who is not live is simply absent from `data`.
    const data = request.query.getAll('user_id').flatMap((userId) => {
      const live = this.liveStreams.get(userId);
      return live ? [{ id: live.id, user_id: userId, user_login: 'x', user_name: 'x', game_id: '1', game_name: 'Game', type: 'live', title: 't', tags: [], viewer_count: live.viewerCount, started_at: new Date().toISOString(), language: 'en', thumbnail_url: '', tag_ids: [], is_mature: false }] : [];
    });
    return { status: 200, body: { data, pagination: {} } };
  }

  private users(request: RecordedRequest): FakeReply {
    const grant = this.accessTokens.get(bearer(request) ?? '');
    if (!grant || request.headers['client-id'] !== this.clientId) {
      return { status: 401, body: { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' } };
    }
    const { user } = grant;
    return {
      status: 200,
      body: {
        data: [
          {
            id: user.id,
            login: user.login,
            display_name: user.displayName,
            type: '',
            broadcaster_type: 'affiliate',
            description: '',
            profile_image_url: '',
            offline_image_url: '',
            view_count: 0,
            created_at: '2016-12-14T20:32:28Z',
          },
        ],
      },
    };
  }
}
