import { randomBytes, randomUUID } from 'node:crypto';

import { status as grpcStatus } from '@grpc/grpc-js';
import Redis from 'ioredis';
import request from 'supertest';

import { SessionKeys } from '@lib-stream/contracts';
import {
  FakeGoogle,
  FakeYouTubeChatStream,
  type TestDatabase,
  bearerToken,
  createTestDatabase,
  dumpMysql,
  dumpRedis,
  expectEventually,
  findLeaks,
  testRedisUrl,
} from '@lib-stream/testing';

import { LiveChatPoller } from '../../src/audience/youtube-chat/live-chat.poller';
import { type ControlApiUnderTest, capturedLogLines, createControlApi, youtubeSettings } from './control-api.factory';

interface ChatStatus {
  state: string;
  youtubeChat: { transport: string; fallbackReason: string | null } | null;
  youtubeQuota: { unitsToday: number; dailyBudget: number; projectedUnitsToday: number; pollingStretch: number; unitsPerHour: number; resetsAt: string } | null;
}

/**
 * YouTube live chat end to end (youtube.md §3): the app reads chat over real gRPC from the fake
 * streamList server on loopback, resumes dropped streams by page token, falls back to polling the
 * strict fake liveChatMessages.list when streaming is refused, and stretches polling to fit the quota.
 */
describe('YouTube live chat: streamList, resume, polling fallback, quota', () => {
  const google = new FakeGoogle();
  const stream = new FakeYouTubeChatStream(google);
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  let redis: Redis;
  const responses: string[] = [];
  /** Channel ids, chat texts and tokens: none may appear in Redis, MySQL, responses or logs. */
  const identifying: string[] = [];

  const user = (accountId: string) => bearerToken(accountId, ['user']);
  const post = (app: ControlApiUnderTest, path: string, token: string, body: object) =>
    request(app.app.getHttpServer())
      .post(path)
      .set('Authorization', token)
      .send(body)
      .expect((response) => void responses.push(response.text));
  const bufferLength = (sessionId: string) => redis.llen(SessionKeys.buffer(sessionId));

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      STREAM_ENABLED: 'true',
      STREAM_DATABASE_URL: db.url,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      STREAM_OAUTH_REDIRECT_URI: google.redirectUri,
      ...youtubeSettings(google),
      STREAM_YOUTUBE_GRPC_TARGET: stream.target,
      STREAM_YOUTUBE_GRPC_TLS: 'false',
      // Large enough that polling at the fake's 100 ms is never stretched here; the quota test uses its own app.
      STREAM_YOUTUBE_QUOTA_DAILY_UNITS: '100000000',
      STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '100000',
      ...extra,
    };
  }

  function chatText(n: number): { snippet: object; authorDetails: object } {
    const text = `great play number ${n} ${randomBytes(3).toString('hex')}`;
    const channelId = `UCfan${randomBytes(8).toString('hex')}`;
    identifying.push(text, channelId);
    return {
      snippet: { type: 'textMessageEvent', displayMessage: text, textMessageDetails: { messageText: text } },
      authorDetails: { channelId, displayName: `Fan ${n} ${channelId}`, isChatSponsor: false },
    };
  }

  async function liveYouTubeSession(app: ControlApiUnderTest, before?: (liveChatId: string) => void) {
    const accountId = randomUUID();
    const channel = { id: `UC${randomBytes(11).toString('base64url')}`, title: 'yt chan' };
    identifying.push(channel.id);
    const link = await post(app, '/stream/platform/link', user(accountId), { accountId, platform: 'youtube' }).expect(200);
    await post(app, '/stream/platform/callback', user(accountId), { accountId, platform: 'youtube', code: google.issueCode(channel), state: link.body.state }).expect(200);
    const broadcast = google.setLive(channel.id, `vid${randomBytes(4).toString('hex')}`);
    before?.(broadcast.liveChatId);
    const session = await post(app, '/stream/session/start', user(accountId), { accountId, platform: 'youtube' }).expect(200);
    const sessionId = session.body.platformSessionId as string;
    const status = async (): Promise<ChatStatus> => (await post(app, '/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId }).expect(200)).body as ChatStatus;
    return { accountId, sessionId, liveChatId: broadcast.liveChatId, status };
  }

  const polls = (liveChatId: string) => google.requests.filter((r) => r.path === '/youtube/v3/liveChat/messages' && r.query.get('liveChatId') === liveChatId);
  const streamsOf = (liveChatId: string) => stream.connections.filter((c) => c.liveChatId === liveChatId);

  beforeAll(async () => {
    await google.start();
    await stream.start();
    db = await createTestDatabase();
    sut = await createControlApi(env());
    redis = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    await sut?.app.close();
    await redis?.quit();
    await stream.stop();
    await google.stop();
    await db?.drop();
  });

  beforeEach(() => {
    google.pollingIntervalMillis = 100;
    stream.refuseWith = null;
    stream.idleCloseMs = null;
    stream.dropAfterResponses = null;
    stream.replayOnResume = 0;
  });

  it('reads chat through streamList (history, then pushes), never polls, and shows the transport and quota in status', async () => {
    const session = await liveYouTubeSession(sut, (chatId) => google.pushChat(chatId, [chatText(1), chatText(2)]));
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(2), { timeoutMs: 8000 });
    google.pushChat(session.liveChatId, [chatText(3)]);
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(3), { timeoutMs: 5000 });
    const status = await session.status();
    expect(status.youtubeChat).toEqual(expect.objectContaining({ transport: 'streamList', fallbackReason: null }));
    expect(status.youtubeQuota?.unitsToday).toBeGreaterThanOrEqual(5);
    expect(status.youtubeQuota?.dailyBudget).toBe(100_000_000);
    expect(streamsOf(session.liveChatId)).toHaveLength(1);
    expect(polls(session.liveChatId)).toHaveLength(0);
    const metrics = (await request(sut.app.getHttpServer()).get('/metrics').expect(200)).text;
    for (const name of ['lib_stream_youtube_quota_units_today', 'lib_stream_youtube_quota_projected_units_today', 'lib_stream_youtube_quota_daily_budget_units', 'lib_stream_youtube_quota_polling_stretch']) {
      expect(metrics).toMatch(new RegExp(`^${name}\\{[^}]*\\} \\d`, 'm'));
    }
    // chatEndedEvent on the stream ends the session and the stream.
    google.endChat(session.liveChatId);
    await expectEventually(async () => expect((await session.status()).state).toBe('ended'), { timeoutMs: 8000 });
    expect(streamsOf(session.liveChatId).at(-1)?.outcome).not.toBeNull();
    const after = (await request(sut.app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(after).toMatch(/^lib_stream_youtube_stream_list_connections_total\{[^}]*outcome="ended"[^}]*\} [1-9]/m);
  });

  it('resumes a dropped stream from its last page token, re-sent messages and all, without losing or repeating one', async () => {
    const session = await liveYouTubeSession(sut, (chatId) => google.pushChat(chatId, [chatText(1), chatText(2), chatText(3)]));
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(3), { timeoutMs: 8000 });
    // The next response cuts the stream; the server then re-sends 2 messages from before the token (dedupe by id).
    stream.dropAfterResponses = 1;
    stream.replayOnResume = 2;
    stream.dropAll();
    await expectEventually(() => expect(streamsOf(session.liveChatId).length).toBeGreaterThanOrEqual(2), { timeoutMs: 5000 });
    google.pushChat(session.liveChatId, [chatText(4), chatText(5)]);
    // Pushed while the first resumed stream is being cut: these must come with the next resume.
    google.pushChat(session.liveChatId, [chatText(6)]);
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(6), { timeoutMs: 8000 });
    // An idle close (server ends the call OK) is resumed the same way.
    stream.idleCloseMs = 300;
    google.pushChat(session.liveChatId, [chatText(7)]);
    await expectEventually(() => expect(streamsOf(session.liveChatId).filter((c) => c.outcome === 'ok').length).toBeGreaterThanOrEqual(1), { timeoutMs: 5000 });
    google.pushChat(session.liveChatId, [chatText(8)]);
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(8), { timeoutMs: 8000 });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await bufferLength(session.sessionId)).toBe(8);
    const connections = streamsOf(session.liveChatId);
    expect(connections[0].pageToken).toBeNull();
    expect(connections.slice(1).every((c) => c.pageToken !== null)).toBe(true);
    expect(polls(session.liveChatId)).toHaveLength(0);
    expect((await session.status()).youtubeChat?.transport).toBe('streamList');
  });

  it('refreshes the OAuth token when the stream answers UNAUTHENTICATED and carries on streaming', async () => {
    const session = await liveYouTubeSession(sut, (chatId) => google.pushChat(chatId, [chatText(1)]));
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(1), { timeoutMs: 8000 });
    const refreshesBefore = google.requestsTo('/token', 'refresh_token').length;
    google.expireAccessTokens();
    stream.dropAll();
    google.pushChat(session.liveChatId, [chatText(2)]);
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(2), { timeoutMs: 8000 });
    expect(google.requestsTo('/token', 'refresh_token').length).toBeGreaterThan(refreshesBefore);
    expect(streamsOf(session.liveChatId).length).toBeGreaterThanOrEqual(2);
    expect((await session.status()).youtubeChat?.transport).toBe('streamList');
  });

  it('falls back to polling liveChatMessages.list when streamList is refused (UNIMPLEMENTED), for good, and says so in status', async () => {
    // A refusal is not retried, however soon a failed stream would be.
    const poller = sut.app.get(LiveChatPoller);
    const retryAfter = poller.streamRetryAfterMs;
    poller.streamRetryAfterMs = 300;
    stream.refuseWith = { code: grpcStatus.UNIMPLEMENTED, details: 'streamList is not enabled for this project' };
    const session = await liveYouTubeSession(sut, (chatId) => google.pushChat(chatId, [chatText(1), chatText(2)]));
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(2), { timeoutMs: 8000 });
    google.pushChat(session.liveChatId, [chatText(3)]);
    await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(3), { timeoutMs: 5000 });
    const status = await session.status();
    expect(status.youtubeChat).toEqual(expect.objectContaining({ transport: 'polling', fallbackReason: 'UNIMPLEMENTED' }));
    expect(streamsOf(session.liveChatId).map((c) => c.outcome)).toEqual(['UNIMPLEMENTED']);
    const sent = polls(session.liveChatId);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.every((r) => r.query.get('maxResults') === '2000' && r.query.get('part') === 'id,snippet,authorDetails')).toBe(true);
    // Every poll after the first resumes from the token the previous answer gave.
    expect(sent.slice(1).every((r) => r.query.get('pageToken'))).toBe(true);
    expect(streamsOf(session.liveChatId)).toHaveLength(1);
    poller.streamRetryAfterMs = retryAfter;
    google.endChat(session.liveChatId);
    await expectEventually(async () => expect((await session.status()).state).toBe('ended'), { timeoutMs: 8000 });
  });

  it('keeps paging a chat that went offline while full pages (maxResults 2000) remain, then ends the session', async () => {
    stream.refuseWith = { code: grpcStatus.UNIMPLEMENTED, details: 'polling only' };
    // 2,100 messages and the end are already there: every answer carries offlineAt, the first is full.
    const session = await liveYouTubeSession(sut, (chatId) => {
      google.pushChat(chatId, Array.from({ length: 2100 }, (_, i) => ({ snippet: { type: 'textMessageEvent', textMessageDetails: { messageText: `gg ${i}` } }, authorDetails: { channelId: `UCbulk${i % 50}` } })));
      google.endChat(chatId);
    });
    // 2,100 entries through sentiment and the buffer: seconds on a quiet machine, more than 20 s once in
    // a CI rehearsal loaded to 7 runnable processes on 2 cores.
    await expectEventually(async () => expect((await session.status()).state).toBe('ended'), { timeoutMs: 45_000 });
    expect(await bufferLength(session.sessionId)).toBe(2100);
    expect(polls(session.liveChatId)).toHaveLength(2);
  }, 60_000);

  it('falls back to polling after repeated UNAVAILABLE, backing off between attempts, and returns to the stream once it works again', async () => {
    const poller = sut.app.get(LiveChatPoller);
    const retryAfter = poller.streamRetryAfterMs;
    poller.streamRetryAfterMs = 2000;
    try {
      stream.refuseWith = { code: grpcStatus.UNAVAILABLE, details: 'try again later' };
      const session = await liveYouTubeSession(sut, (chatId) => google.pushChat(chatId, [chatText(1)]));
      await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(1), { timeoutMs: 15_000 });
      expect((await session.status()).youtubeChat).toEqual(expect.objectContaining({ transport: 'polling', fallbackReason: 'UNAVAILABLE' }));
      const attempts = streamsOf(session.liveChatId);
      expect(attempts).toHaveLength(4);
      const gaps = attempts.slice(1).map((c, i) => c.openedAt - attempts[i].openedAt);
      // 250 ms, 500 ms, 1 s (±25 % jitter): each gap is at least its wait's floor. Floors, not a comparison
      // of gaps: under load a connection attempt itself can take over a second (a CI rehearsal: 1.7 s).
      expect(gaps[0]).toBeGreaterThanOrEqual(0.75 * 250);
      expect(gaps[1]).toBeGreaterThanOrEqual(0.75 * 500);
      expect(gaps[2]).toBeGreaterThanOrEqual(0.75 * 1000);
      // The outage ends: after streamRetryAfterMs of polling the stream is tried again, and kept.
      stream.refuseWith = null;
      await expectEventually(async () => expect((await session.status()).youtubeChat?.transport).toBe('streamList'), { timeoutMs: 8000 });
      const pollsThen = polls(session.liveChatId).length;
      google.pushChat(session.liveChatId, [chatText(2)]);
      await expectEventually(async () => expect(await bufferLength(session.sessionId)).toBe(2), { timeoutMs: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(polls(session.liveChatId).length).toBe(pollsThen);
      expect(await bufferLength(session.sessionId)).toBe(2);
    } finally {
      poller.streamRetryAfterMs = retryAfter;
    }
  });

  it('stretches polling beyond pollingIntervalMillis when the projection would pass the daily budget', async () => {
    // Its own app, database and Redis database (so the other app's reader cannot take its chat): a
    // 1,000-unit budget and polling only, as a deployment without streamList would run.
    const smallDb = await createTestDatabase();
    const redisUrl = new URL(testRedisUrl());
    redisUrl.pathname = '/7';
    const smallRedis = new Redis(redisUrl.toString());
    const small = await createControlApi(env({ STREAM_DATABASE_URL: smallDb.url, STREAM_REDIS_URL: redisUrl.toString(), STREAM_YOUTUBE_QUOTA_DAILY_UNITS: '1000', STREAM_YOUTUBE_GRPC_TARGET: 'off' }));
    const smallBuffer = (sessionId: string) => smallRedis.llen(SessionKeys.buffer(sessionId));
    try {
      const session = await liveYouTubeSession(small, (chatId) => google.pushChat(chatId, [chatText(1)]));
      await expectEventually(async () => expect(await smallBuffer(session.sessionId)).toBe(1), { timeoutMs: 8000 });
      const firstPolls = polls(session.liveChatId).length;
      google.pushChat(session.liveChatId, [chatText(2)]);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // Unstretched, 100 ms polling would have made ~30 calls in 3 s; stretched it waits far longer.
      expect(polls(session.liveChatId).length - firstPolls).toBe(0);
      expect(await smallBuffer(session.sessionId)).toBe(1);
      const status = await session.status();
      expect(status.youtubeChat).toEqual(expect.objectContaining({ transport: 'polling', fallbackReason: 'disabled' }));
      expect(status.youtubeQuota?.dailyBudget).toBe(1000);
      // 100 ms polling until midnight Pacific wants far more than 1,000 units.
      expect(status.youtubeQuota?.pollingStretch).toBeGreaterThan(30);
      // The chat's polls (5 units each) are in the day's count, beside other YouTube calls (viewer counts).
      expect(status.youtubeQuota?.unitsToday).toBeGreaterThanOrEqual(firstPolls * 5);
    } finally {
      await small.app.close();
      await smallRedis.flushdb();
      await smallRedis.quit();
      await smallDb.drop();
    }
  });

  it('keeps channel ids, chat texts and tokens out of Redis, MySQL, responses and logs', async () => {
    const tokens = [...google.issuedAccessTokens(), ...google.issuedRefreshTokens()];
    const places = { redis: await dumpRedis(redis), mysql: await dumpMysql(db.url), responses: responses.join('\n'), logs: capturedLogLines.join('') };
    expect(findLeaks(places, [...identifying, ...tokens])).toEqual({});
  });
});
