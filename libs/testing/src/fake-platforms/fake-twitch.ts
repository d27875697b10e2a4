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

/** A token as Helix sees it: who issued it, and whose it is (null for an app token). */
interface IssuedToken {
  clientId: string;
  grant: Grant | null;
}

/**
 * Plays Twitch's OAuth server (id.twitch.tv/oauth2: token, validate, revoke) and the Helix calls
 * this service makes, as strict as twitch.md says Twitch is. Base URLs: `${baseUrl}/oauth2` and
 * `${baseUrl}/helix`. Enforced rules (a request that breaks one gets Twitch's error answer):
 *
 * OAuth (twitch.md §1)
 * - token requests are form-encoded; a wrong client id/secret → 403 `invalid client secret`.
 * - authorization codes are single-use and need `redirect_uri` → 400 `Invalid authorization code`.
 * - refresh tokens rotate: each use mints a new one and the old one is dead → 400 `Invalid refresh token`.
 *   Refresh tokens contain `%`, `/`, `=` and `+`, so a client that does not URL-encode the form loses them.
 * - client credentials give an app token with no refresh token; validate accepts `OAuth ` (and `Bearer `).
 *
 * Helix (twitch.md §2)
 * - every call needs `Authorization: Bearer` and a `Client-Id` equal to the client that issued the
 *   token → 401 `Client ID and OAuth token do not match` / `Invalid OAuth token`.
 * - Get Streams: app or user token; ≤100 `user_id` and ≤100 `user_login` → 400; `type` all|live;
 *   `first` 1–100, **default 20**: a page holds at most `first` streams (the rest behind a cursor);
 *   users who are not live are absent from `data`.
 * - Get Users: app or user token; with an app token at least one `id`/`login` → 400.
 * - EventSub subscriptions (create/list/delete) for webhooks: app token only → 401; create answers
 *   409 for a duplicate (same type + version + condition + callback), 400 for a secret outside 10–100
 *   ASCII characters, 202 on success. Create knows the types of EVENTSUB_TYPES only: another type, or a
 *   version Twitch does not offer for it → 400; a condition without exactly the type's fields (channel.raid:
 *   exactly one of to/from) → 400; for the types listed with scopes, a user (named by the condition field)
 *   who has not granted one of them to this client → 403 `subscription missing proper authorization`.
 * - every Helix answer carries `Ratelimit-Limit`, `Ratelimit-Remaining`, `Ratelimit-Reset` (epoch
 *   seconds); the bucket is per client for app tokens and per client + user for user tokens, refills
 *   fully every `rateLimitWindowMs`, and an empty bucket answers 429 (§2.7).
 * - error bodies are `{error, status, message}`.
 */
export class FakeTwitch extends FakeHttpServer {
  private readonly codes = new Map<string, Grant>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly liveStreams = new Map<string, { id: string; viewerCount: number; startedAt: string }>();
  private readonly buckets = new Map<string, { remaining: number; resetAt: number }>();
  /** EventSub subscriptions created with an app token, as Get EventSub Subscriptions lists them. */
  readonly eventSubSubscriptions: FakeEventSubSubscription[] = [];
  /** The next N create calls answer 429. */
  rateLimitCreates = 0;
  /** Delay before answering a refresh, to widen race windows in tests. */
  refreshDelayMs = 0;
  accessTokenLifetimeSeconds = 14_124;
  /** Helix points per bucket and window (Twitch: 800 a minute); setRateLimit shrinks them to reach the 429. */
  private rateLimitBucketSize = 800;
  private rateLimitWindowMs = 60_000;
  /** 429s served so far (empty bucket). */
  rateLimited = 0;

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

  /** What the consent screen would hand back on the redirect for this user, who granted `scopes`. */
  issueCode(user: FakeTwitchUser, scopes = LINK_SCOPES): string {
    const code = randomBytes(15).toString('hex');
    this.codes.set(code, { user, scopes });
    return code;
  }

  /** Makes the platform forget an access token early (as a password change would). */
  invalidateAccessToken(token: string): void {
    this.tokens.delete(token);
  }

  invalidateRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  /** Helix bucket size and refill window for every bucket from now on (existing buckets start full). */
  setRateLimit(points = 800, windowMs = 60_000): void {
    this.rateLimitBucketSize = points;
    this.rateLimitWindowMs = windowMs;
    this.buckets.clear();
  }

  /** Get Streams will report this user live. */
  setLive(userId: string, streamId: string, viewerCount = 100): void {
    this.liveStreams.set(userId, { id: streamId, viewerCount, startedAt: new Date().toISOString() });
  }

  /** The live user's `viewer_count` from now on (Get Streams). */
  setViewerCount(userId: string, viewerCount: number): void {
    const live = this.liveStreams.get(userId);
    if (!live) throw new Error(`fake Twitch: user ${userId} is not live`);
    live.viewerCount = viewerCount;
  }

  setOffline(userId: string): void {
    this.liveStreams.delete(userId);
  }

  /** User access tokens only (app tokens are not the creators'). */
  issuedAccessTokens(): string[] {
    return [...this.tokens].filter(([, token]) => token.grant).map(([value]) => value);
  }

  issuedRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  /** Get Streams calls answered so far (any status). */
  streamsCalls(): RecordedRequest[] {
    return this.requestsTo('/helix/streams');
  }

  protected async route(request: RecordedRequest): Promise<FakeReply> {
    if (request.path.startsWith('/helix/')) return this.helix(request);
    switch (`${request.method} ${request.path}`) {
      case 'POST /oauth2/token':
        return this.token(request);
      case 'GET /oauth2/validate':
        return this.validate(request);
      case 'POST /oauth2/revoke':
        return this.revoke(request);
      default:
        return error(404, 'unknown endpoint');
    }
  }

  /** Authentication, then the rate-limit bucket, then the endpoint; every answer carries the bucket's headers. */
  private helix(request: RecordedRequest): FakeReply {
    const value = bearer(request);
    const token = value ? this.tokens.get(value) : undefined;
    if (!token) return error(401, 'Invalid OAuth token');
    if (request.headers['client-id'] !== token.clientId) return error(401, 'Client ID and OAuth token do not match');
    const bucket = this.bucketFor(token);
    const headers = () => ({
      'Ratelimit-Limit': String(this.rateLimitBucketSize),
      'Ratelimit-Remaining': String(bucket.remaining),
      'Ratelimit-Reset': String(Math.ceil(bucket.resetAt / 1000)),
    });
    if (bucket.remaining <= 0) {
      this.rateLimited += 1;
      return { ...error(429, 'Too Many Requests'), headers: headers() };
    }
    bucket.remaining -= 1;
    return { ...this.helixEndpoint(request, token), headers: headers() };
  }

  private helixEndpoint(request: RecordedRequest, token: IssuedToken): FakeReply {
    switch (`${request.method} ${request.path}`) {
      case 'GET /helix/users':
        return this.users(request, token);
      case 'GET /helix/streams':
        return this.streams(request);
      case 'GET /helix/eventsub/subscriptions':
        return token.grant ? error(401, 'An app access token is required') : this.listSubscriptions();
      case 'POST /helix/eventsub/subscriptions':
        return token.grant ? error(401, 'An app access token is required') : this.createSubscription(request);
      case 'DELETE /helix/eventsub/subscriptions':
        return token.grant ? error(401, 'An app access token is required') : this.deleteSubscription(request);
      default:
        return error(404, 'unknown endpoint');
    }
  }

  private bucketFor(token: IssuedToken): { remaining: number; resetAt: number } {
    const key = token.grant ? `${token.clientId}:${token.grant.user.id}` : token.clientId;
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.resetAt <= now) {
      bucket = { remaining: this.rateLimitBucketSize, resetAt: now + this.rateLimitWindowMs };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private async token(request: RecordedRequest): Promise<FakeReply> {
    const { body } = request;
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) return error(403, 'invalid client secret');
    if (body.grant_type === 'authorization_code') {
      const grant = this.codes.get(body.code);
      this.codes.delete(body.code);
      if (!grant || !body.redirect_uri) return error(400, 'Invalid authorization code');
      return { status: 200, body: this.mint(grant) };
    }
    if (body.grant_type === 'client_credentials') {
      const token = randomBytes(15).toString('base64url');
      this.tokens.set(token, { clientId: this.clientId, grant: null });
      return { status: 200, body: { access_token: token, expires_in: 5011271, token_type: 'bearer' } };
    }
    if (body.grant_type === 'refresh_token') {
      if (this.refreshDelayMs) await new Promise((resolve) => setTimeout(resolve, this.refreshDelayMs));
      const grant = this.refreshTokens.get(body.refresh_token);
      if (!grant) return error(400, 'Invalid refresh token');
      this.refreshTokens.delete(body.refresh_token);
      return { status: 200, body: this.mint(grant) };
    }
    return error(400, 'Invalid grant type');
  }

  private mint(grant: Grant): Record<string, unknown> {
    const accessToken = randomBytes(15).toString('base64url');
    // Real refresh tokens may hold %, / and = (twitch.md §1.2); base64 adds + and /, which form decoding turns into a space.
    const refreshToken = `${randomBytes(12).toString('base64')}%2F/${randomBytes(12).toString('base64')}+=`;
    this.tokens.set(accessToken, { clientId: this.clientId, grant });
    this.refreshTokens.set(refreshToken, grant);
    return { access_token: accessToken, expires_in: this.accessTokenLifetimeSeconds, refresh_token: refreshToken, scope: grant.scopes, token_type: 'bearer' };
  }

  private validate(request: RecordedRequest): FakeReply {
    const token = this.tokens.get(bearer(request, 'OAuth') ?? bearer(request) ?? '');
    if (!token) return { status: 401, body: { status: 401, message: 'invalid access token' } };
    const user = token.grant ? { login: token.grant.user.login, user_id: token.grant.user.id } : {};
    return { status: 200, body: { client_id: token.clientId, ...user, scopes: token.grant?.scopes ?? [], expires_in: 5000 } };
  }

  private revoke(request: RecordedRequest): FakeReply {
    if (request.body.client_id !== this.clientId) return { status: 404, body: { status: 404, message: 'client does not exist' } };
    if (!this.tokens.delete(request.body.token)) return { status: 400, body: { status: 400, message: 'Invalid token' } };
    return { status: 200 };
  }

  private listSubscriptions(): FakeReply {
    const data = this.eventSubSubscriptions;
    return { status: 200, body: { data, total: data.length, total_cost: data.length, max_total_cost: 10000, pagination: {} } };
  }

  private createSubscription(request: RecordedRequest): FakeReply {
    if (this.rateLimitCreates > 0) {
      this.rateLimitCreates -= 1;
      return error(429, 'rate limited');
    }
    const body = request.body as unknown as { type: string; version: string; condition: Record<string, string>; transport: { method: string; callback: string; secret: string } };
    const secret = body.transport?.secret;
    if (typeof secret !== 'string' || secret.length < 10 || secret.length > 100 || !/^[\x20-\x7e]+$/.test(secret)) {
      return error(400, 'transport.secret must be 10-100 ASCII characters');
    }
    const duplicate = this.eventSubSubscriptions.some(
      (s) => s.type === body.type && s.version === body.version && sameCondition(s.condition, body.condition) && s.transport.callback === body.transport.callback,
    );
    const refusal = this.checkType(body.type, body.version, body.condition);
    if (refusal) return refusal;
    if (duplicate) return error(409, 'subscription already exists');
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

  /** Twitch's checks of type, version, condition and authorization for a new subscription (see EVENTSUB_TYPES). */
  private checkType(type: unknown, version: unknown, condition: unknown): FakeReply | null {
    const rule = typeof type === 'string' ? EVENTSUB_TYPES[type] : undefined;
    if (!rule || version !== rule.version) return error(400, 'The combination of values in the type and version fields is not valid');
    if (condition === null || typeof condition !== 'object') return error(400, 'condition is required');
    const fields = Object.keys(condition).sort();
    const values = Object.values(condition as Record<string, unknown>);
    const fits = rule.condition.some((set) => set.length === fields.length && [...set].sort().every((field, i) => field === fields[i]));
    if (!fits || !values.every((v) => typeof v === 'string' && v.length > 0)) {
      return error(400, `condition must have exactly ${rule.condition.map((set) => set.join(' + ')).join(' or ')}`);
    }
    for (const need of rule.scopes ?? []) {
      const granted = this.grantedScopes((condition as Record<string, string>)[need.of]);
      if (!need.anyOf.some((scope) => granted.has(scope))) return error(403, 'subscription missing proper authorization');
    }
    return null;
  }

  /** Every scope `userId` has granted this client through a token that is still alive. */
  private grantedScopes(userId: string): Set<string> {
    const grants = [...this.refreshTokens.values(), ...[...this.tokens.values()].map((token) => token.grant)];
    return new Set(grants.filter((grant) => grant?.user.id === userId).flatMap((grant) => grant?.scopes ?? []));
  }

  private deleteSubscription(request: RecordedRequest): FakeReply {
    const id = request.query.get('id');
    if (!id) return error(400, 'Missing required parameter "id"');
    const index = this.eventSubSubscriptions.findIndex((s) => s.id === id);
    if (index < 0) return error(404, 'subscription not found');
    this.eventSubSubscriptions.splice(index, 1);
    return { status: 204 };
  }

  private streams(request: RecordedRequest): FakeReply {
    const userIds = request.query.getAll('user_id');
    if (userIds.length > 100) return error(400, 'The maximum number of user_id query parameters is 100');
    if (request.query.getAll('user_login').length > 100) return error(400, 'The maximum number of user_login query parameters is 100');
    const type = request.query.get('type');
    if (type !== null && type !== 'all' && type !== 'live') return error(400, 'The type query parameter must be all or live');
    const first = Number(request.query.get('first') ?? '20');
    if (!Number.isInteger(first) || first < 1 || first > 100) return error(400, 'The first query parameter must be between 1 and 100');
    // A user who is not live is simply absent from `data`; a page holds at most `first` streams.
    const streams = userIds.flatMap((userId) => {
      const live = this.liveStreams.get(userId);
      return live
        ? [{ id: live.id, user_id: userId, user_login: 'x', user_name: 'x', game_id: '1', game_name: 'Game', type: 'live', title: 't', tags: [], viewer_count: live.viewerCount, started_at: live.startedAt, language: 'en', thumbnail_url: '', tag_ids: [], is_mature: false }]
        : [];
    });
    const data = streams.slice(0, first);
    return { status: 200, body: { data, pagination: streams.length > first ? { cursor: `page-after-${first}` } : {} } };
  }

  private users(request: RecordedRequest, token: IssuedToken): FakeReply {
    const ids = [...request.query.getAll('id'), ...request.query.getAll('login')];
    if (ids.length > 100) return error(400, 'The maximum number of id and login query parameters combined is 100');
    if (!token.grant && ids.length === 0) return error(400, 'An app access token needs an id or login query parameter');
    if (!token.grant) return { status: 200, body: { data: [] } };
    const { user } = token.grant;
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

interface EventSubTypeRule {
  version: string;
  /** Acceptable sets of condition fields (each exact). */
  condition: string[][];
  /**
   * Authorization: every entry must hold — the user in condition field `of` has granted at least one of
   * `anyOf` to this client. Absent or empty: the type needs no user authorization (twitch.md §1.7).
   */
  scopes?: { of: string; anyOf: string[] }[];
}

const own = [['broadcaster_user_id']];
const chatReader = [['broadcaster_user_id', 'user_id']];
const broadcaster = (scope: string) => ({ of: 'broadcaster_user_id', anyOf: [scope] });
/**
 * What a creator grants on the consent screen by default: the scope string twitch.md §1.7 recommends,
 * which lets every first-release subscription type be created (polls, predictions and hype trains not).
 */
export const LINK_SCOPES = ['user:read:chat', 'user:bot', 'channel:bot', 'channel:read:subscriptions', 'bits:read', 'moderator:read:followers'];
const chatReaderScopes = [{ of: 'user_id', anyOf: ['user:read:chat'] }, { of: 'user_id', anyOf: ['user:bot'] }, broadcaster('channel:bot')];

/**
 * The EventSub types and versions the fake accepts (twitch.md §1.7; polls, predictions and hype trains, which
 * twitch.md does not list, from Twitch's subscription-types reference: version 1, `broadcaster_user_id`, the
 * read or manage scope; hype train only as version 2, v1 having been withdrawn).
 */
export const EVENTSUB_TYPES: Readonly<Record<string, EventSubTypeRule>> = {
  'stream.online': { version: '1', condition: own },
  'stream.offline': { version: '1', condition: own },
  'channel.subscribe': { version: '1', condition: own, scopes: [broadcaster('channel:read:subscriptions')] },
  'channel.subscription.message': { version: '1', condition: own, scopes: [broadcaster('channel:read:subscriptions')] },
  'channel.subscription.gift': { version: '1', condition: own, scopes: [broadcaster('channel:read:subscriptions')] },
  'channel.cheer': { version: '1', condition: own, scopes: [broadcaster('bits:read')] },
  'channel.raid': { version: '1', condition: [['to_broadcaster_user_id'], ['from_broadcaster_user_id']] },
  'channel.follow': { version: '2', condition: [['broadcaster_user_id', 'moderator_user_id']], scopes: [{ of: 'moderator_user_id', anyOf: ['moderator:read:followers'] }] },
  // With an app token (webhooks): user:read:chat and user:bot from the reader, channel:bot from the
  // broadcaster (this fake knows no moderators, the other way twitch.md allows).
  'channel.chat.message': { version: '1', condition: chatReader, scopes: chatReaderScopes },
  'channel.chat.notification': { version: '1', condition: chatReader, scopes: chatReaderScopes },
  'user.authorization.revoke': { version: '1', condition: [['client_id']] },
  ...Object.fromEntries(
    [
      ...['begin', 'progress', 'end'].map((phase) => [`channel.poll.${phase}`, '1', ['channel:read:polls', 'channel:manage:polls']] as const),
      ...['begin', 'progress', 'lock', 'end'].map((phase) => [`channel.prediction.${phase}`, '1', ['channel:read:predictions', 'channel:manage:predictions']] as const),
      ...['begin', 'progress', 'end'].map((phase) => [`channel.hype_train.${phase}`, '2', ['channel:read:hype_train']] as const),
    ].map(([type, version, anyOf]) => [type, { version, condition: own, scopes: [{ of: 'broadcaster_user_id', anyOf: [...anyOf] }] }]),
  ),
};

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests' };

/** Twitch's error body: `{error, status, message}`. */
function error(status: number, message: string): FakeReply {
  return { status, body: { error: REASONS[status] ?? 'Error', status, message } };
}

function sameCondition(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  const keys = Object.keys(a).sort();
  return !!b && keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
