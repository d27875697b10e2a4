import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';

import { type PlatformSessionModel, SessionKeys, StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider } from '@lib-stream/nest-kit';
import { FakeGoogle, FakeTwitch, type TestDatabase, bearerToken, createTestDatabase, eventSubDelivery, expectEventually, testRedisUrl, untilReady } from '@lib-stream/testing';

import { newPlatformLink } from '../../src/platform-links/platform-link.entity';
import { PlatformLinksRepository } from '../../src/platform-links/platform-links.repository';
import { backoffScope } from '../../src/sessions/viewer-counts/platform-backoff';
import { ViewerCountRefresher } from '../../src/sessions/viewer-counts/viewer-count-refresher';
import { nextPacificMidnight } from '../../src/youtube/youtube-quota';
import { type ControlApiUnderTest, capturedLogLines, createControlApi, twitchSettings, youtubeSettings } from './control-api.factory';

const WEBHOOK_SECRET = 'twitch-eventsub-secret-for-viewer-tests';

/**
 * Live viewer counts (#12): refreshed on an interval in batches, at once for a new session, with the
 * platforms' rate limits honoured and one replica per session per interval, against the strict fakes.
 */
describe('live viewer counts, against the strict Twitch and Google fakes', () => {
  // Client ids of their own: rate-limit pauses are kept per client, and other spec files share this Redis.
  const twitch = new FakeTwitch('viewer-counts-spec-twitch-client');
  const google = new FakeGoogle('viewer-counts-spec.apps.googleusercontent.com');
  const youtubePauseKey = () => SessionKeys.viewerBackoff('youtube', backoffScope(google.clientId));
  let db: TestDatabase;
  let redis: Redis;
  let subscriber: Redis;
  const published: string[] = [];
  /** Platform user ids used here: none may reach a log line. */
  const userIds: string[] = [];
  const encryptionKey = randomBytes(32).toString('base64');

  const env = (refreshSeconds: number, extra: Record<string, string> = {}) => ({
    ...twitchSettings(twitch, db.url),
    STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey,
    STREAM_OAUTH_REDIRECT_URI: google.redirectUri,
    STREAM_TWITCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...youtubeSettings(google),
    STREAM_VIEWER_COUNT_REFRESH_SECONDS: String(refreshSeconds),
    ...extra,
  });

  const newUserId = () => {
    const id = String(20_000_000 + Math.floor(Math.random() * 70_000_000));
    userIds.push(id);
    return id;
  };

  function api(sut: ControlApiUnderTest) {
    const post = (path: string, accountId: string, body: object) => request(sut.app.getHttpServer()).post(path).set('Authorization', bearerToken(accountId, ['user'])).send(body);
    return {
      post,
      async linkTwitch(userId: string): Promise<string> {
        const accountId = randomUUID();
        const start = await post('/stream/platform/link', accountId, { accountId, platform: 'twitch' }).expect(200);
        const code = twitch.issueCode({ id: userId, login: `u${userId}`, displayName: 'Creator' });
        await post('/stream/platform/callback', accountId, { accountId, platform: 'twitch', code, state: start.body.state }).expect(200);
        return accountId;
      },
      async status(accountId: string, platformSessionId: string) {
        return (await post('/stream/session/status', accountId, { accountId, platformSessionId }).expect(200)).body as { viewerCount: number; peakViewerCount: number; state: string };
      },
    };
  }

  /** Twitch links and active sessions written straight to the database and Redis (no live check, no at-once refresh). */
  async function directTwitchSessions(sut: ControlApiUnderTest, count: number, viewers: (i: number) => number): Promise<{ sessionIds: string[]; userIds: string[] }> {
    const cipher = sut.app.get(CipherProvider).require(() => new Error('the test stack has an encryption key'));
    const links = sut.app.get(PlatformLinksRepository);
    const sessionIds: string[] = [];
    const ids: string[] = [];
    const multi = redis.multi();
    for (let i = 0; i < count; i++) {
      const userId = newUserId();
      const link = newPlatformLink(randomUUID(), StreamPlatform.Twitch, {
        platformUserHash: cipher.hashPlatformUser(StreamPlatform.Twitch, userId),
        platformUserIdEnc: cipher.encrypt(userId),
      });
      await links.insert(link);
      const linkId = link.id;
      twitch.setLive(userId, `stream-${userId}`, viewers(i));
      const session: PlatformSessionModel = {
        platformSessionId: randomUUID(),
        linkId,
        accountId: randomUUID(),
        platform: StreamPlatform.Twitch,
        state: 'active',
        platformStreamId: `stream-${userId}`,
        liveChatId: null,
        inGameSessionId: null,
        startedAt: new Date().toISOString(),
        endedAt: null,
        viewerCount: 0,
        peakViewerCount: 0,
      };
      multi.set(SessionKeys.session(session.platformSessionId), JSON.stringify(session)).sadd(SessionKeys.active(), session.platformSessionId);
      sessionIds.push(session.platformSessionId);
      ids.push(userId);
    }
    await multi.exec();
    return { sessionIds, userIds: ids };
  }

  const record = async (platformSessionId: string) => JSON.parse((await redis.get(SessionKeys.session(platformSessionId))) as string) as PlatformSessionModel;
  const streamsCallsSince = (from: number) => twitch.streamsCalls().slice(from);

  /** Ends the given sessions in Redis so later tests start from an empty active set. */
  async function clearActive(): Promise<void> {
    await redis.del(SessionKeys.active());
  }

  beforeAll(async () => {
    await Promise.all([twitch.start(), google.start()]);
    db = await createTestDatabase();
    redis = new Redis(testRedisUrl());
    subscriber = new Redis(testRedisUrl());
    await untilReady(subscriber);
    await subscriber.psubscribe('stream.*');
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => published.push(`${channel} ${message}`));
  });

  afterAll(async () => {
    await subscriber?.quit();
    await redis?.quit();
    await Promise.all([twitch.stop(), google.stop()]);
    await db?.drop();
    // No platform user id in any log line of any instance built here.
    const leaked = userIds.filter((id) => capturedLogLines.some((line) => line.includes(id)));
    expect(leaked).toEqual([]);
  });

  describe('on a 1-second interval', () => {
    let sut: ControlApiUnderTest;

    beforeAll(async () => {
      sut = await createControlApi(env(1));
    });

    afterAll(async () => {
      await sut?.app.close();
      await clearActive();
    });

    it('follows the Twitch count within one interval, keeps the highest as peak, and the ended event carries it', async () => {
      const { post, linkTwitch, status } = api(sut);
      const userId = newUserId();
      const accountId = await linkTwitch(userId);
      twitch.setLive(userId, '4242', 100);
      const started = await post('/stream/session/start', accountId, { accountId, platform: 'twitch' }).expect(200);
      const sessionId = started.body.platformSessionId as string;
      expect(started.body.viewerCount).toBe(100);

      twitch.setViewerCount(userId, 555);
      const changedAt = Date.now();
      await expectEventually(async () => expect((await record(sessionId)).viewerCount).toBe(555), { timeoutMs: 3000 });
      // One interval (1 s) plus the call: the pulse publisher reads this record's viewerCount for approximateViewerCount.
      expect(Date.now() - changedAt).toBeLessThan(2500);
      twitch.setViewerCount(userId, 300);
      await expectEventually(async () => expect(await status(accountId, sessionId)).toMatchObject({ viewerCount: 300, peakViewerCount: 555 }), { timeoutMs: 3000 });

      const stopped = await post('/stream/session/stop', accountId, { accountId, platformSessionId: sessionId }).expect(200);
      expect(stopped.body).toMatchObject({ state: 'ended', peakViewerCount: 555 });
      await expectEventually(() => expect(published.some((m) => m.startsWith('stream.platform.session.ended') && m.includes(sessionId) && m.includes('"peakViewerCount":555'))).toBe(true));
    });

    it('reads YouTube concurrentViewers (a string) with the creator\'s token, 1 quota unit a call, and keeps the last count while it is hidden', async () => {
      const { post } = api(sut);
      const accountId = randomUUID();
      const channel = { id: `UC${randomBytes(11).toString('base64url')}`, title: 'yt' };
      userIds.push(channel.id);
      const start = await post('/stream/platform/link', accountId, { accountId, platform: 'youtube' }).expect(200);
      await post('/stream/platform/callback', accountId, { accountId, platform: 'youtube', code: google.issueCode(channel), state: start.body.state }).expect(200);
      const videoId = `v${randomBytes(5).toString('hex')}`;
      google.setLive(channel.id, videoId);
      google.videos.setConcurrentViewers(videoId, 66);
      const session = await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(200);
      const sessionId = session.body.platformSessionId as string;
      await expectEventually(async () => expect((await record(sessionId)).viewerCount).toBe(66), { timeoutMs: 5000 });
      const videoCalls = google.requestsTo('/youtube/v3/videos');
      expect(videoCalls.every((r) => r.headers.authorization?.startsWith('Bearer ') && !r.query.has('key'))).toBe(true);
      google.videos.setConcurrentViewers(videoId, 1200);
      await expectEventually(async () => expect(await record(sessionId)).toMatchObject({ viewerCount: 1200, peakViewerCount: 1200 }), { timeoutMs: 5000 });
      google.videos.setConcurrentViewers(videoId, null);
      const callsBefore = google.requestsTo('/youtube/v3/videos').length;
      await expectEventually(() => expect(google.requestsTo('/youtube/v3/videos').length).toBeGreaterThan(callsBefore + 1), { timeoutMs: 4000 });
      expect((await record(sessionId)).viewerCount).toBe(1200);
      await post('/stream/session/stop', accountId, { accountId, platformSessionId: sessionId }).expect(200);
    });
  });

  describe('at once, in batches, within rate limits, one replica per session (hour-long interval: no timer fires)', () => {
    let a: ControlApiUnderTest;
    let b: ControlApiUnderTest;
    const interval = () => Math.floor(Date.now() / 3_600_000) * 1000 + Math.floor(Math.random() * 1000);

    beforeAll(async () => {
      a = await createControlApi(env(3600, { STREAM_YOUTUBE_API_KEY: google.videos.apiKey }));
      b = await createControlApi(env(3600, { STREAM_YOUTUBE_API_KEY: google.videos.apiKey }));
    });

    afterAll(async () => {
      await a?.app.close();
      await b?.app.close();
    });

    afterEach(async () => {
      twitch.setRateLimit();
      await clearActive();
    });

    it('a session opened by stream.online gets its count at once, not at the next interval', async () => {
      const { linkTwitch, post, status } = api(a);
      const userId = newUserId();
      const accountId = await linkTwitch(userId);
      twitch.setLive(userId, '9001', 777);
      const online = eventSubDelivery(WEBHOOK_SECRET, 'notification', 'stream.online', { event: { id: '9001', broadcaster_user_id: userId, broadcaster_user_login: 'c', broadcaster_user_name: 'C', type: 'live', started_at: new Date().toISOString() } });
      await request(a.app.getHttpServer()).post('/stream/webhook/twitch').set(online.headers).send(online.body).expect(204);
      let sessionId = '';
      await expectEventually(async () => {
        const list = await post('/stream/session/list', accountId, { accountId, limit: 5 }).expect(200);
        sessionId = list.body.sessions[0]?.platformSessionId as string;
        expect(list.body.sessions[0]).toMatchObject({ state: 'active' });
      });
      await expectEventually(async () => expect(await status(accountId, sessionId)).toMatchObject({ viewerCount: 777, peakViewerCount: 777 }), { timeoutMs: 3000 });
    });

    it('250 Twitch sessions cost 3 Get Streams calls (100 + 100 + 50 user ids) with an app token', async () => {
      const { sessionIds, userIds: ids } = await directTwitchSessions(a, 250, (i) => 1000 + i);
      const from = twitch.streamsCalls().length;
      const report = await a.app.get(ViewerCountRefresher).refreshInterval(interval());
      const calls = streamsCallsSince(from);
      expect(report?.calls.twitch).toBe(3);
      expect(calls.map((c) => c.query.getAll('user_id').length).sort()).toEqual([100, 100, 50]);
      expect(calls.every((c) => c.query.get('first') === '100')).toBe(true);
      expect(new Set(calls.flatMap((c) => c.query.getAll('user_id')))).toEqual(new Set(ids));
      // App access token: the fake's user tokens are all creators'; none of them was used here.
      expect(calls.some((c) => twitch.issuedAccessTokens().includes((c.headers.authorization ?? '').slice(7)))).toBe(false);
      expect(report?.sessions).toMatchObject({ refreshed: 250, skipped: 0 });
      expect(await record(sessionIds[249])).toMatchObject({ viewerCount: 1249, peakViewerCount: 1249 });
    });

    it('a 429 is waited out until Ratelimit-Reset and the batch then succeeds, once', async () => {
      const { sessionIds } = await directTwitchSessions(a, 3, () => 42);
      twitch.setRateLimit(1, 2000);
      // Another client of the same app drains the bucket (it is per client id, shared by every app token).
      const app = (await (await fetch(`${twitch.authBaseUrl}/token`, { method: 'POST', body: new URLSearchParams({ client_id: twitch.clientId, client_secret: twitch.clientSecret, grant_type: 'client_credentials' }) })).json()) as { access_token: string };
      const drained = await fetch(`${twitch.apiBaseUrl}/streams?user_id=1`, { headers: { Authorization: `Bearer ${app.access_token}`, 'Client-Id': twitch.clientId } });
      const resetAt = Number(drained.headers.get('ratelimit-reset')) * 1000;
      const limitedBefore = twitch.rateLimited;
      const from = twitch.streamsCalls().length;
      const report = await b.app.get(ViewerCountRefresher).refreshInterval(interval());
      expect(twitch.rateLimited - limitedBefore).toBe(1);
      expect(streamsCallsSince(from)).toHaveLength(2);
      expect(Date.now()).toBeGreaterThanOrEqual(resetAt);
      expect(report?.sessions).toMatchObject({ refreshed: 3 });
      expect((await record(sessionIds[0])).viewerCount).toBe(42);
    });

    it('with Ratelimit-Remaining at 0 it waits for the reset instead of drawing a 429', async () => {
      await directTwitchSessions(a, 250, () => 7);
      twitch.setRateLimit(2, 2000);
      const limitedBefore = twitch.rateLimited;
      const started = Date.now();
      const report = await a.app.get(ViewerCountRefresher).refreshInterval(interval());
      expect(twitch.rateLimited - limitedBefore).toBe(0);
      expect(report?.calls.twitch).toBe(3);
      expect(report?.sessions.refreshed).toBe(250);
      // Two points, three calls: the third waited for the bucket to refill.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });

    it('two instances refreshing the same interval refresh each session once between them', async () => {
      await directTwitchSessions(a, 250, () => 5);
      const from = twitch.streamsCalls().length;
      const n = interval();
      const [fromA, fromB] = await Promise.all([a.app.get(ViewerCountRefresher).refreshInterval(n), b.app.get(ViewerCountRefresher).refreshInterval(n)]);
      const requested = streamsCallsSince(from).flatMap((c) => c.query.getAll('user_id'));
      expect(requested).toHaveLength(250);
      expect(new Set(requested).size).toBe(250);
      expect((fromA?.sessions.refreshed ?? 0) + (fromB?.sessions.refreshed ?? 0)).toBe(250);
      // The interval is spent: neither instance refreshes it again.
      expect(await a.app.get(ViewerCountRefresher).refreshInterval(n)).toBeNull();
      expect(await b.app.get(ViewerCountRefresher).refreshInterval(n)).toBeNull();
      expect(streamsCallsSince(from).length).toBe(3);
    });

    it('YouTube 403 quotaExceeded pauses YouTube counts until midnight Pacific, on every replica', async () => {
      const multi = redis.multi();
      for (let i = 0; i < 2; i++) {
        const videoId = `quota${randomBytes(4).toString('hex')}`;
        google.setLive(`UCquota${i}`, videoId);
        const session: PlatformSessionModel = { platformSessionId: randomUUID(), linkId: randomUUID(), accountId: randomUUID(), platform: StreamPlatform.YouTube, state: 'active', platformStreamId: videoId, liveChatId: null, inGameSessionId: null, startedAt: new Date().toISOString(), endedAt: null, viewerCount: 0, peakViewerCount: 0 };
        multi.set(SessionKeys.session(session.platformSessionId), JSON.stringify(session)).sadd(SessionKeys.active(), session.platformSessionId);
      }
      await multi.exec();
      const limit = google.dailyQuotaLimit;
      google.dailyQuotaLimit = google.quotaUnitsUsed;
      try {
        const calls = () => google.requestsTo('/youtube/v3/videos').length;
        const before = calls();
        const first = await a.app.get(ViewerCountRefresher).refreshInterval(interval());
        expect(calls() - before).toBe(1);
        expect(first?.sessions).toMatchObject({ skipped: 2, refreshed: 0 });
        expect(Math.abs(Number(await redis.get(youtubePauseKey())) - nextPacificMidnight(Date.now()))).toBeLessThan(5000);
        const second = await b.app.get(ViewerCountRefresher).refreshInterval(interval());
        expect(calls() - before).toBe(1);
        expect(second?.sessions).toMatchObject({ skipped: 2 });
      } finally {
        google.dailyQuotaLimit = limit;
        await redis.del(youtubePauseKey());
      }
    });

    it('YouTube: 120 sessions cost 3 videos.list calls (50 + 50 + 20 ids) with the API key, 1 unit each', async () => {
      const multi = redis.multi();
      const videoIds: string[] = [];
      for (let i = 0; i < 120; i++) {
        const videoId = `bulk${randomBytes(4).toString('hex')}`;
        google.setLive(`UCbulk${i}`, videoId);
        google.videos.setConcurrentViewers(videoId, i);
        videoIds.push(videoId);
        const session: PlatformSessionModel = { platformSessionId: randomUUID(), linkId: randomUUID(), accountId: randomUUID(), platform: StreamPlatform.YouTube, state: 'active', platformStreamId: videoId, liveChatId: null, inGameSessionId: null, startedAt: new Date().toISOString(), endedAt: null, viewerCount: 0, peakViewerCount: 0 };
        multi.set(SessionKeys.session(session.platformSessionId), JSON.stringify(session)).sadd(SessionKeys.active(), session.platformSessionId);
      }
      await multi.exec();
      const from = google.requestsTo('/youtube/v3/videos').length;
      const units = google.quotaUnitsUsed;
      const report = await a.app.get(ViewerCountRefresher).refreshInterval(interval());
      const calls = google.requestsTo('/youtube/v3/videos').slice(from);
      expect(calls.map((c) => (c.query.get('id') ?? '').split(',').length).sort((x, y) => x - y)).toEqual([20, 50, 50]);
      expect(calls.every((c) => c.query.get('key') === google.videos.apiKey && !c.headers.authorization)).toBe(true);
      expect(google.quotaUnitsUsed - units).toBe(3);
      expect(report?.sessions.refreshed).toBe(120);
    });
  });
});
