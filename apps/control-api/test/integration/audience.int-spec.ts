import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import request from 'supertest';

import { SessionKeys } from '@lib-stream/contracts';
import { FakeGoogle, FakeTwitch, type SignedDelivery, type TestDatabase, bearerToken, createTestDatabase, customWebhookDelivery, dumpMysql, dumpRedis, eventSubDelivery, expectEventually, findLeaks, testRedisUrl, requestIdOf, untilReady } from '@lib-stream/testing';

import { type ControlApiUnderTest, capturedLogLines, createControlApi, twitchSettings, youtubeSettings } from './control-api.factory';

const WEBHOOK_SECRET = 'twitch-eventsub-secret-for-tests-0001';
const CUSTOM_SECRET = 'custom-webhook-secret-for-tests-0002';
const WEBSUB_TOKEN = 'websub-verify-token-0003';
const WEBSUB_SECRET = 'websub-hub-secret-0004';

describe('live audience ingest over HTTP, on MariaDB and Redis', () => {
  const twitch = new FakeTwitch();
  const google = new FakeGoogle();
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  /** control-api's settings (a second replica gets the same: the same keys). */
  let env: Record<string, string>;
  let redis: Redis;
  let subscriber: Redis;
  const published: string[] = [];
  const responses: string[] = [];
  /** Usernames, user ids and chat texts this test sends in: none may appear anywhere afterwards. */
  const identifying: string[] = [];

  const user = (accountId: string) => bearerToken(accountId, ['user']);
  const post = (path: string, token: string, body: object) =>
    request(sut.app.getHttpServer())
      .post(path)
      .set('Authorization', token)
      .send(body)
      .expect((response) => void responses.push(response.text));
  const deliver = (path: string, delivery: SignedDelivery) => request(sut.app.getHttpServer()).post(path).set(delivery.headers).send(delivery.body);
  const bufferLength = (sessionId: string) => redis.llen(SessionKeys.buffer(sessionId));
  const bufferEntries = async (sessionId: string) => (await redis.lrange(SessionKeys.buffer(sessionId), 0, -1)).map((e) => JSON.parse(e) as Record<string, unknown>);

  /** The server's origin, listening on a free port first when it is not yet. */
  async function listening(server: Server): Promise<string> {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function viewer() {
    const id = String(10_000_000 + Math.floor(Math.random() * 80_000_000));
    const login = `viewer_${randomBytes(4).toString('hex')}`;
    identifying.push(id, login);
    return { id, login };
  }

  function chatText(text: string): string {
    const unique = `${text} ${randomBytes(3).toString('hex')}`;
    identifying.push(unique);
    return unique;
  }

  async function linkLiveTwitch() {
    const accountId = randomUUID();
    const broadcaster = viewer();
    const start = await post('/stream/platform/link', user(accountId), { accountId, platform: 'twitch' }).expect(200);
    const code = twitch.issueCode({ id: broadcaster.id, login: broadcaster.login, displayName: broadcaster.login });
    await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch', code, state: start.body.state }).expect(200);
    twitch.setLive(broadcaster.id, String(Date.now()), 250);
    const session = await post('/stream/session/start', user(accountId), { accountId, platform: 'twitch' }).expect(200);
    return { accountId, broadcaster, sessionId: session.body.platformSessionId as string, session: session.body };
  }

  function chat(broadcasterId: string, chatter: { id: string; login: string }, text: string, badges: string[] = []) {
    return eventSubDelivery(WEBHOOK_SECRET, 'notification', 'channel.chat.message', {
      event: {
        broadcaster_user_id: broadcasterId,
        broadcaster_user_login: 'b',
        broadcaster_user_name: 'b',
        chatter_user_id: chatter.id,
        chatter_user_login: chatter.login,
        chatter_user_name: chatter.login,
        message_id: randomUUID(),
        message: { text, fragments: [{ type: 'text', text, cheermote: null, emote: null, mention: null }] },
        color: '#00FF7F',
        badges: badges.map((set_id) => ({ set_id, id: '1', info: '' })),
        message_type: 'text',
        cheer: null,
        reply: null,
        channel_points_custom_reward_id: null,
        source_broadcaster_user_id: null,
      },
    });
  }

  beforeAll(async () => {
    await Promise.all([twitch.start(), google.start()]);
    db = await createTestDatabase();
    env = {
      ...twitchSettings(twitch, db.url),
      STREAM_TWITCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ...youtubeSettings(google),
      // The fake asks for 100 ms polls: under the default 10,000-unit budget the quota would stretch them to ~20 s.
      STREAM_YOUTUBE_QUOTA_DAILY_UNITS: '100000000',
      STREAM_CUSTOM_WEBHOOK_SECRET: CUSTOM_SECRET,
      STREAM_YOUTUBE_WEBHOOK_TOKEN: WEBSUB_TOKEN,
      STREAM_YOUTUBE_WEBSUB_SECRET: WEBSUB_SECRET,
      STREAM_YOUTUBE_WEBSUB_CALLBACK_URL: 'https://stream.example.com/stream/webhook/youtube',
      STREAM_YOUTUBE_WEBSUB_HUB_URL: google.hubUrl,
    };
    sut = await createControlApi(env);
    redis = new Redis(testRedisUrl());
    subscriber = new Redis(testRedisUrl());
    await untilReady(subscriber);
    await subscriber.psubscribe('stream.*', 'camera.*');
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => published.push(`${channel} ${message}`));
  });

  afterAll(async () => {
    await sut?.app.close();
    await subscriber?.quit();
    await redis?.quit();
    await Promise.all([twitch.stop(), google.stop()]);
    await db?.drop();
  });

  describe('sessions', () => {
    it('starts only when the platform says the account is live, once, and announces it', async () => {
      const accountId = randomUUID();
      const broadcaster = viewer();
      const link = await post('/stream/platform/link', user(accountId), { accountId, platform: 'twitch' }).expect(200);
      const code = twitch.issueCode({ id: broadcaster.id, login: broadcaster.login, displayName: broadcaster.login });
      await post('/stream/platform/callback', user(accountId), { accountId, platform: 'twitch', code, state: link.body.state }).expect(200);
      const offline = await post('/stream/session/start', user(accountId), { accountId, platform: 'twitch' }).expect(400);
      expect(offline.body.message).toBe('The account is not live on twitch right now');
      twitch.setLive(broadcaster.id, '40952121085', 1490);
      const started = await post('/stream/session/start', user(accountId), { accountId, platform: 'twitch' }).expect(200);
      expect(started.body).toMatchObject({ state: 'active', platform: 'twitch', viewerCount: 1490, peakViewerCount: 1490, inGameSessionId: null });
      await post('/stream/session/start', user(accountId), { accountId, platform: 'twitch' }).expect(409);
      await expectEventually(() => expect(published.some((m) => m.startsWith('stream.platform.session.started') && m.includes(started.body.platformSessionId))).toBe(true));
      await post('/stream/session/start', user(accountId), { accountId, platform: 'youtube' }).expect(400);
    });

    it('associates, reports status, lists newest first, and stops with duration and peak', async () => {
      const { accountId, sessionId } = await linkLiveTwitch();
      const inGame = randomUUID();
      const associated = await post('/stream/session/associate', user(accountId), { accountId, platformSessionId: sessionId, inGameSessionId: inGame }).expect(200);
      expect(associated.body.inGameSessionId).toBe(inGame);
      await post('/stream/session/associate', user(accountId), { accountId, platformSessionId: sessionId, inGameSessionId: 'nope' }).expect(400);
      const status = await post('/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId }).expect(200);
      expect(status.body).toMatchObject({ state: 'active', inGameSessionId: inGame, sentimentDistribution: {} });
      await post('/stream/session/status', user(randomUUID()), { accountId, platformSessionId: sessionId }).expect(404);
      const stopped = await post('/stream/session/stop', user(accountId), { accountId, platformSessionId: sessionId }).expect(200);
      expect(stopped.body).toMatchObject({ state: 'ended', peakViewerCount: 250, endedAt: expect.any(String) });
      await post('/stream/session/stop', user(accountId), { accountId, platformSessionId: sessionId }).expect(404);
      await expectEventually(() => expect(published.some((m) => m.startsWith('stream.platform.session.ended') && m.includes(sessionId) && m.includes('"peakViewerCount":250'))).toBe(true));
      const list = await post('/stream/session/list', user(accountId), { accountId, limit: 10 }).expect(200);
      expect(list.body).toMatchObject({ total: 1, offset: 0, limit: 10 });
      expect(list.body.sessions[0].platformSessionId).toBe(sessionId);
      await post('/stream/session/list', user(accountId), { accountId, limit: 500 }).expect(400);
    });

    it('starts a YouTube session when the channel has an active broadcast', async () => {
      const accountId = randomUUID();
      const channel = { id: `UC${randomBytes(11).toString('base64url')}`, title: 'chan' };
      identifying.push(channel.id);
      const link = await post('/stream/platform/link', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      await post('/stream/platform/callback', user(accountId), { accountId, platform: 'youtube', code: google.issueCode(channel), state: link.body.state }).expect(200);
      await post('/stream/session/start', user(accountId), { accountId, platform: 'youtube' }).expect(400);
      google.setLive(channel.id, 'dQw4w9WgXcQ');
      await post('/stream/session/start', user(accountId), { accountId, platform: 'youtube' }).expect(200);
    });
  });

  describe('YouTube live chat', () => {
    it('polls the chat of an active session, maps its events and ends with the stream', async () => {
      const accountId = randomUUID();
      const channel = { id: `UC${randomBytes(11).toString('base64url')}`, title: 'yt chan' };
      identifying.push(channel.id);
      const link = await post('/stream/platform/link', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      await post('/stream/platform/callback', user(accountId), { accountId, platform: 'youtube', code: google.issueCode(channel), state: link.body.state }).expect(200);
      const broadcastId = `vid${randomBytes(4).toString('hex')}`;
      google.setLive(channel.id, broadcastId);
      const session = await post('/stream/session/start', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      const sessionId = session.body.platformSessionId as string;
      const fan = `UCfan${randomBytes(6).toString('hex')}`;
      identifying.push(fan);
      const text = chatText('this stream is amazing!!');
      google.pushChat(`chat-${broadcastId}`, [
        { snippet: { type: 'textMessageEvent', displayMessage: text, textMessageDetails: { messageText: text } }, authorDetails: { channelId: fan, displayName: 'Fan', isChatSponsor: true } },
        { snippet: { type: 'superChatEvent', superChatDetails: { amountMicros: '20000000', currency: 'USD' } }, authorDetails: { channelId: fan } },
        { snippet: { type: 'newSponsorEvent' }, authorDetails: { channelId: `UCnew${randomBytes(4).toString('hex')}` } },
      ]);
      await expectEventually(async () => expect(await bufferLength(sessionId)).toBe(3), { timeoutMs: 8000 });
      const entries = await bufferEntries(sessionId);
      expect(entries[0].viewerType).toBe('Subscriber');
      expect(entries[1].trackingId).toBe(entries[0].trackingId);
      google.endChat(`chat-${broadcastId}`);
      await expectEventually(async () => {
        const status = await post('/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId });
        expect(status.body.state).toBe('ended');
        expect(status.body.youtubeQuotaUnitsToday).toBeGreaterThanOrEqual(5);
      }, { timeoutMs: 8000 });
    });
  });

  describe('YouTube WebSub', () => {
    const atom = (channelId: string, videoId: string) =>
      `<?xml version='1.0' encoding='UTF-8'?><feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom"><entry><id>yt:video:${videoId}</id><yt:videoId>${videoId}</yt:videoId><yt:channelId>${channelId}</yt:channelId><title>t</title></entry></feed>`;
    const push = (xml: string, secret = WEBSUB_SECRET) =>
      request(sut.app.getHttpServer())
        .post('/stream/webhook/youtube')
        .set('Content-Type', 'application/atom+xml')
        .set('X-Hub-Signature', `sha1=${createHmac('sha1', secret).update(xml).digest('hex')}`)
        .send(xml);

    it('subscribes the channel feed on link, answers verifications, and starts a session on a push when live', async () => {
      const accountId = randomUUID();
      const channelId = `UC${randomBytes(16).toString('base64url').slice(0, 22)}`;
      identifying.push(channelId);
      const link = await post('/stream/platform/link', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      await post('/stream/platform/callback', user(accountId), { accountId, platform: 'youtube', code: google.issueCode({ id: channelId, title: 'c' }), state: link.body.state }).expect(200);
      const topic = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channelId}`;
      const hubRequest = google.requestsTo('/hub/subscribe').find((r) => r.body['hub.topic'] === topic);
      expect(hubRequest?.body).toMatchObject({ 'hub.mode': 'subscribe', 'hub.verify_token': WEBSUB_TOKEN, 'hub.secret': WEBSUB_SECRET, 'hub.lease_seconds': '432000' });

      const verification = { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': 'challenge-123', 'hub.lease_seconds': '432000' };
      const ok = await request(sut.app.getHttpServer()).get('/stream/webhook/youtube').query({ ...verification, 'hub.verify_token': WEBSUB_TOKEN }).expect(200);
      expect(ok.text).toBe('challenge-123');
      expect(ok.headers['content-type']).toMatch(/^text\/plain/);
      await request(sut.app.getHttpServer()).get('/stream/webhook/youtube').query({ ...verification, 'hub.verify_token': 'wrong' }).expect(404);
      await request(sut.app.getHttpServer()).get('/stream/webhook/youtube').query({ ...verification, 'hub.topic': 'https://evil.example.com/', 'hub.verify_token': WEBSUB_TOKEN }).expect(404);

      await push(atom(channelId, 'vidNotLive01')).expect(202);
      await expectEventually(() => expect(google.requestsTo('/youtube/v3/liveBroadcasts').length).toBeGreaterThan(0));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await post('/stream/session/list', user(accountId), { accountId })).body.total).toBe(0);
      google.setLive(channelId, 'vidLive00001');
      await push(atom(channelId, 'vidLive00001'), 'forged-secret').expect(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await post('/stream/session/list', user(accountId), { accountId })).body.total).toBe(0);
      await push(atom(channelId, 'vidLive00001')).expect(202);
      await expectEventually(async () => {
        const list = await post('/stream/session/list', user(accountId), { accountId });
        expect(list.body.sessions.filter((s: { state: string }) => s.state === 'active')).toHaveLength(1);
      });
      await post('/stream/platform/unlink', user(accountId), { accountId, platform: 'youtube' }).expect(200);
      expect(google.requestsTo('/hub/subscribe').some((r) => r.body['hub.topic'] === topic && r.body['hub.mode'] === 'unsubscribe')).toBe(true);
    });
  });

  describe('Twitch EventSub webhook', () => {
    it('answers the callback verification with the bare challenge as text/plain', async () => {
      const challenge = randomUUID();
      const response = await deliver('/stream/webhook/twitch', eventSubDelivery(WEBHOOK_SECRET, 'webhook_callback_verification', 'channel.chat.message', { challenge })).expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.text).toBe(challenge);
    });

    it('turns chat, subscriptions, cheers, raids and follows into anonymous buffered entries', async () => {
      const { broadcaster, sessionId, accountId } = await linkLiveTwitch();
      const mod = viewer();
      const regular = viewer();
      const raider = viewer();
      const deliveries = [
        chat(broadcaster.id, mod, chatText('PogChamp LETS GOOO what a play'), ['moderator']),
        chat(broadcaster.id, regular, chatText('KEKW that was hilarious')),
        chat(broadcaster.id, mod, chatText('gg well played <3'), ['moderator']),
        eventSubDelivery(WEBHOOK_SECRET, 'notification', 'channel.subscribe', { event: { user_id: regular.id, user_login: regular.login, user_name: regular.login, broadcaster_user_id: broadcaster.id, tier: '1000', is_gift: false } }),
        eventSubDelivery(WEBHOOK_SECRET, 'notification', 'channel.cheer', { event: { is_anonymous: false, user_id: regular.id, user_login: regular.login, broadcaster_user_id: broadcaster.id, message: chatText('Cheer100 great stream'), bits: 1000 } }),
        eventSubDelivery(WEBHOOK_SECRET, 'notification', 'channel.raid', { event: { from_broadcaster_user_id: raider.id, from_broadcaster_user_login: raider.login, to_broadcaster_user_id: broadcaster.id, viewers: 2500 } }),
        eventSubDelivery(WEBHOOK_SECRET, 'notification', 'channel.follow', { event: { user_id: viewer().id, user_login: 'f', broadcaster_user_id: broadcaster.id, followed_at: new Date().toISOString() } }),
      ];
      for (const delivery of deliveries) await deliver('/stream/webhook/twitch', delivery).expect(204);
      await expectEventually(async () => expect(await bufferLength(sessionId)).toBe(7));
      const entries = await bufferEntries(sessionId);
      for (const entry of entries) {
        expect(Object.keys(entry).sort()).toEqual(['at', 'category', 'intensity', 'trackingId', 'viewerType']);
        expect(entry.intensity).toBeGreaterThanOrEqual(0);
        expect(entry.intensity).toBeLessThanOrEqual(1);
      }
      const modEntries = entries.slice(0, 3).filter((e) => e.viewerType === 'Moderator');
      expect(modEntries).toHaveLength(2);
      expect(modEntries[0].trackingId).toBe(modEntries[1].trackingId);
      expect(entries.some((e) => e.viewerType === 'RaidLeader' && e.category === 'Excited')).toBe(true);
      expect(entries[1].category).toBe('Amused');
      const status = await post('/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId }).expect(200);
      expect(status.body.entriesAccepted).toBe(7);
      expect(Object.values(status.body.sentimentDistribution as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(7);
    });

    it('rejects forged and stale deliveries and ignores replays, changing nothing', async () => {
      const { broadcaster, sessionId } = await linkLiveTwitch();
      const chatter = viewer();
      // A line with sentiment: a bare greeting is below the confidence floor and would make no entry.
      const good = chat(broadcaster.id, chatter, chatText('gg well played'));
      const forged = { ...good, headers: { ...good.headers, 'Twitch-Eventsub-Message-Signature': `sha256=${'0'.repeat(64)}` } };
      const forgedResponse = await deliver('/stream/webhook/twitch', forged).expect(403);
      expect(forgedResponse.body).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: 'Signature does not match', correlationId: requestIdOf(forgedResponse) });
      const tampered = { ...good, body: good.body.replace('gg well played', 'gg well played!') };
      await deliver('/stream/webhook/twitch', tampered).expect(403);
      const stale = chat(broadcaster.id, chatter, chatText('old news'));
      const staleSigned = eventSubDelivery(WEBHOOK_SECRET, 'notification', 'channel.chat.message', { event: JSON.parse(stale.body).event }, { timestamp: new Date(Date.now() - 11 * 60_000).toISOString() });
      await deliver('/stream/webhook/twitch', staleSigned).expect(400);
      await deliver('/stream/webhook/twitch', good).expect(204);
      await deliver('/stream/webhook/twitch', good).expect(204);
      await expectEventually(async () => expect(await bufferLength(sessionId)).toBe(1));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await bufferLength(sessionId)).toBe(1);
      // No id, timestamp or signature: it cannot be verified (twitch.md §3.3), so 403 like a forged one.
      await request(sut.app.getHttpServer()).post('/stream/webhook/twitch').send({}).expect(403);
    });

    it('processes a delivery once when Twitch sends it again to another replica, at the same time', async () => {
      const { broadcaster, sessionId, accountId } = await linkLiveTwitch();
      const other = await createControlApi(env);
      try {
        // Listening for real (supertest would listen anew for each of the concurrent requests).
        const origins = await Promise.all([sut, other].map((replica) => listening(replica.app.getHttpServer() as Server)));
        const replicas = origins.map((origin) => async (delivery: SignedDelivery) => {
          const response = await fetch(`${origin}/stream/webhook/twitch`, { method: 'POST', headers: delivery.headers, body: delivery.body });
          await response.arrayBuffer();
          return response.status;
        });
        // A first message through each replica: afterwards both know the link and its session, so the
        // deliveries below take the one-round-trip path (replay guard, session check and write together).
        // Counted from the session's status: a replica's pulse publisher may drain the buffer meanwhile.
        const processed = async () => {
          const status = await post('/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId }).expect(200);
          return status.body.entriesAccepted + status.body.messagesWithoutSentiment + status.body.entriesShed;
        };
        for (const send of replicas) expect(await send(chat(broadcaster.id, viewer(), chatText('gg well played')))).toBe(204);
        await expectEventually(async () => expect(await processed()).toBe(2));
        const chatter = viewer();
        const deliveries = ['gg well played', 'this is amazing', 'what a play', 'so good', 'wow nice'].map((text) => chat(broadcaster.id, chatter, chatText(text)));
        const answers = await Promise.all(deliveries.flatMap((delivery) => [replicas[0](delivery), replicas[1](delivery), replicas[1](delivery), replicas[0](delivery)]));
        expect(answers).toEqual(answers.map(() => 204));
        await expectEventually(async () => expect(await processed()).toBe(2 + deliveries.length));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await processed()).toBe(2 + deliveries.length);
      } finally {
        await other.app.close();
      }
    });

    it('counts chat below the confidence floor without buffering it, and reads emote fragments', async () => {
      const { broadcaster, sessionId, accountId } = await linkLiveTwitch();
      const chatter = viewer();
      const greeting = chat(broadcaster.id, chatter, chatText('just got home from work'));
      // "hype" as text is Excited; marked by the platform as a (channel) emote the engine does not know, it adds
      // nothing: proof that the fragments reach the engine.
      const channelEmote = chat(broadcaster.id, chatter, chatText('hype'));
      const emoteEvent = JSON.parse(channelEmote.body).event;
      const rest = emoteEvent.message.text.slice('hype'.length);
      emoteEvent.message.fragments = [
        { type: 'emote', text: 'hype', cheermote: null, emote: { id: 'emotesv2_1', emote_set_id: '1', owner_id: broadcaster.id, format: ['static'] }, mention: null },
        { type: 'text', text: rest, cheermote: null, emote: null, mention: null },
      ];
      const marked = eventSubDelivery(WEBHOOK_SECRET, 'notification', 'channel.chat.message', { event: emoteEvent });
      await deliver('/stream/webhook/twitch', greeting).expect(204);
      await deliver('/stream/webhook/twitch', marked).expect(204);
      await deliver('/stream/webhook/twitch', chat(broadcaster.id, chatter, chatText('gg well played'))).expect(204);
      await expectEventually(async () => {
        const status = await post('/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId }).expect(200);
        expect(status.body.messagesWithoutSentiment).toBe(2);
        expect(status.body.entriesAccepted).toBe(1);
      });
      expect(await bufferLength(sessionId)).toBe(1);
    });

    it('opens and closes sessions on stream.online / stream.offline', async () => {
      const { accountId, broadcaster, sessionId } = await linkLiveTwitch();
      await deliver('/stream/webhook/twitch', eventSubDelivery(WEBHOOK_SECRET, 'notification', 'stream.offline', { event: { broadcaster_user_id: broadcaster.id, broadcaster_user_login: broadcaster.login } })).expect(204);
      await expectEventually(async () => {
        const status = await post('/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId });
        expect(status.body.state).toBe('ended');
      });
      await deliver('/stream/webhook/twitch', eventSubDelivery(WEBHOOK_SECRET, 'notification', 'stream.online', { event: { id: '9001', broadcaster_user_id: broadcaster.id, type: 'live', started_at: new Date().toISOString() } })).expect(204);
      await expectEventually(async () => {
        const list = await post('/stream/session/list', user(accountId), { accountId });
        expect(list.body.sessions.filter((s: { state: string }) => s.state === 'active')).toHaveLength(1);
      });
    });

    it('flags the link when the creator revokes the app', async () => {
      const { accountId, broadcaster } = await linkLiveTwitch();
      await deliver('/stream/webhook/twitch', eventSubDelivery(WEBHOOK_SECRET, 'revocation', 'channel.chat.message', { status: 'authorization_revoked', condition: { broadcaster_user_id: broadcaster.id, user_id: broadcaster.id } })).expect(204);
      await expectEventually(async () => {
        const list = await post('/stream/platform/list', user(accountId), { accountId });
        expect(list.body.platforms[0].status).toBe('needs_relink');
      });
    });

    it('stops the session when the platform is unlinked', async () => {
      const { accountId, sessionId } = await linkLiveTwitch();
      await post('/stream/platform/unlink', user(accountId), { accountId, platform: 'twitch' }).expect(200);
      const status = await post('/stream/session/status', user(accountId), { accountId, platformSessionId: sessionId }).expect(200);
      expect(status.body.state).toBe('ended');
    });
  });

  describe('custom webhook', () => {
    async function liveCustom() {
      const accountId = randomUUID();
      const link = await post('/stream/platform/link', user(accountId), { accountId, platform: 'custom', rtmpUrl: 'rtmp://ingest.example.net/live/sk_custom_1234' }).expect(200);
      const session = await post('/stream/session/start', user(accountId), { accountId, platform: 'custom' }).expect(200);
      return { accountId, linkId: link.body.link.linkId as string, sessionId: session.body.platformSessionId as string };
    }

    it('accepts a signed batch in the documented format, once', async () => {
      const { linkId, sessionId } = await liveCustom();
      const fan = viewer();
      const delivery = customWebhookDelivery(CUSTOM_SECRET, {
        linkId,
        events: [
          { type: 'chat', viewerId: fan.id, text: chatText('this is amazing!!!'), roles: ['subscriber'] },
          { type: 'subscription', viewerId: fan.id, tier: 2 },
          { type: 'raid', viewerId: viewer().id, viewers: 40 },
          { type: 'donation', viewerId: viewer().id, amount: 25, currency: 'USD' },
          { type: 'viewers', count: 321 },
        ],
      });
      const response = await deliver('/stream/webhook/custom', delivery).expect(202);
      expect(response.body).toEqual({ accepted: 5, duplicate: false });
      expect(await bufferLength(sessionId)).toBe(4);
      expect((await deliver('/stream/webhook/custom', delivery).expect(202)).body).toEqual({ accepted: 0, duplicate: true });
      expect(await bufferLength(sessionId)).toBe(4);
    });

    it('refuses bad signatures, unknown links and malformed events by name', async () => {
      const { linkId } = await liveCustom();
      const wrongKey = customWebhookDelivery('not-the-secret', { linkId, events: [{ type: 'follow' }] });
      await deliver('/stream/webhook/custom', wrongKey).expect(403);
      await deliver('/stream/webhook/custom', customWebhookDelivery(CUSTOM_SECRET, { linkId: randomUUID(), events: [{ type: 'follow' }] })).expect(404);
      const bad = await deliver('/stream/webhook/custom', customWebhookDelivery(CUSTOM_SECRET, { linkId, events: [{ type: 'chat', text: '' }] })).expect(400);
      expect(bad.body.message).toBe('events[0].text must be 1 to 2000 characters');
      const stale = customWebhookDelivery(CUSTOM_SECRET, { linkId, events: [{ type: 'follow' }] }, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
      await deliver('/stream/webhook/custom', stale).expect(400);
    });
  });

  it('shows the latest pulse of a session to developers, 404 when there is none', async () => {
    const platformSessionId = randomUUID();
    const dev = bearerToken('dev', ['developer']);
    await post('/stream/admin/pulse/latest', dev, { platformSessionId }).expect(404);
    const pulse = { pulseId: randomUUID(), streamSessionId: null, platformSessionId, timestamp: new Date().toISOString(), intervalSeconds: 15, approximateViewerCount: 3, sentiments: [] };
    await redis.set(SessionKeys.latestPulse(platformSessionId), JSON.stringify(pulse), 'EX', 60);
    expect((await post('/stream/admin/pulse/latest', dev, { platformSessionId }).expect(200)).body).toEqual(pulse);
    await post('/stream/admin/pulse/latest', bearerToken('u', ['user']), { platformSessionId }).expect(403);
    await post('/stream/admin/pulse/latest', dev, { platformSessionId: 'x' }).expect(400);
  });

  it('the sentiment test endpoint is for developers', async () => {
    const response = await post('/stream/admin/sentiment/test', bearerToken('dev', ['developer']), { text: 'ResidentSleeper so boring' }).expect(200);
    expect(response.body).toEqual({
      verdict: 'sentiment',
      category: 'Bored',
      intensity: expect.any(Number),
      reason: 'scored',
      candidate: 'Bored',
      confidence: expect.any(Number),
      floor: 0.14,
      cues: [],
    });
    // Only invisible characters: no sentiment, and the reason says why (issue #16: it used to be "Supportive 0").
    const invisible = await post('/stream/admin/sentiment/test', bearerToken('dev', ['developer']), { text: '\u200b\u200b\u200b' }).expect(200);
    expect(invisible.body).toMatchObject({ verdict: 'no-sentiment', category: null, intensity: 0, reason: 'empty' });
    // A channel emote the platform marks but the engine does not know adds nothing.
    const unknownEmote = await post('/stream/admin/sentiment/test', bearerToken('dev', ['developer']), { text: 'streamerHype', emotes: ['streamerHype'] }).expect(200);
    expect(unknownEmote.body).toMatchObject({ verdict: 'no-sentiment', reason: 'no-evidence', cues: ['unknown-emote'] });
    await post('/stream/admin/sentiment/test', bearerToken('dev', ['user']), { text: 'x' }).expect(403);
  });

  it('keeps every username, user id and chat text out of Redis, MySQL, published events, responses and logs', async () => {
    expect(identifying.length).toBeGreaterThan(20);
    const redisDump = await dumpRedis(redis);
    const mysqlDump = await dumpMysql(db.url);
    const places = { redis: redisDump, mysql: mysqlDump, events: published.join('\n'), responses: responses.join('\n'), logs: capturedLogLines.join('') };
    expect(findLeaks(places, identifying)).toEqual({});
  });
});

describe('burst protection', () => {
  it('sheds entries past the per-session rate and counts them', async () => {
    const db = await createTestDatabase();
    const app = await createControlApi({
      STREAM_ENABLED: 'true',
      STREAM_DATABASE_URL: db.url,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      STREAM_CUSTOM_WEBHOOK_SECRET: CUSTOM_SECRET,
      STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '20',
    });
    try {
      const accountId = randomUUID();
      const http = () => request(app.app.getHttpServer());
      const link = await http().post('/stream/platform/link').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platform: 'custom', rtmpUrl: 'rtmp://h/app/k' }).expect(200);
      const session = await http().post('/stream/session/start').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platform: 'custom' }).expect(200);
      // 80 messages with sentiment, and 5 below the confidence floor (counted apart, never buffered or shed).
      const events = [
        ...Array.from({ length: 80 }, (_, i) => ({ type: 'chat', text: `gg well played ${i}` })),
        ...Array.from({ length: 5 }, (_, i) => ({ type: 'chat', text: `message number ${i}` })),
      ];
      const delivery = customWebhookDelivery(CUSTOM_SECRET, { linkId: link.body.link.linkId, events });
      await http().post('/stream/webhook/custom').set(delivery.headers).send(delivery.body).expect(202);
      const status = await http().post('/stream/session/status').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platformSessionId: session.body.platformSessionId }).expect(200);
      expect(status.body.entriesAccepted + status.body.entriesShed).toBe(80);
      expect(status.body.entriesShed).toBeGreaterThanOrEqual(40);
      expect(status.body.messagesWithoutSentiment).toBe(5);
      const metrics = await http().get('/metrics').expect(200);
      expect(metrics.text).toMatch(/lib_stream_sentiment_entries_total\{outcome="shed"[^}]*\} \d+/);
      expect(metrics.text).toMatch(/lib_stream_sentiment_entries_total\{outcome="no_sentiment"[^}]*\} 5\b/);
    } finally {
      await app.app.close();
      await db.drop();
    }
  });
});
