import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';

import { EventTopic } from '@lib-stream/contracts';
import { FakeGoogle, FakeTwitch, type TestDatabase, bearerToken, createTestDatabase, dumpMysql, dumpRedis, expectEventually, findLeaks, testRedisUrl, requestIdOf, untilReady } from '@lib-stream/testing';

import { AccessTokenRejectedError } from '../../src/platform-links/oauth/oauth.types';
import { platformFetch } from '../../src/platform-links/oauth/platform-http';
import { TokenRefreshService } from '../../src/platform-links/token-refresh.service';
import { TokenRefreshScheduler } from '../../src/platform-links/token-refresh.worker';
import { type ControlApiUnderTest, capturedLogLines, createControlApi, twitchSettings, youtubeSettings } from './control-api.factory';

const REDIRECT_URI = 'https://dashboard.example.com/streaming/linked';
const CUSTOM_STREAM_KEY = 'live_custom_sk_5f3a9c1e7b';
const CUSTOM_RTMP_URL = `rtmp://ingest.example.net/live/${CUSTOM_STREAM_KEY}`;

describe('platform linking over HTTP, on MariaDB and Redis', () => {
  const twitch = new FakeTwitch();
  // Google binds each code to the redirect_uri it was issued for.
  const google = new FakeGoogle(undefined, undefined, REDIRECT_URI);
  let db: TestDatabase;
  let env: Record<string, string>;
  let sut: ControlApiUnderTest;
  let redis: Redis;
  const responses: string[] = [];
  const events: { channel: string; data: Record<string, unknown> }[] = [];
  const identities: string[] = [];

  const user = (accountId: string) => bearerToken(accountId, ['user']);

  // Every response body is kept for the final leak scan.
  const call = (app: ControlApiUnderTest, path: string, token: string, body: unknown) =>
    request(app.app.getHttpServer())
      .post(path)
      .set('Authorization', token)
      .send(body as object)
      .expect((response) => void responses.push(response.text));
  const post = (path: string, token: string, body: unknown) => call(sut, path, token, body);

  function twitchUser() {
    const id = String(100_000_000 + Math.floor(Math.random() * 800_000_000));
    const login = `creator_${randomBytes(3).toString('hex')}`;
    identities.push(id, login, `Creator${login}`);
    return { id, login, displayName: `Creator${login}` };
  }

  async function linkTwitch(accountId: string, who = twitchUser()) {
    const start = await post('/stream/platform/link', user(accountId), { accountId, platform: 'twitch' }).expect(200);
    const code = twitch.issueCode(who, ['user:read:chat', 'channel:read:subscriptions', 'bits:read']);
    const done = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch', code, state: start.body.state });
    return { start, done, who };
  }

  async function expireToken(linkId: string) {
    await sut.app.get(DataSource).query('UPDATE stream_platform_links SET token_expires_at = ? WHERE id = ?', [new Date(Date.now() - 1000), linkId]);
  }

  beforeAll(async () => {
    await Promise.all([twitch.start(), google.start()]);
    db = await createTestDatabase();
    env = {
      ...twitchSettings(twitch, db.url),
      STREAM_OAUTH_REDIRECT_URI: REDIRECT_URI,
      ...youtubeSettings(google),
    };
    sut = await createControlApi(env);
    redis = new Redis(testRedisUrl());
    const subscriber = new Redis(testRedisUrl());
    await untilReady(subscriber);
    await subscriber.subscribe(EventTopic.PlatformLinked, EventTopic.PlatformUnlinked);
    subscriber.on('message', (channel: string, message: string) => events.push({ channel, data: JSON.parse(message).data }));
    afterAllClosers.push(() => subscriber.quit().then(() => undefined));
  });

  const afterAllClosers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await sut?.app.close();
    for (const close of afterAllClosers) await close();
    await redis?.quit();
    await Promise.all([twitch.stop(), google.stop()]);
    await db?.drop();
  });

  describe('Twitch', () => {
    it('hands out the consent URL with the scopes later features need and a single-use state', async () => {
      const accountId = randomUUID();
      const response = await post('/stream/platform/link', user(accountId), { accountId, platform: 'twitch' }).expect(200);
      const url = new URL(response.body.authorizationUrl);
      expect(`${url.origin}${url.pathname}`).toBe(`${twitch.authBaseUrl}/authorize`);
      expect(url.searchParams.get('client_id')).toBe(twitch.clientId);
      expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('state')).toBe(response.body.state);
      expect(url.searchParams.get('scope')?.split(' ')).toEqual(
        expect.arrayContaining(['user:read:chat', 'channel:read:subscriptions', 'bits:read', 'moderator:read:followers']),
      );
      expect(response.body).toMatchObject({ platform: 'twitch', link: null, expiresAt: expect.any(String) });
      const stateKey = `stream:oauth-state:${createHash('sha256').update(response.body.state).digest('hex')}`;
      expect(await redis.ttl(stateKey)).toBeGreaterThan(500);
    });

    it('links the account: tokens exchanged, identity fetched, event published, listed without secrets', async () => {
      const accountId = randomUUID();
      const { done } = await linkTwitch(accountId);
      expect(done.status).toBe(200);
      expect(done.body).toEqual({
        linkId: expect.any(String),
        accountId,
        platform: 'twitch',
        status: 'active',
        rtmpUrl: null,
        scopes: ['user:read:chat', 'channel:read:subscriptions', 'bits:read'],
        linkedAt: expect.any(String),
        tokenExpiresAt: expect.any(String),
      });
      const exchange = twitch.requestsTo('/oauth2/token', 'authorization_code').at(-1);
      expect(exchange?.headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(exchange?.body.redirect_uri).toBe(REDIRECT_URI);
      await expectEventually(() =>
        expect(events).toContainEqual({ channel: 'stream.platform.linked', data: expect.objectContaining({ accountId, linkId: done.body.linkId, platform: 'twitch' }) }),
      );
      const list = await post('/stream/platform/list', user(accountId), { accountId }).expect(200);
      expect(list.body.platforms).toEqual([done.body]);
    });

    it('refuses a reused, unknown or expired state with 404 and stores nothing', async () => {
      const accountId = randomUUID();
      const { start } = await linkTwitch(accountId);
      const reuse = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch', code: twitch.issueCode(twitchUser()), state: start.body.state });
      expect(reuse.status).toBe(404);
      expect(reuse.body.code).toBe('NOT_FOUND');
      await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch', code: 'x', state: 'never-issued' }).expect(404);

      const other = randomUUID();
      const pending = await post('/stream/platform/link', user(other), { accountId: other, platform: 'twitch' }).expect(200);
      await redis.pexpire(`stream:oauth-state:${createHash('sha256').update(pending.body.state).digest('hex')}`, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await post('/stream/platform/callback', user(other), { accountId: other, platform: 'twitch', code: twitch.issueCode(twitchUser()), state: pending.body.state }).expect(404);
      expect((await post('/stream/platform/list', user(other), { accountId: other })).body.platforms).toEqual([]);
    });

    it('answers a code the platform refuses with 400 and stores nothing', async () => {
      const accountId = randomUUID();
      const start = await post('/stream/platform/link', user(accountId), { accountId, platform: 'twitch' }).expect(200);
      const response = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch', code: 'forged-code', state: start.body.state }).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'AUTHORIZATION_REJECTED' });
      expect(response.body.message).toContain('twitch');
      expect((await post('/stream/platform/list', user(accountId), { accountId })).body.platforms).toEqual([]);
    });

    it('passes on a creator who refused consent on the platform', async () => {
      const accountId = randomUUID();
      const start = await post('/stream/platform/link', user(accountId), { accountId, platform: 'twitch' }).expect(200);
      const response = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch', error: 'access_denied', state: start.body.state }).expect(400);
      expect(response.body.message).toBe('The creator did not authorize the link on twitch (access_denied)');
    });

    it('refuses a second Twitch link for the same account with 400', async () => {
      const accountId = randomUUID();
      await linkTwitch(accountId);
      const again = await post('/stream/platform/link', user(accountId), { accountId, platform: 'twitch' }).expect(400);
      expect(again.body).toEqual({ statusCode: 400, code: 'ALREADY_LINKED', message: 'This account already has a twitch link; unlink it first', correlationId: requestIdOf(again) });
    });

    it('refuses a Twitch account already linked to another account with 409 and revokes the new grant', async () => {
      const who = twitchUser();
      await linkTwitch(randomUUID(), who);
      const second = randomUUID();
      const revokesBefore = twitch.requestsTo('/oauth2/revoke').length;
      const { done } = await linkTwitch(second, who);
      expect(done.status).toBe(409);
      expect(done.body).toEqual({ statusCode: 409, code: 'CONFLICT', message: 'This twitch account is already linked to another account', correlationId: requestIdOf(done) });
      expect(twitch.requestsTo('/oauth2/revoke').length).toBe(revokesBefore + 1);
      expect((await post('/stream/platform/list', user(second), { accountId: second })).body.platforms).toEqual([]);
    });
  });

  describe('YouTube', () => {
    it('asks Google for offline access and links the channel', async () => {
      const accountId = randomUUID();
      const start = await post('/stream/platform/link', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      const url = new URL(start.body.authorizationUrl);
      expect(url.searchParams.get('access_type')).toBe('offline');
      expect(url.searchParams.get('prompt')).toBe('consent');
      expect(url.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/youtube.readonly');
      const channel = { id: `UC${randomBytes(11).toString('base64url')}`, title: `Channel ${randomBytes(3).toString('hex')}` };
      identities.push(channel.id, channel.title);
      const done = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'youtube', code: google.issueCode(channel), state: start.body.state }).expect(200);
      expect(done.body).toMatchObject({ platform: 'youtube', status: 'active', scopes: ['https://www.googleapis.com/auth/youtube.readonly'] });
    });

    it('refuses a Google account without a YouTube channel', async () => {
      const accountId = randomUUID();
      const start = await post('/stream/platform/link', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      const done = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'youtube', code: google.issueCode(null), state: start.body.state }).expect(400);
      expect(done.body.message).toContain('has no YouTube channel');
    });
  });

  describe('custom RTMP', () => {
    it('stores the destination encrypted and only ever shows it masked', async () => {
      const accountId = randomUUID();
      const response = await post('/stream/platform/link', user(accountId), { accountId, platform: 'custom', rtmpUrl: CUSTOM_RTMP_URL }).expect(200);
      expect(response.body).toMatchObject({ platform: 'custom', authorizationUrl: null, link: { platform: 'custom', rtmpUrl: 'rtmp://ingest.example.net/live/****' } });
      const list = await post('/stream/platform/list', user(accountId), { accountId }).expect(200);
      expect(list.body.platforms[0].rtmpUrl).toBe('rtmp://ingest.example.net/live/****');
    });

    it.each([
      [{ platform: 'custom', rtmpUrl: 'https://ingest.example.net/live/key' }, 'rtmpUrl must be an rtmp:// or rtmps:// URL'],
      [{ platform: 'custom' }, 'rtmpUrl is required for a custom link'],
      [{ platform: 'twitch', rtmpUrl: 'rtmp://x/app/key' }, 'rtmpUrl is only accepted for a custom link'],
    ])('refuses %j with 400 naming the problem', async (fields, message) => {
      const accountId = randomUUID();
      const response = await post('/stream/platform/link', user(accountId), { accountId, ...fields }).expect(400);
      expect(response.body.message).toBe(message);
      expect((await post('/stream/platform/list', user(accountId), { accountId })).body.platforms).toEqual([]);
    });
  });

  describe('token upkeep', () => {
    it('refreshes an expiring token once when two replicas try at the same time', async () => {
      const replica = await createControlApi(env);
      try {
        const { done } = await linkTwitch(randomUUID());
        await expireToken(done.body.linkId);
        twitch.refreshDelayMs = 300;
        const before = twitch.requestsTo('/oauth2/token', 'refresh_token').length;
        const outcomes = await Promise.all([
          sut.app.get(TokenRefreshService).refresh(done.body.linkId),
          replica.app.get(TokenRefreshService).refresh(done.body.linkId),
        ]);
        expect(outcomes.sort()).toEqual(['not-needed', 'refreshed']);
        expect(twitch.requestsTo('/oauth2/token', 'refresh_token').length).toBe(before + 1);
        const list = await post('/stream/platform/list', user(done.body.accountId), { accountId: done.body.accountId });
        expect(new Date(list.body.platforms[0].tokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + 3600_000);
      } finally {
        twitch.refreshDelayMs = 0;
        await replica.app.close();
      }
    });

    it('refreshes and retries once when the platform answers 401, then the call succeeds', async () => {
      const { done } = await linkTwitch(randomUUID());
      const refresher = sut.app.get(TokenRefreshService);
      const callUsers = (token: string) =>
        platformFetch(`${twitch.apiBaseUrl}/users`, { headers: { Authorization: `Bearer ${token}`, 'Client-Id': twitch.clientId } }, 2000).then((r) => r.json());
      const firstToken = await refresher.withAccessToken(done.body.linkId, (token) => Promise.resolve(token));
      twitch.invalidateAccessToken(firstToken);
      const body = (await refresher.withAccessToken(done.body.linkId, callUsers)) as { data: { id: string }[] };
      expect(body.data).toHaveLength(1);
      await expect(platformFetch(`${twitch.apiBaseUrl}/users`, { headers: { Authorization: `Bearer ${firstToken}`, 'Client-Id': twitch.clientId } }, 2000)).rejects.toThrow(
        AccessTokenRejectedError,
      );
    });

    it('validates Twitch tokens and refreshes one the platform stopped accepting', async () => {
      const { done } = await linkTwitch(randomUUID());
      const refresher = sut.app.get(TokenRefreshService);
      expect(await refresher.validate(done.body.linkId)).toBe('valid');
      for (const token of twitch.issuedAccessTokens()) twitch.invalidateAccessToken(token);
      expect(await refresher.validate(done.body.linkId)).toBe('refreshed');
      expect(await refresher.validate(done.body.linkId)).toBe('valid');
    });

    it('marks a link whose refresh token is dead as needing re-link, and stops trying', async () => {
      const accountId = randomUUID();
      const start = await post('/stream/platform/link', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      const channel = { id: `UC${randomBytes(11).toString('base64url')}`, title: 'Dead grant' };
      identities.push(channel.id);
      const done = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'youtube', code: google.issueCode(channel), state: start.body.state }).expect(200);
      google.invalidateRefreshTokens();
      await expireToken(done.body.linkId);
      const refresher = sut.app.get(TokenRefreshService);
      expect(await refresher.refresh(done.body.linkId)).toBe('needs-relink');
      const attempts = google.requestsTo('/token', 'refresh_token').length;
      expect(await refresher.refresh(done.body.linkId)).toBe('needs-relink');
      expect(google.requestsTo('/token', 'refresh_token').length).toBe(attempts);
      const list = await post('/stream/platform/list', user(accountId), { accountId }).expect(200);
      expect(list.body.platforms[0].status).toBe('needs_relink');
    });

    it('TokenRefreshWorker: the scheduled scan queues due links and a worker refreshes them', async () => {
      const { done } = await linkTwitch(randomUUID());
      await expireToken(done.body.linkId);
      expect(await sut.app.get(TokenRefreshScheduler).scan()).toBeGreaterThan(0);
      await expectEventually(async () => {
        const list = await post('/stream/platform/list', user(done.body.accountId), { accountId: done.body.accountId });
        expect(new Date(list.body.platforms[0].tokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
      }, { timeoutMs: 15_000, intervalMs: 200 });
    });
  });

  describe('unlink and clean-up', () => {
    it('revokes at the platform, deletes the link and publishes unlinked', async () => {
      const { done } = await linkTwitch(randomUUID());
      const { accountId, linkId } = done.body;
      const revokes = twitch.requestsTo('/oauth2/revoke').length;
      const response = await post('/stream/platform/unlink', user(accountId), { accountId, platform: 'twitch' }).expect(200);
      expect(response.body).toEqual({ linkId, platform: 'twitch', revoked: true });
      expect(twitch.requestsTo('/oauth2/revoke').length).toBe(revokes + 1);
      expect((await post('/stream/platform/list', user(accountId), { accountId })).body.platforms).toEqual([]);
      await expectEventually(() => expect(events).toContainEqual({ channel: 'stream.platform.unlinked', data: expect.objectContaining({ linkId }) }));
      await post('/stream/platform/unlink', user(accountId), { accountId, platform: 'twitch' }).expect(404);
    });

    it('unlinks even when the platform refuses the revocation', async () => {
      const { done } = await linkTwitch(randomUUID());
      for (const token of twitch.issuedAccessTokens()) twitch.invalidateAccessToken(token);
      const response = await post('/stream/platform/unlink', user(done.body.accountId), { accountId: done.body.accountId, platform: 'twitch' }).expect(200);
      expect(response.body.revoked).toBe(false);
      expect(capturedLogLines.join('')).toContain('token revocation failed');
    });

    it('cleans up every platform of an account, idempotently, for admins only', async () => {
      const accountId = randomUUID();
      await linkTwitch(accountId);
      await post('/stream/platform/link', user(accountId), { accountId, platform: 'custom', rtmpUrl: CUSTOM_RTMP_URL }).expect(200);
      await post('/stream/cleanup-by-account', user(accountId), { accountId }).expect(403);
      const admin = bearerToken('ops', ['admin']);
      const first = await post('/stream/cleanup-by-account', admin, { accountId }).expect(200);
      expect(first.body.accountId).toBe(accountId);
      expect([...first.body.unlinked].sort()).toEqual(['custom', 'twitch']);
      const again = await post('/stream/cleanup-by-account', admin, { accountId }).expect(200);
      expect(again.body).toEqual({ accountId, unlinked: [], broadcastsStopped: 0 });
    });
  });

  describe('bad requests change nothing', () => {
    it.each([
      [{ platform: 'myspace' }, 'platform must be one of: twitch, youtube, custom'],
      [{ platform: 'twitch', extra: 1 }, 'property extra should not exist'],
    ])('link with %j → 400', async (fields, message) => {
      const accountId = randomUUID();
      const response = await post('/stream/platform/link', user(accountId), { accountId, ...fields }).expect(400);
      expect(response.body.message).toContain(message);
    });

    it('needs the accountId, a code or an error, and a state', async () => {
      const accountId = randomUUID();
      expect((await post('/stream/platform/link', user(accountId), { platform: 'twitch' }).expect(400)).body.message).toContain('accountId');
      const callback = await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch' }).expect(400);
      expect(callback.body.message).toContain('state');
      expect(callback.body.message).toContain('code is required unless the platform returned an error');
      const garbage = await request(sut.app.getHttpServer()).post('/stream/platform/link').set('Authorization', user(accountId)).set('Content-Type', 'application/json').send('{{{').expect(400);
      expect(garbage.body.code).toBe('INVALID_JSON');
    });

    it("answers 404 for another account's links and 401 without a token", async () => {
      const { done } = await linkTwitch(randomUUID());
      const response = await post('/stream/platform/list', user(randomUUID()), { accountId: done.body.accountId }).expect(404);
      expect(response.body.code).toBe('NOT_FOUND');
      await request(sut.app.getHttpServer()).post('/stream/platform/list').send({ accountId: done.body.accountId }).expect(401);
      await post('/stream/platform/unlink', user(randomUUID()), { accountId: done.body.accountId, platform: 'twitch' }).expect(404);
    });
  });

  it('leaves no token, stream key or platform identity in clear in MySQL, Redis, responses or logs', async () => {
    const secrets = [
      ...twitch.issuedAccessTokens(),
      ...twitch.issuedRefreshTokens(),
      ...google.issuedAccessTokens(),
      ...google.issuedRefreshTokens(),
      ...twitch.requests.flatMap((r) => [r.body.access_token, r.body.refresh_token, r.body.token].filter(Boolean)),
      ...google.requests.flatMap((r) => [r.body.refresh_token, r.body.token].filter(Boolean)),
      CUSTOM_STREAM_KEY,
      twitch.clientSecret,
      google.clientSecret,
      ...identities,
    ];
    expect(secrets.length).toBeGreaterThan(20);

    const mysqlDump = await dumpMysql(db.url);
    expect(mysqlDump).toContain('"platform":"twitch"');
    const redisDump = await dumpRedis(redis);

    const places = { mysql: mysqlDump, redis: redisDump, responses: responses.join('\n'), logs: capturedLogLines.join(''), events: JSON.stringify(events) };
    expect(findLeaks(places, secrets)).toEqual({});
  });
});

describe('platform linking without a usable encryption key or when disabled', () => {
  // One database for the apps below: none of them stores anything, and a fresh one per app cost its
  // creation and four migrations each time.
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it.each([
    [{ STREAM_ENABLED: 'true' }, 503, 'SERVICE_UNAVAILABLE', 'STREAM_TOKEN_ENCRYPTION_KEY'],
    [{ STREAM_ENABLED: 'true', STREAM_TOKEN_ENCRYPTION_KEY: 'not-a-key' }, 503, 'SERVICE_UNAVAILABLE', 'STREAM_TOKEN_ENCRYPTION_KEY'],
    [{ STREAM_ENABLED: 'false', STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') }, 503, 'FEATURE_DISABLED', 'STREAM_ENABLED=false'],
    [{ STREAM_ENABLED: 'true', STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') }, 503, 'SERVICE_UNAVAILABLE', 'STREAM_TWITCH_CLIENT_ID'],
  ])('with %j a Twitch link answers %i %s naming %s', async (settings, status, code, named) => {
    const app = await createControlApi({ STREAM_DATABASE_URL: db.url, ...settings });
    try {
      const accountId = randomUUID();
      const response = await request(app.app.getHttpServer())
        .post('/stream/platform/link')
        .set('Authorization', bearerToken(accountId, ['user']))
        .send({ accountId, platform: 'twitch' })
        .expect(status);
      expect(response.body.code).toBe(code);
      expect(response.body.message).toContain(named);
    } finally {
      await app.app.close();
    }
  });

  it('says why at start-up', async () => {
    const app = await createControlApi({ STREAM_DATABASE_URL: db.url, STREAM_ENABLED: 'true' });
    await app.app.close();
    expect(capturedLogLines.join('')).toContain('platform linking is unavailable: STREAM_TOKEN_ENCRYPTION_KEY is not set');
  });
});
