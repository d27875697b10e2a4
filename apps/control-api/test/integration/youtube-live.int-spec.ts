import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import request from 'supertest';

import { SessionKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';
import { FakeGoogle, FakeTwitch, type TestDatabase, bearerToken, createTestDatabase, dumpRedis, expectEventually, findLeaks, googleError } from '@lib-stream/testing';

import { WebSubLeaseManager } from '../../src/youtube/websub-lease.manager';
import { YouTubeQuota } from '../../src/youtube/youtube-quota';
import { type ControlApiUnderTest, createControlApi, twitchSettings, youtubeSettings } from './control-api.factory';

const WEBSUB_TOKEN = 'websub-verify-token-a-0005';
const WEBSUB_SECRET = 'websub-hub-secret-a-0006';

/**
 * YouTube live detection and WebSub edge rules (youtube.md §2.1, §2.2) against the strict FakeGoogle,
 * which refuses the request the old live check made (broadcastStatus together with mine).
 */
describe('YouTube live detection and WebSub, against the strict fake Google', () => {
  const google = new FakeGoogle();
  const twitch = new FakeTwitch();
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  let redis: Redis;
  const http = () => request(sut.app.getHttpServer());
  const user = (accountId: string) => bearerToken(accountId, ['user']);
  const post = (path: string, accountId: string, body: object) => http().post(path).set('Authorization', user(accountId)).send(body);
  const topicOf = (channelId: string) => `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channelId}`;
  const atom = (channelId: string, videoId: string) =>
    `<?xml version='1.0' encoding='UTF-8'?><feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom"><entry><id>yt:video:${videoId}</id><yt:videoId>${videoId}</yt:videoId><yt:channelId>${channelId}</yt:channelId><title>t</title></entry></feed>`;
  const push = (xml: string) =>
    http()
      .post('/stream/webhook/youtube')
      .set('Content-Type', 'application/atom+xml')
      .set('X-Hub-Signature', `sha1=${createHmac('sha1', WEBSUB_SECRET).update(xml).digest('hex')}`)
      .send(xml);
  const logLinesSince = (from: number) => sut.logLines.slice(from);
  /** Every channel id linked here: none may appear in Redis or a log line. */
  const channelIds: string[] = [];

  /** A creator with a linked YouTube channel (`UC` + 22 characters, as WebSub topics require). */
  async function linkChannel(): Promise<{ accountId: string; channelId: string; linkId: string }> {
    const accountId = randomUUID();
    const channelId = `UC${randomBytes(16).toString('base64url').slice(0, 22)}`;
    channelIds.push(channelId);
    const start = await post('/stream/platform/link', accountId, { accountId, platform: 'youtube' }).expect(200);
    // Through the consent URL the app hands out, which the fake checks (youtube.md §1.2).
    const consent = google.authorize(start.body.authorizationUrl as string, { id: channelId, title: 'c' });
    expect(consent.state).toBe(start.body.state);
    const done = await post('/stream/platform/callback', accountId, { accountId, platform: 'youtube', code: consent.code, state: consent.state }).expect(200);
    return { accountId, channelId, linkId: done.body.linkId as string };
  }

  const activeSessions = async (accountId: string) =>
    ((await post('/stream/session/list', accountId, { accountId }).expect(200)).body.sessions as { state: string; platformSessionId: string }[]).filter((s) => s.state === 'active');

  beforeAll(async () => {
    await Promise.all([google.start(), twitch.start()]);
    db = await createTestDatabase();
    sut = await createControlApi({
      ...twitchSettings(twitch, db.url),
      STREAM_OAUTH_REDIRECT_URI: google.redirectUri,
      ...youtubeSettings(google),
      STREAM_YOUTUBE_WEBHOOK_TOKEN: WEBSUB_TOKEN,
      STREAM_YOUTUBE_WEBSUB_SECRET: WEBSUB_SECRET,
      STREAM_YOUTUBE_WEBSUB_CALLBACK_URL: 'https://stream.example.com/stream/webhook/youtube',
      STREAM_YOUTUBE_WEBSUB_HUB_URL: google.hubUrl,
      // Chat is not under test here: no streamList connection to the real Google.
      STREAM_YOUTUBE_GRPC_TARGET: 'off',
    });
    redis = sut.app.get<Redis>(REDIS);
  });

  afterAll(async () => {
    await sut?.app.close();
    await Promise.all([google.stop(), twitch.stop()]);
    await db?.drop();
  });

  describe('live detection (liveBroadcasts.list)', () => {
    // First, while no session polls chat: every unit Google charges is counted by the app too.
    it("counts each live check in the project's quota, refused ones included, as Google charges them", async () => {
      const { accountId } = await linkChannel();
      const quota = sut.app.get(YouTubeQuota);
      const [appBefore, googleBefore] = [await quota.today(), google.quotaUnitsUsed];
      await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(400);
      await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(400);
      expect(google.quotaUnitsUsed - googleBefore).toBe(10);
      expect((await quota.today()) - appBefore).toBe(10);
      // A refused call costs the same (played by failNext, so only the app's count moves).
      google.failNext('/youtube/v3/liveBroadcasts', googleError(400, 'invalidValue', 'Invalid value'));
      await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(502);
      expect((await quota.today()) - appBefore).toBe(15);
    });

    it('refreshes an expired access token (a refresh token with / - _ sent form-encoded) and retries once', async () => {
      const { accountId, channelId } = await linkChannel();
      google.setLive(channelId, `vr${randomBytes(5).toString('hex')}`);
      google.expireAccessTokens();
      const refreshes = google.requestsTo('/token', 'refresh_token').length;
      await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(200);
      expect(google.requestsTo('/token', 'refresh_token').length).toBe(refreshes + 1);
    });

    it.each(['event', 'persistent'] as const)('starts a session for a live %s broadcast, with its chat id', async (broadcastType) => {
      const { accountId, channelId } = await linkChannel();
      const videoId = `v${broadcastType}${randomBytes(4).toString('hex')}`;
      google.setLive(channelId, videoId, { broadcastType });
      const calls = google.requestsTo('/youtube/v3/liveBroadcasts').length;
      const started = await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(200);
      expect(started.body).toMatchObject({ state: 'active', platform: 'youtube' });
      // The one documented request: a single filter and every broadcast type.
      const sent = google.requestsTo('/youtube/v3/liveBroadcasts').slice(calls);
      expect(sent).toHaveLength(1);
      expect(Object.fromEntries(sent[0].query)).toMatchObject({ part: 'id,snippet,status', broadcastStatus: 'active', broadcastType: 'all' });
      expect(sent[0].query.has('mine')).toBe(false);
      // The session reads the broadcast's chat (what liveChatId the check took).
      await expectEventually(() => expect(google.requests.some((r) => r.path.startsWith('/youtube/v3/liveChat') && r.query.get('liveChatId') === `chat-${videoId}`)).toBe(true), { timeoutMs: 5000 });
    });

    it('does not start a session for a broadcast in preview (testing) or one that has ended', async () => {
      const { accountId, channelId } = await linkChannel();
      google.setLive(channelId, `vtest${randomBytes(4).toString('hex')}`, { broadcastType: 'event', lifeCycleStatus: 'testing' });
      const ended = `vdone${randomBytes(4).toString('hex')}`;
      google.setLive(channelId, ended, { lifeCycleStatus: 'complete' });
      const refused = await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(400);
      expect(refused.body.message).toBe('The account is not live on youtube right now');
      google.setBroadcastStatus(ended, 'liveStarting');
      await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(200);
    });

    it("passes YouTube's error status and reason to the caller and the warn log, without the token or the channel id", async () => {
      const { accountId, channelId } = await linkChannel();
      google.setLive(channelId, `vq${randomBytes(5).toString('hex')}`);
      const from = sut.logLines.length;
      // A quota-exhausted project: Google's real 403 quotaExceeded.
      google.dailyQuotaLimit = google.quotaUnitsUsed;
      try {
        const refused = await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(502);
        expect(refused.body.message).toBe('youtube answered 403 quotaExceeded: The request cannot be completed because you have exceeded your quota.');
      } finally {
        google.dailyQuotaLimit = 10_000;
      }
      // A Google message that names the caller's own token and channel: both are masked everywhere.
      const token = google.issuedAccessTokens().at(-1) ?? '';
      google.failNext('/youtube/v3/liveBroadcasts', googleError(403, 'forbidden', `Token ${token} may not read channel ${channelId}`, 'youtube.liveBroadcast'));
      const forbidden = await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(502);
      expect(forbidden.body.message).toBe('youtube answered 403 forbidden: Token **** may not read channel ****');

      const warnings = logLinesSince(from).filter((line) => line.includes('platform refused the live check'));
      expect(warnings).toHaveLength(2);
      expect(JSON.parse(warnings[0])).toMatchObject({ level: 'warn', platform: 'youtube', status: 403, reason: 'quotaExceeded' });
      expect(JSON.parse(warnings[1])).toMatchObject({ level: 'warn', status: 403, reason: 'forbidden' });
      for (const line of logLinesSince(from)) {
        for (const secret of [...google.issuedAccessTokens(), ...google.issuedRefreshTokens(), channelId]) expect(line).not.toContain(secret);
      }
    });

    it("passes Twitch's Get Streams error to the caller and the warn log, without the token or the user id", async () => {
      const accountId = randomUUID();
      const broadcaster = { id: String(40_000_000 + Math.floor(Math.random() * 50_000_000)), login: `tw_${randomBytes(4).toString('hex')}`, displayName: 'tw' };
      const start = await post('/stream/platform/link', accountId, { accountId, platform: 'twitch' }).expect(200);
      await post('/stream/platform/callback', accountId, { accountId, platform: 'twitch', code: twitch.issueCode(broadcaster), state: start.body.state }).expect(200);
      twitch.setLive(broadcaster.id, '40952121085', 10);
      const from = sut.logLines.length;
      // An empty rate-limit bucket: Twitch's 429 `{ error, status, message }`.
      twitch.setRateLimit(0);
      try {
        const refused = await post('/stream/session/start', accountId, { accountId, platform: 'twitch' }).expect(502);
        expect(refused.body.message).toMatch(/^twitch answered 429 Too Many Requests/);
      } finally {
        twitch.setRateLimit();
      }
      const warning = logLinesSince(from).find((line) => line.includes('platform refused the live check'));
      expect(warning && JSON.parse(warning)).toMatchObject({ level: 'warn', platform: 'twitch', status: 429, reason: 'Too Many Requests' });
      for (const line of logLinesSince(from)) {
        for (const secret of [broadcaster.id, broadcaster.login, ...twitch.issuedAccessTokens(), ...twitch.issuedRefreshTokens()]) expect(line).not.toContain(secret);
      }
      await post('/stream/session/start', accountId, { accountId, platform: 'twitch' }).expect(200);
    });

    it('keeps 502 "could not be asked" when Google is unreachable', async () => {
      const { accountId } = await linkChannel();
      google.failNext('/youtube/v3/liveBroadcasts', googleError(503, 'backendError', 'Backend Error', 'global'));
      const refused = await post('/stream/session/start', accountId, { accountId, platform: 'youtube' }).expect(502);
      expect(refused.body.message).toBe('youtube could not be asked whether the account is live; try again');
    });
  });

  describe('WebSub', () => {
    it('opens a session when a signed push arrives for a linked channel that is live (persistent broadcast)', async () => {
      const { accountId, channelId } = await linkChannel();
      google.setLive(channelId, `vp${randomBytes(5).toString('hex')}`, { broadcastType: 'persistent' });
      await push(atom(channelId, 'vidPush00001')).expect(202);
      await expectEventually(async () => expect(await activeSessions(accountId)).toHaveLength(1));
    });

    it('logs why a push could not be handled: the platform status and reason', async () => {
      const { accountId, channelId } = await linkChannel();
      google.failNext('/youtube/v3/liveBroadcasts', googleError(400, 'incompatibleParameters', 'Incompatible parameters specified in the request: broadcastStatus, mine'));
      const from = sut.logLines.length;
      await push(atom(channelId, 'vidPush00002')).expect(202);
      await expectEventually(() => {
        const line = logLinesSince(from).find((l) => l.includes('WebSub notification could not be handled'));
        expect(line && JSON.parse(line)).toMatchObject({ level: 'warn', platform: 'youtube', status: 400, reason: 'incompatibleParameters', detail: expect.stringContaining('youtube answered 400 incompatibleParameters') });
      });
      expect(await activeSessions(accountId)).toHaveLength(0);
      expect(logLinesSince(from).join('\n')).not.toContain(channelId);
    });

    it('answers 404 to a verification with a wrong hub.verify_token, even while a subscribe is pending', async () => {
      const { channelId } = await linkChannel();
      const verification = google.hubVerification(topicOf(channelId));
      await http().get('/stream/webhook/youtube').query({ ...verification, 'hub.verify_token': 'wrong' }).expect(404);
      await http().get('/stream/webhook/youtube').query({ ...verification, 'hub.verify_token': undefined }).expect(404);
      // The pending request was not used up by the refusals.
      const ok = await http().get('/stream/webhook/youtube').query(verification).expect(200);
      expect(ok.text).toBe(verification['hub.challenge']);
    });

    it('echoes a challenge only for a request it made and still awaits, and records the lease the hub grants', async () => {
      const { channelId, linkId } = await linkChannel();
      const verification = { ...google.hubVerification(topicOf(channelId)), 'hub.lease_seconds': '864000' };
      await http().get('/stream/webhook/youtube').query(verification).expect(200);
      // Renewed at half the granted lease (10 days → 5).
      const ttl = await redis.ttl(SessionKeys.websubLease(linkId));
      expect(ttl).toBeGreaterThan(431_000);
      expect(ttl).toBeLessThanOrEqual(432_000);
      // Verified once: a replay is no longer awaited.
      await http().get('/stream/webhook/youtube').query({ ...verification, 'hub.challenge': 'replayed' }).expect(404);
      // A channel this service never subscribed, with the right token.
      const stranger = `UC${randomBytes(16).toString('base64url').slice(0, 22)}`;
      await http().get('/stream/webhook/youtube').query({ ...verification, 'hub.topic': topicOf(stranger) }).expect(404);
      // An unsubscribe nobody asked for.
      await http().get('/stream/webhook/youtube').query({ ...verification, 'hub.mode': 'unsubscribe' }).expect(404);
    });

    it('renews a lease longer than the hub cap (10 days) as if it were 10 days, and a missing one as the 5 days asked for', async () => {
      const long = await linkChannel();
      await http().get('/stream/webhook/youtube').query({ ...google.hubVerification(topicOf(long.channelId)), 'hub.lease_seconds': '999999999' }).expect(200);
      expect(await redis.ttl(SessionKeys.websubLease(long.linkId))).toBeLessThanOrEqual(432_000);
      const none = await linkChannel();
      await http().get('/stream/webhook/youtube').query({ ...google.hubVerification(topicOf(none.channelId)), 'hub.lease_seconds': undefined }).expect(200);
      const ttl = await redis.ttl(SessionKeys.websubLease(none.linkId));
      expect(ttl).toBeGreaterThan(215_000);
      expect(ttl).toBeLessThanOrEqual(216_000);
    });

    it('after unlink, refuses the pending subscribe and confirms the unsubscribe', async () => {
      const { accountId, channelId } = await linkChannel();
      const subscribe = google.hubVerification(topicOf(channelId));
      await post('/stream/platform/unlink', accountId, { accountId, platform: 'youtube' }).expect(200);
      await http().get('/stream/webhook/youtube').query(subscribe).expect(404);
      const unsubscribe = google.hubVerification(topicOf(channelId), 'unsubscribe');
      const ok = await http().get('/stream/webhook/youtube').query(unsubscribe).expect(200);
      expect(ok.text).toBe(unsubscribe['hub.challenge']);
    });

    it('acknowledges hub.mode=denied with 2xx, forgets the subscription (re-subscribed by the next run), also after unlink', async () => {
      const { accountId, channelId, linkId } = await linkChannel();
      await http().get('/stream/webhook/youtube').query(google.hubVerification(topicOf(channelId))).expect(200);
      expect(await redis.exists(SessionKeys.websubLease(linkId))).toBe(1);
      const from = sut.logLines.length;
      await http().get('/stream/webhook/youtube').query({ 'hub.mode': 'denied', 'hub.topic': topicOf(channelId), 'hub.reason': `topic ${channelId} refused` }).expect(200);
      expect(await redis.exists(SessionKeys.websubLease(linkId))).toBe(0);
      const warning = logLinesSince(from).find((l) => l.includes('WebSub hub denied a subscription'));
      expect(warning && JSON.parse(warning)).toMatchObject({ level: 'warn', linkId, reason: 'topic **** refused' });

      const subscribes = () => google.requestsTo('/hub/subscribe').filter((r) => r.body['hub.topic'] === topicOf(channelId) && r.body['hub.mode'] === 'subscribe').length;
      const before = subscribes();
      await sut.app.get(WebSubLeaseManager).renewDue();
      expect(subscribes()).toBe(before + 1);

      await post('/stream/platform/unlink', accountId, { accountId, platform: 'youtube' }).expect(200);
      await http().get('/stream/webhook/youtube').query({ 'hub.mode': 'denied', 'hub.topic': topicOf(channelId) }).expect(200);
    });
  });

  it('kept every channel id, token and the verify token out of Redis (pending requests and leases included) and the logs', async () => {
    expect(channelIds.length).toBeGreaterThan(8);
    const redisDump = await dumpRedis(redis);
    expect(redisDump).toContain('stream:yt-websub-pending:');
    const secrets = [...channelIds, ...google.issuedAccessTokens(), ...google.issuedRefreshTokens(), WEBSUB_TOKEN, WEBSUB_SECRET];
    expect(findLeaks({ redis: redisDump, logs: sut.logLines.join('\n') }, secrets)).toEqual({});
  });
});
