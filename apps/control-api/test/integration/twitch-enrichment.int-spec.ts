import { randomUUID } from 'node:crypto';

import Redis from 'ioredis';
import request from 'supertest';

import { SessionKeys } from '@lib-stream/contracts';
import { SentimentCategory, TrackedViewerType } from '@lib-stream/privacy';
import { FakeTwitch, type TestDatabase, bearerToken, createTestDatabase, dumpRedis, eventSubDelivery, expectEventually, findLeaks, testRedisUrl } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi, twitchSettings } from './control-api.factory';

const WEBHOOK_SECRET = 'twitch-eventsub-secret-for-enrichment-01';

// Signed EventSub deliveries of the new types through the real webhook, ingest and Redis buffer; and a
// returning viewer across two sessions of one link, end to end.
describe('Twitch enrichment and Returner over the webhook', () => {
  const twitch = new FakeTwitch();
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  let redis: Redis;
  /** Every platform user id sent in: none may be found in Redis. */
  const ids: string[] = [];

  const userId = () => {
    const id = String(20_000_000 + Math.floor(Math.random() * 70_000_000));
    ids.push(id);
    return id;
  };
  const post = (path: string, accountId: string, body: object) => request(sut.app.getHttpServer()).post(path).set('Authorization', bearerToken(accountId, ['user'])).send(body);
  const deliver = (type: string, event: object) => {
    const delivery = eventSubDelivery(WEBHOOK_SECRET, 'notification', type, { event });
    return request(sut.app.getHttpServer()).post('/stream/webhook/twitch').set(delivery.headers).send(delivery.body).expect(204);
  };
  const entries = async (sessionId: string) =>
    (await redis.lrange(SessionKeys.buffer(sessionId), 0, -1)).map((e) => JSON.parse(e) as { category: string; intensity: number; viewerType: string | null });

  async function linkLive(): Promise<{ accountId: string; broadcasterId: string; sessionId: string }> {
    const accountId = randomUUID();
    const broadcasterId = userId();
    const start = await post('/stream/platform/link', accountId, { accountId, platform: 'twitch' }).expect(200);
    const code = twitch.issueCode({ id: broadcasterId, login: `b${broadcasterId}`, displayName: 'B' });
    await post('/stream/platform/callback', accountId, { accountId, platform: 'twitch', code, state: start.body.state }).expect(200);
    twitch.setLive(broadcasterId, String(Date.now()), 100);
    const session = await post('/stream/session/start', accountId, { accountId, platform: 'twitch' }).expect(200);
    return { accountId, broadcasterId, sessionId: session.body.platformSessionId as string };
  }

  const broadcaster = (id: string) => ({ broadcaster_user_id: id, broadcaster_user_login: `b${id}`, broadcaster_user_name: 'B' });
  const cheer = (broadcasterId: string, viewerId: string) => ({
    is_anonymous: false,
    user_id: viewerId,
    user_login: `v${viewerId}`,
    user_name: 'V',
    ...broadcaster(broadcasterId),
    message: 'Cheer100',
    bits: 100,
  });
  function notice(broadcasterId: string, chatterId: string, noticeType: string, fields: object) {
    return {
      ...broadcaster(broadcasterId),
      chatter_user_id: chatterId,
      chatter_user_login: `v${chatterId}`,
      chatter_user_name: 'V',
      chatter_is_anonymous: false,
      color: '',
      badges: [],
      system_message: 'system line',
      message_id: randomUUID(),
      message: { text: '', fragments: [] },
      notice_type: noticeType,
      sub: null, resub: null, sub_gift: null, community_sub_gift: null, gift_paid_upgrade: null, prime_paid_upgrade: null,
      raid: null, unraid: null, pay_it_forward: null, announcement: null, charity_donation: null, bits_badge_tier: null,
      source_broadcaster_user_id: null, source_broadcaster_user_login: null, source_broadcaster_user_name: null, source_message_id: null, source_badges: null,
      ...fields,
    };
  }

  beforeAll(async () => {
    await twitch.start();
    db = await createTestDatabase();
    sut = await createControlApi({
      ...twitchSettings(twitch, db.url),
      STREAM_TWITCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    redis = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    await sut?.app.close();
    await redis?.quit();
    await twitch.stop();
    await db?.drop();
  });

  it('turns a hype train, a poll, an upset prediction, a gift bomb and an announcement into entries, counting the bomb once', async () => {
    const { broadcasterId, sessionId } = await linkLive();
    const gifter = userId();
    const recipient = userId();
    await deliver('channel.hype_train.begin', { id: 'ht1', ...broadcaster(broadcasterId), total: 500, progress: 100, goal: 800, level: 3, top_contributions: [{ user_id: gifter, user_login: 'g', user_name: 'G', type: 'bits', total: 500 }], all_time_high_level: 4, all_time_high_total: 2845, shared_train_participants: null, started_at: new Date().toISOString(), expires_at: new Date().toISOString(), type: 'regular', is_shared_train: false });
    await deliver('channel.poll.end', { id: 'p1', ...broadcaster(broadcasterId), status: 'completed', title: 'Which boss next?', choices: [{ id: 'a', title: 'Dragon', bits_votes: 0, channel_points_votes: 0, votes: 600 }, { id: 'b', title: 'Lich', bits_votes: 0, channel_points_votes: 0, votes: 400 }], bits_voting: { is_enabled: false, amount_per_vote: 0 }, channel_points_voting: { is_enabled: false, amount_per_vote: 0 }, started_at: new Date().toISOString(), ends_at: new Date().toISOString() });
    await deliver('channel.prediction.end', { id: 'pr1', ...broadcaster(broadcasterId), title: 'Win?', winning_outcome_id: 'o2', outcomes: [{ id: 'o1', title: 'Yes', color: 'blue', users: 90, channel_points: 90_000, top_predictors: [] }, { id: 'o2', title: 'No', color: 'pink', users: 10, channel_points: 10_000, top_predictors: [] }], status: 'resolved', started_at: new Date().toISOString(), ended_at: new Date().toISOString() });
    await deliver('channel.chat.notification', notice(broadcasterId, gifter, 'community_sub_gift', { community_sub_gift: { id: 'cg1', total: 25, sub_tier: '1000', cumulative_total: 100 } }));
    // The bomb's single gifts, and the recipients' gifted channel.subscribe, are the same gifts again.
    await deliver('channel.chat.notification', notice(broadcasterId, gifter, 'sub_gift', { sub_gift: { duration_months: 1, cumulative_total: 100, recipient_user_id: recipient, recipient_user_name: 'R', recipient_user_login: 'r', sub_tier: '1000', community_gift_id: 'cg1' } }));
    await deliver('channel.subscribe', { user_id: recipient, user_login: 'r', user_name: 'R', ...broadcaster(broadcasterId), tier: '1000', is_gift: true });
    // A moderator's announcement is read as chat; the streamer's own is not the audience's reaction.
    await deliver('channel.chat.notification', notice(broadcasterId, userId(), 'announcement', { announcement: { color: 'PRIMARY' }, message: { text: 'What an amazing win, thank you all, love you!', fragments: [] }, badges: [{ set_id: 'moderator', id: '1', info: '' }] }));
    await deliver('channel.chat.notification', notice(broadcasterId, broadcasterId, 'announcement', { announcement: { color: 'PRIMARY' }, message: { text: 'Giveaway now, type !enter, love you all!', fragments: [] }, badges: [{ set_id: 'broadcaster', id: '1', info: '' }] }));
    // Progress events (one per vote) add nothing: the poll counts once, at its end.
    await deliver('channel.poll.progress', { id: 'p1', ...broadcaster(broadcasterId), title: 'Which boss next?', choices: [{ id: 'a', title: 'Dragon', bits_votes: 0, channel_points_votes: 0, votes: 601 }], bits_voting: { is_enabled: false, amount_per_vote: 0 }, channel_points_voting: { is_enabled: false, amount_per_vote: 0 }, started_at: new Date().toISOString(), ends_at: new Date().toISOString() });

    // A last, known entry: once it is in, every delivery before it has been handled.
    await deliver('channel.poll.begin', { id: 'p2', ...broadcaster(broadcasterId), title: 'Again?', choices: [{ id: 'a', title: 'Yes' }], bits_voting: { is_enabled: false, amount_per_vote: 0 }, channel_points_voting: { is_enabled: false, amount_per_vote: 0 }, started_at: new Date().toISOString(), ends_at: new Date().toISOString() });
    await expectEventually(async () => expect((await entries(sessionId)).filter((e) => e.category === SentimentCategory.Curious && e.intensity === 0.3)).toHaveLength(1));
    const all = await entries(sessionId);
    expect(all).toHaveLength(6);
    const pick = (category: SentimentCategory) => all.filter((e) => e.category === category).map((e) => e.intensity).sort();
    // Hype train level 3 (0.7) and the 25-gift bomb; the poll by its 1,000 votes and the new poll; the upset.
    expect(pick(SentimentCategory.Excited)).toHaveLength(2);
    expect(pick(SentimentCategory.Excited)).toContain(0.7);
    expect(pick(SentimentCategory.Curious)).toHaveLength(2);
    expect(pick(SentimentCategory.Surprised)).toHaveLength(1);
    // The announcement, read as chat: positive.
    expect([SentimentCategory.Supportive, SentimentCategory.Excited, SentimentCategory.Amused]).toContain(
      all.find((e) => ![SentimentCategory.Excited, SentimentCategory.Curious, SentimentCategory.Surprised].includes(e.category as SentimentCategory))?.category,
    );
  });

  it('tracks a viewer of the last session as Returner in the next one, and stores no id for it', async () => {
    const { accountId, broadcasterId, sessionId: first } = await linkLive();
    const regular = userId();
    const newcomer = userId();
    await deliver('channel.cheer', cheer(broadcasterId, regular));
    await expectEventually(async () => expect(await entries(first)).toHaveLength(1));
    expect((await entries(first))[0].viewerType).toBeNull();
    await post('/stream/session/stop', accountId, { accountId, platformSessionId: first }).expect(200);

    const second = (await post('/stream/session/start', accountId, { accountId, platform: 'twitch' }).expect(200)).body.platformSessionId as string;
    await deliver('channel.cheer', cheer(broadcasterId, regular));
    await deliver('channel.cheer', cheer(broadcasterId, newcomer));
    // The check runs beside the first delivery; a later interaction carries its answer.
    await expectEventually(async () => {
      await deliver('channel.cheer', cheer(broadcasterId, regular));
      expect((await entries(second)).at(-1)?.viewerType).toBe(TrackedViewerType.Returner);
    });
    await deliver('channel.cheer', cheer(broadcasterId, newcomer));
    await expectEventually(async () => expect((await entries(second)).at(-1)?.viewerType).toBeNull());

    expect(findLeaks({ redis: await dumpRedis(redis) }, ids)).toEqual({});
  });
});
