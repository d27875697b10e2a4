import { randomBytes } from 'node:crypto';

import { FakeHttpServer, type FakeReply, type RecordedRequest, bearer } from './fake-http-server';
import { type FakeLiveChat, FakeLiveChats, listLiveChatMessages } from './fake-youtube-live-chat';
import { FakeYouTubeVideos } from './fake-youtube-videos';
import { googleError } from './google-error';

export { googleError };

export interface FakeYouTubeChannel {
  id: string;
  title: string;
}

/** `persistent`: the channel's "Go live now" broadcast; `event`: one scheduled in Studio (youtube.md §2.2). */
export type FakeBroadcastType = 'event' | 'persistent';

/** `status.lifeCycleStatus` of a liveBroadcast (youtube.md §2.2). */
export type FakeLifeCycleStatus = 'created' | 'ready' | 'testing' | 'testStarting' | 'liveStarting' | 'live' | 'complete' | 'revoked';

export interface FakeLiveBroadcast {
  /** The broadcast id, which is also its video id. */
  id: string;
  channelId: string;
  broadcastType: FakeBroadcastType;
  lifeCycleStatus: FakeLifeCycleStatus;
  liveChatId: string;
  actualStartTime: string | null;
}

interface Grant {
  channel: FakeYouTubeChannel | null;
  scope: string;
}

/** The query a hub sends to verify intent (youtube.md §2.1), ready for supertest's `.query()`. */
export type FakeHubVerification = Record<string, string>;

const READONLY = 'https://www.googleapis.com/auth/youtube.readonly';

/** Scopes that let a token read YouTube (youtube.md §1.5). */
export const YOUTUBE_READ_SCOPES = [READONLY, 'https://www.googleapis.com/auth/youtube.force-ssl', 'https://www.googleapis.com/auth/youtube'];

/**
 * YouTube Data API units per call (youtube.md §4). Google's table does not list liveBroadcasts.list
 * (public code says 1, 5 or 50): 5 is this fake's choice, not a documented figure.
 */
export const YOUTUBE_QUOTA_COST = {
  'channels.list': 1,
  'videos.list': 1,
  'liveBroadcasts.list': 5,
  'liveChatMessages.list': 5,
  'liveChatMessages.streamList': 5,
} as const;

const BROADCAST_PARTS = new Set(['id', 'snippet', 'contentDetails', 'monetizationDetails', 'status']);
const BROADCAST_STATUSES: Record<string, FakeLifeCycleStatus[]> = {
  active: ['testStarting', 'testing', 'liveStarting', 'live'],
  upcoming: ['created', 'ready'],
  completed: ['complete'],
  all: ['created', 'ready', 'testStarting', 'testing', 'liveStarting', 'live', 'complete', 'revoked'],
};

/**
 * A strict fake of Google OAuth 2.0, the WebSub hub and the YouTube Data API v3 calls this service
 * makes. Base URLs: `baseUrl` (OAuth), `youtubeApiBaseUrl`, `hubUrl`. A request that breaks one of
 * these rules gets Google's error, so the test that made it fails:
 *
 * - Consent URL (§1.2, `authorize()`): Google's endpoint, our client_id, the registered redirect_uri,
 *   `response_type=code`, space-delimited full scope URLs with a YouTube scope; a refresh token only
 *   with `access_type=offline`.
 * - OAuth token (§1.3): `client_id`/`client_secret` in the form body (else 401 invalid_client);
 *   authorization codes are single-use (second use → 400 invalid_grant) and bound to the redirect_uri
 *   they were issued for (another → 400 redirect_uri_mismatch); refresh tokens look like Google's
 *   (`1//0g…` with `-`, `_` and `/`) and must arrive byte-exact after form encoding; a refresh returns
 *   no new refresh token; `scope` is a space-separated string; access tokens die after
 *   `accessTokenLifetimeSeconds`.
 * - Revoke (§1.4): form `token=` (access or refresh token) kills the whole grant; unknown → 400.
 * - API auth: `Authorization: Bearer <live access token>` (else 401 authError); the grant needs a
 *   YouTube scope (§1.5; else 403 insufficientPermissions — Google answers 403, not 401, for scope).
 * - Quota (§4): every authenticated API request is charged to the project, invalid ones included:
 *   channels.list 1, videos.list 1, liveChatMessages.list 5, streamList 5 per connection,
 *   liveBroadcasts.list 5 (unconfirmed by Google; this fake's choice). Past `dailyQuotaLimit` →
 *   403 quotaExceeded and nothing is charged. Handlers call `chargeQuota(units)`.
 * - liveBroadcasts.list (§2.2): `part` required (400 required), parts only id, snippet,
 *   contentDetails, monetizationDetails, status; exactly one filter of `broadcastStatus`, `id`, `mine`
 *   (none → 400 missingRequiredParameter, several → 400 incompatibleParameters); `broadcastStatus` in
 *   active|all|completed|upcoming; `broadcastType` in all|event|persistent and **defaults to event**,
 *   so a persistent ("Go live now") broadcast is invisible without `broadcastType=all`; `maxResults`
 *   0–50 (default 5); only the token owner's broadcasts. `active` covers testStarting, testing,
 *   liveStarting and live (this fake's reading of Google's "current live broadcasts": a preview is
 *   current too), so a caller must pick by `status.lifeCycleStatus`.
 * - videos.list (§2.3): the rules listed on FakeYouTubeVideos (fake-youtube-videos.ts): API key or
 *   bearer, 1 unit, `part` required, ≤50 ids, `concurrentViewers` as a string and `activeLiveChatId`
 *   only while live, `actualEndTime` after the end.
 * - liveChatMessages.list (§3.1): the rules listed on `listLiveChatMessages` (fake-youtube-live-chat.ts):
 *   `part`, `maxResults` 200–2000, page tokens, 403 rateLimitExceeded when polled sooner than
 *   `pollingIntervalMillis`, `offlineAt` + `chatEndedEvent` once the chat ends. streamList: see
 *   FakeYouTubeChatStream.
 * - channels.list: `part` required; `mine=true` is the only filter this fake serves.
 * - WebSub hub (§2.1): form POST with `hub.mode` subscribe|unsubscribe, `hub.topic`, `hub.callback`;
 *   `hub.secret` under 200 bytes; else 400 with a plain reason; accepted → 202.
 * - Errors: API errors as `googleError()`; OAuth errors as `{ error, error_description }`. The
 *   reasons incompatibleParameters, quotaExceeded, authError, insufficientPermissions and
 *   invalid_grant are Google's (youtube.md, client code); required, missingRequiredParameter,
 *   unknownPart, invalidValue and redirect_uri_mismatch are this fake's best reading.
 */
export class FakeGoogle extends FakeHttpServer {
  private readonly codes = new Map<string, { grant: Grant; redirectUri: string; offline: boolean }>();
  private readonly accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly broadcastsById = new Map<string, FakeLiveBroadcast>();
  /** Replies to play instead of the real answer, once each, per request path. */
  private readonly injectedReplies = new Map<string, FakeReply[]>();
  /** Form bodies of the (un)subscribe requests the hub accepted, oldest first. */
  private readonly hubAccepted: Record<string, string>[] = [];
  /** Live chats, shared by liveChatMessages.list here and streamList in FakeYouTubeChatStream. */
  readonly liveChats = new FakeLiveChats();
  /** What each liveChatMessages.list answer asks the poller to wait; a sooner poll is 403 rateLimitExceeded. */
  pollingIntervalMillis = 100;
  accessTokenLifetimeSeconds = 3599;
  /** The project's daily quota (Google's default is 10,000 units). */
  dailyQuotaLimit = 10_000;
  /** Units charged to the project so far (today). */
  quotaUnitsUsed = 0;
  /** videos.list; `videos.setConcurrentViewers(videoId, n)` sets what a live video reports, `videos.apiKey` is the key it accepts. */
  readonly videos = new FakeYouTubeVideos({
    broadcast: (id) => this.broadcastsById.get(id),
    chargeQuota: (units) => this.chargeQuota(units),
    youtubeGrant: (request) => this.youtubeGrant(request),
    error: googleError,
  });

  constructor(
    readonly clientId = 'fake-google-client-id.apps.googleusercontent.com',
    readonly clientSecret = 'fake-google-client-secret-456',
    /** The redirect URI registered for the client: codes from `issueCode` are bound to it. */
    readonly redirectUri = 'https://dashboard.example.com/linked',
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

  /**
   * A code as the consent redirect would carry it. `channel: null` plays a Google account without a
   * YouTube channel; `scope` is space-separated (default youtube.readonly).
   */
  issueCode(channel: FakeYouTubeChannel | null, options: { scope?: string; redirectUri?: string } = {}): string {
    const code = `4/0${randomBytes(20).toString('base64url')}`;
    this.codes.set(code, { grant: { channel, scope: options.scope ?? READONLY }, redirectUri: options.redirectUri ?? this.redirectUri, offline: true });
    return code;
  }

  /**
   * Plays the consent screen for the authorization URL the app hands out (youtube.md §1.2) and returns
   * what Google appends to the redirect: a code bound to that redirect_uri, and the state. Throws, failing
   * the test, when the URL breaks a rule: Google's endpoint, our client_id, the registered redirect_uri
   * (exact), `response_type=code`, a space-delimited `scope` with full scope URLs (or openid/email/profile)
   * including a YouTube scope, `prompt` and `access_type` values Google knows. Without
   * `access_type=offline` the exchange returns no refresh token, as Google's default `online` does.
   */
  authorize(authorizationUrl: string, channel: FakeYouTubeChannel | null): { code: string; state: string | null } {
    const url = new URL(authorizationUrl);
    const q = url.searchParams;
    const broken = (rule: string) => new Error(`FakeGoogle: the authorization URL breaks a rule: ${rule} (${authorizationUrl})`);
    if (`${url.origin}${url.pathname}` !== this.authorizationUrl) throw broken(`not ${this.authorizationUrl}`);
    if (q.get('client_id') !== this.clientId) throw broken('client_id is not this client');
    if (q.get('redirect_uri') !== this.redirectUri) throw broken('redirect_uri is not the registered one');
    if (q.get('response_type') !== 'code') throw broken('response_type must be code');
    const scopes = (q.get('scope') ?? '').split(' ');
    if (scopes.some((s) => !/^https:\/\/www\.googleapis\.com\/auth\/[\w.-]+$/.test(s) && !['openid', 'email', 'profile'].includes(s))) throw broken('scope must be space-delimited full scope URLs');
    if (!scopes.some((s) => YOUTUBE_READ_SCOPES.includes(s))) throw broken('no YouTube scope');
    const accessType = q.get('access_type') ?? 'online';
    if (!['online', 'offline'].includes(accessType)) throw broken('access_type must be online or offline');
    if ((q.get('prompt') ?? '').split(' ').some((p) => p && !['none', 'consent', 'select_account'].includes(p))) throw broken('unknown prompt');
    const code = `4/0${randomBytes(20).toString('base64url')}`;
    this.codes.set(code, { grant: { channel, scope: scopes.join(' ') }, redirectUri: this.redirectUri, offline: accessType === 'offline' });
    return { code, state: q.get('state') };
  }

  /**
   * The channel goes live: broadcast `broadcastId` of `broadcastType` (default `persistent`, the
   * "Go live now" broadcast) in `lifeCycleStatus` (default `live`), with chat `chat-<broadcastId>`.
   * Calling it again for the same id updates that broadcast.
   */
  setLive(channelId: string, broadcastId: string, options: { broadcastType?: FakeBroadcastType; lifeCycleStatus?: FakeLifeCycleStatus } = {}): FakeLiveBroadcast {
    const existing = this.broadcastsById.get(broadcastId);
    const broadcast: FakeLiveBroadcast = {
      id: broadcastId,
      channelId,
      broadcastType: options.broadcastType ?? existing?.broadcastType ?? 'persistent',
      lifeCycleStatus: options.lifeCycleStatus ?? 'live',
      liveChatId: `chat-${broadcastId}`,
      actualStartTime: existing?.actualStartTime ?? new Date().toISOString(),
    };
    this.broadcastsById.set(broadcastId, broadcast);
    return broadcast;
  }

  /** Moves a broadcast to another lifeCycleStatus (e.g. `complete` when the stream ends). */
  setBroadcastStatus(broadcastId: string, lifeCycleStatus: FakeLifeCycleStatus): void {
    const broadcast = this.broadcastsById.get(broadcastId);
    if (!broadcast) throw new Error(`FakeGoogle: no broadcast ${broadcastId}`);
    broadcast.lifeCycleStatus = lifeCycleStatus;
  }

  /** Every broadcast the fake knows, for handlers that describe them (e.g. videos.list). */
  broadcasts(): FakeLiveBroadcast[] {
    return [...this.broadcastsById.values()];
  }

  /**
   * Charges `units` to the project's daily quota: null when charged, or the 403 quotaExceeded reply
   * to send (nothing charged) once the day's limit would be passed (youtube.md §4).
   */
  chargeQuota(units: number): FakeReply | null {
    if (this.quotaUnitsUsed + units > this.dailyQuotaLimit) {
      return googleError(403, 'quotaExceeded', 'The request cannot be completed because you have exceeded your quota.', 'youtube.quota');
    }
    this.quotaUnitsUsed += units;
    return null;
  }

  /**
   * The grant behind the request's bearer token, or the reply Google sends when there is none: 401
   * authError for a missing, unknown, expired or revoked token, 403 insufficientPermissions when the
   * grant has no YouTube scope.
   */
  youtubeGrant(request: RecordedRequest): { grant: Grant } | { reply: FakeReply } {
    const token = this.accessTokens.get(bearer(request) ?? '');
    if (!token || token.expiresAt <= Date.now()) {
      return { reply: googleError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token.', 'global') };
    }
    if (!token.grant.scope.split(' ').some((s) => YOUTUBE_READ_SCOPES.includes(s))) {
      return { reply: googleError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', 'global') };
    }
    return { grant: token.grant };
  }

  /**
   * What the hub would send to verify the latest (un)subscribe request it got for `topic`: the query
   * of its GET to the callback (youtube.md §2.1), with a fresh challenge.
   */
  hubVerification(topic: string, mode: 'subscribe' | 'unsubscribe' = 'subscribe'): FakeHubVerification {
    const sent = [...this.hubAccepted].reverse().find((body) => body['hub.topic'] === topic && body['hub.mode'] === mode);
    if (!sent) throw new Error(`FakeGoogle: no accepted ${mode} request for ${topic}`);
    return {
      'hub.mode': mode,
      'hub.topic': topic,
      'hub.challenge': randomBytes(10).toString('hex'),
      ...(mode === 'subscribe' ? { 'hub.lease_seconds': sent['hub.lease_seconds'] || '432000' } : {}),
      ...(sent['hub.verify_token'] ? { 'hub.verify_token': sent['hub.verify_token'] } : {}),
    };
  }

  /**
   * The next request to `path` (e.g. `/youtube/v3/liveBroadcasts`) gets `reply` instead of its real
   * answer: an error Google documents but the fake cannot provoke (e.g. `googleError(403, 'forbidden', …)`).
   */
  failNext(path: string, reply: FakeReply): void {
    this.injectedReplies.set(path, [...(this.injectedReplies.get(path) ?? []), reply]);
  }

  /** Every access token expires now (a test of refresh-on-401). */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.expiresAt = 0;
  }

  /** Appends `liveChatMessage` resources to the chat (ids assigned when missing); polls and streams serve them. */
  pushChat(liveChatId: string, items: unknown[]): Record<string, unknown>[] {
    return this.liveChats.push(liveChatId, items);
  }

  /** The stream went offline: a `chatEndedEvent` follows and every later answer carries `offlineAt`. */
  endChat(liveChatId: string): void {
    this.liveChats.end(liveChatId);
  }

  /** The chat `liveChatId` if it exists: opened by a push, or the chat of a broadcast set live. */
  liveChat(liveChatId: string): FakeLiveChat | undefined {
    const chat = this.liveChats.get(liveChatId);
    if (chat) return chat;
    return this.broadcasts().some((b) => b.liveChatId === liveChatId) ? this.liveChats.open(liveChatId) : undefined;
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
    const injected = this.injectedReplies.get(request.path)?.shift();
    if (injected) return injected;
    switch (`${request.method} ${request.path}`) {
      case 'POST /token':
        return this.token(request);
      case 'POST /revoke':
        return this.revoke(request);
      case 'GET /youtube/v3/channels':
        return this.channels(request);
      case 'GET /youtube/v3/videos':
        return this.videos.list(request);
      case 'GET /youtube/v3/liveBroadcasts':
        return this.listBroadcasts(request);
      case 'GET /youtube/v3/liveChat/messages':
        return this.chatMessages(request);
      case 'POST /hub/subscribe':
        return this.hubSubscribe(request);
      default:
        return googleError(404, 'notFound', `No handler for ${request.method} ${request.path}`, 'global');
    }
  }

  private token(request: RecordedRequest): FakeReply {
    const { body } = request;
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    }
    if (body.grant_type === 'authorization_code') {
      const issued = this.codes.get(body.code);
      // Single use: the code is gone once presented, whatever happens next.
      this.codes.delete(body.code);
      if (!issued) return { status: 400, body: { error: 'invalid_grant', error_description: 'Malformed auth code.' } };
      if (body.redirect_uri !== issued.redirectUri) return { status: 400, body: { error: 'redirect_uri_mismatch', error_description: 'Bad Request' } };
      const accessToken = this.newAccessToken(issued.grant);
      const tokens = { access_token: accessToken, expires_in: this.accessTokenLifetimeSeconds, scope: issued.grant.scope, token_type: 'Bearer' };
      // A refresh token only for offline access (§1.2).
      if (!issued.offline) return { status: 200, body: tokens };
      const refreshToken = `1//0g${randomBytes(12).toString('base64url')}-_/${randomBytes(12).toString('base64url')}`;
      this.refreshTokens.set(refreshToken, issued.grant);
      return { status: 200, body: { ...tokens, refresh_token: refreshToken } };
    }
    if (body.grant_type === 'refresh_token') {
      const grant = this.refreshTokens.get(body.refresh_token);
      if (!grant) return { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
      const accessToken = this.newAccessToken(grant);
      return { status: 200, body: { access_token: accessToken, expires_in: this.accessTokenLifetimeSeconds, scope: grant.scope, token_type: 'Bearer' } };
    }
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
  }

  private newAccessToken(grant: Grant): string {
    const accessToken = `ya29.${randomBytes(20).toString('base64url')}`;
    this.accessTokens.set(accessToken, { grant, expiresAt: Date.now() + this.accessTokenLifetimeSeconds * 1000 });
    return accessToken;
  }

  private revoke(request: RecordedRequest): FakeReply {
    const token = request.body.token;
    const grant = this.refreshTokens.get(token) ?? this.accessTokens.get(token)?.grant;
    if (!grant) return { status: 400, body: { error: 'invalid_token', error_description: 'Token expired or revoked' } };
    for (const [key, value] of this.refreshTokens) if (value === grant) this.refreshTokens.delete(key);
    for (const [key, value] of this.accessTokens) if (value.grant === grant) this.accessTokens.delete(key);
    return { status: 200 };
  }

  private hubSubscribe(request: RecordedRequest): FakeReply {
    const { body } = request;
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return { status: 400, body: 'Invalid request: not a form post' };
    if (!['subscribe', 'unsubscribe'].includes(body['hub.mode'] ?? '')) return { status: 400, body: 'Invalid value for hub.mode' };
    if (!body['hub.topic']) return { status: 400, body: 'Invalid value for hub.topic' };
    if (!/^https?:\/\//.test(body['hub.callback'] ?? '')) return { status: 400, body: 'Invalid value for hub.callback' };
    if (Buffer.byteLength(body['hub.secret'] ?? '') >= 200) return { status: 400, body: 'Invalid value for hub.secret' };
    // Accepted; verification of intent follows asynchronously (tests play it with hubVerification()).
    this.hubAccepted.push(body);
    return { status: 202 };
  }

  /** liveChatMessages.list (youtube.md §3.1): auth, 5 units, then the rules of listLiveChatMessages. */
  private chatMessages(request: RecordedRequest): FakeReply {
    const auth = this.youtubeGrant(request);
    if ('reply' in auth) return auth.reply;
    const overQuota = this.chargeQuota(YOUTUBE_QUOTA_COST['liveChatMessages.list']);
    if (overQuota) return overQuota;
    this.liveChat(request.query.get('liveChatId') ?? '');
    return listLiveChatMessages(this.liveChats, request.query, this.pollingIntervalMillis);
  }

  private listBroadcasts(request: RecordedRequest): FakeReply {
    const auth = this.youtubeGrant(request);
    if ('reply' in auth) return auth.reply;
    const overQuota = this.chargeQuota(YOUTUBE_QUOTA_COST['liveBroadcasts.list']);
    if (overQuota) return overQuota;
    const { query } = request;
    const part = query.get('part');
    if (!part) return googleError(400, 'required', 'Required parameter: part');
    const unknownPart = part.split(',').find((p) => !BROADCAST_PARTS.has(p.trim()));
    if (unknownPart !== undefined) return googleError(400, 'unknownPart', `'${unknownPart}'`);
    const filters = ['broadcastStatus', 'id', 'mine'].filter((f) => query.has(f));
    if (filters.length === 0) return googleError(400, 'missingRequiredParameter', 'No filter selected. Expected one of: broadcastStatus, id, mine');
    if (filters.length > 1) return googleError(400, 'incompatibleParameters', `Incompatible parameters specified in the request: ${filters.join(', ')}`);
    const broadcastType = query.get('broadcastType') ?? 'event';
    if (!['all', 'event', 'persistent'].includes(broadcastType)) return googleError(400, 'invalidValue', `Invalid value for broadcastType: ${broadcastType}`);
    const maxResults = Number(query.get('maxResults') ?? '5');
    if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 50) return googleError(400, 'invalidValue', 'maxResults must be between 0 and 50');

    let statuses = BROADCAST_STATUSES.all;
    let ids: string[] | null = null;
    if (filters[0] === 'broadcastStatus') {
      const wanted = BROADCAST_STATUSES[query.get('broadcastStatus') ?? ''];
      if (!wanted) return googleError(400, 'invalidValue', `Invalid value for broadcastStatus: ${query.get('broadcastStatus')}`);
      statuses = wanted;
    } else if (filters[0] === 'id') {
      ids = (query.get('id') ?? '').split(',');
    } else if (query.get('mine') !== 'true') {
      return googleError(400, 'invalidValue', 'Invalid value for mine');
    }
    const channelId = auth.grant.channel?.id;
    const items = this.broadcasts()
      .filter((b) => b.channelId === channelId && statuses.includes(b.lifeCycleStatus) && (ids === null || ids.includes(b.id)))
      .filter((b) => broadcastType === 'all' || b.broadcastType === broadcastType)
      .slice(0, maxResults)
      .map((b) => ({
        kind: 'youtube#liveBroadcast',
        etag: `etag-${b.id}`,
        id: b.id,
        snippet: { channelId: b.channelId, title: 'Live', actualStartTime: b.actualStartTime, isDefaultBroadcast: b.broadcastType === 'persistent', liveChatId: b.liveChatId },
        status: { lifeCycleStatus: b.lifeCycleStatus, privacyStatus: 'public' },
      }));
    return { status: 200, body: { kind: 'youtube#liveBroadcastListResponse', etag: 'etag', pageInfo: { totalResults: items.length, resultsPerPage: maxResults }, items } };
  }

  private channels(request: RecordedRequest): FakeReply {
    const auth = this.youtubeGrant(request);
    if ('reply' in auth) return auth.reply;
    const overQuota = this.chargeQuota(YOUTUBE_QUOTA_COST['channels.list']);
    if (overQuota) return overQuota;
    if (!request.query.get('part')) return googleError(400, 'required', 'Required parameter: part');
    if (request.query.get('mine') !== 'true') return googleError(400, 'missingRequiredParameter', 'No filter selected. Expected one of: mine');
    const channel = auth.grant.channel;
    const items = channel ? [{ kind: 'youtube#channel', etag: 'etag', id: channel.id, snippet: { title: channel.title } }] : [];
    return { status: 200, body: { kind: 'youtube#channelListResponse', etag: 'etag', pageInfo: { totalResults: items.length, resultsPerPage: 5 }, items } };
  }
}
