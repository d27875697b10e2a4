import { randomUUID } from 'node:crypto';
import request from 'supertest';

import {
  FakeTwitch,
  LINK_SCOPES,
  type RecordedRequest,
  type TestDatabase,
  bearerToken,
  createTestDatabase,
  eventSubDelivery,
  expectEventually,
  startRedisServer,
  startTcpProxy,
} from '@lib-stream/testing';

import { WebhookSubscriptionManager } from '../../src/webhook-subscriptions/webhook-subscription.manager';
import { type ControlApiUnderTest, createControlApi, twitchSettings } from './control-api.factory';

const CALLBACK = 'https://stream.example.com/stream/webhook/twitch';

describe('WebhookSubscriptionManager against a local Twitch', () => {
  const twitch = new FakeTwitch();
  let db: TestDatabase;
  let env: Record<string, string>;
  let sut: ControlApiUnderTest;

  const manager = () => sut.app.get(WebhookSubscriptionManager);
  const subscriptionsOf = (broadcasterId: string) =>
    twitch.eventSubSubscriptions.filter((s) => (s.condition.broadcaster_user_id ?? s.condition.to_broadcaster_user_id) === broadcasterId);

  /**
   * Waits until the broadcaster has `count` subscriptions and the reconcile the link started is over:
   * until then a test's own reconcile is skipped (one reconcile at a time), which under load made
   * the tests below race it.
   */
  async function settled(broadcasterId: string, count: number) {
    await expectEventually(async () => {
      expect(subscriptionsOf(broadcasterId)).toHaveLength(count);
      expect(await manager().reconcile()).toMatchObject({ skipped: null });
    });
  }

  async function linkTwitch(accountId: string, broadcasterId: string, scopes?: string[]) {
    const http = () => request(sut.app.getHttpServer());
    const start = await http().post('/stream/platform/link').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platform: 'twitch' }).expect(200);
    const code = twitch.issueCode({ id: broadcasterId, login: `b${broadcasterId}`, displayName: 'B' }, scopes);
    await http().post('/stream/platform/callback').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platform: 'twitch', code, state: start.body.state }).expect(200);
  }

  beforeAll(async () => {
    await twitch.start();
    db = await createTestDatabase();
    env = {
      ...twitchSettings(twitch, db.url),
      STREAM_TWITCH_WEBHOOK_SECRET: 'eventsub-secret-for-manager-tests',
      STREAM_TWITCH_EVENTSUB_CALLBACK_URL: CALLBACK,
    };
    sut = await createControlApi(env);
  });

  afterAll(async () => {
    await sut?.app.close();
    await twitch.stop();
    await db?.drop();
  });

  it('creates the subscriptions a new Twitch link needs, with an app token, once', async () => {
    const broadcasterId = '71000001';
    await linkTwitch(randomUUID(), broadcasterId);
    await settled(broadcasterId, 9);
    expect(subscriptionsOf(broadcasterId).map((s) => s.type).sort()).toEqual(
      ['channel.chat.message', 'channel.chat.notification', 'channel.cheer', 'channel.follow', 'channel.raid', 'channel.subscribe', 'channel.subscription.message', 'stream.offline', 'stream.online'],
    );
    expect(subscriptionsOf(broadcasterId).every((s) => s.transport.callback === CALLBACK)).toBe(true);
    expect(subscriptionsOf(broadcasterId).find((s) => s.type === 'channel.follow')?.condition).toEqual({ broadcaster_user_id: broadcasterId, moderator_user_id: broadcasterId });
    expect(twitch.requestsTo('/oauth2/token', 'client_credentials').length).toBeGreaterThan(0);
    const again = await manager().reconcile();
    expect(again).toMatchObject({ skipped: null, created: 0, deleted: 0, existing: 9 });
  });

  it('adds polls, predictions and hype trains (v2) for a link that granted their scopes', async () => {
    const broadcasterId = '71000005';
    await linkTwitch(randomUUID(), broadcasterId, [...LINK_SCOPES, 'channel:read:polls', 'channel:read:predictions', 'channel:read:hype_train']);
    await settled(broadcasterId, 16);
    const enrichment = subscriptionsOf(broadcasterId).filter((s) => /^channel\.(poll|prediction|hype_train)\./.test(s.type));
    expect(enrichment.map((s) => `${s.type} v${s.version}`).sort()).toEqual([
      'channel.hype_train.begin v2', 'channel.hype_train.end v2',
      'channel.poll.begin v1', 'channel.poll.end v1',
      'channel.prediction.begin v1', 'channel.prediction.end v1', 'channel.prediction.lock v1',
    ]);
    expect(enrichment.every((s) => JSON.stringify(s.condition) === JSON.stringify({ broadcaster_user_id: broadcasterId }))).toBe(true);
    // Nothing refused: the fake answers 403 for a scope the broadcaster has not granted.
    expect(await manager().reconcile()).toMatchObject({ failed: 0, created: 0 });
  });

  it('creates what the granted scopes allow when a creator unticked one on the consent screen (Twitch refuses the rest with 403)', async () => {
    const broadcasterId = '71000006';
    await linkTwitch(randomUUID(), broadcasterId, LINK_SCOPES.filter((scope) => scope !== 'bits:read'));
    await settled(broadcasterId, 8);
    expect(subscriptionsOf(broadcasterId).map((s) => s.type)).not.toContain('channel.cheer');
    expect(await manager().reconcile()).toMatchObject({ failed: 1, created: 0 });
  });

  it('re-creates a subscription Twitch revoked and resumes after a 429', async () => {
    const broadcasterId = '71000002';
    await linkTwitch(randomUUID(), broadcasterId);
    await settled(broadcasterId, 9);
    subscriptionsOf(broadcasterId)[0].status = 'notification_failures_exceeded';
    twitch.rateLimitCreates = 1;
    const limited = await manager().reconcile();
    expect(limited).toMatchObject({ rateLimited: true, deleted: 1 });
    const resumed = await manager().reconcile();
    expect(resumed).toMatchObject({ rateLimited: false, created: 1 });
    expect(subscriptionsOf(broadcasterId).every((s) => s.status === 'webhook_callback_verification_pending')).toBe(true);
  });

  it('re-subscribes at once when Twitch revokes a subscription for failures', async () => {
    const broadcasterId = '71000004';
    await linkTwitch(randomUUID(), broadcasterId);
    await settled(broadcasterId, 9);
    const revoked = subscriptionsOf(broadcasterId).find((s) => s.type === 'channel.cheer');
    if (revoked) revoked.status = 'notification_failures_exceeded';
    const delivery = eventSubDelivery('eventsub-secret-for-manager-tests', 'revocation', 'channel.cheer', { status: 'notification_failures_exceeded', condition: { broadcaster_user_id: broadcasterId } });
    await request(sut.app.getHttpServer()).post('/stream/webhook/twitch').set(delivery.headers).send(delivery.body).expect(204);
    await expectEventually(() => {
      const cheer = subscriptionsOf(broadcasterId).filter((s) => s.type === 'channel.cheer');
      expect(cheer).toHaveLength(1);
      expect(cheer[0].id).not.toBe(revoked?.id);
    });
  });

  it('deletes the subscriptions of an unlinked account', async () => {
    const accountId = randomUUID();
    const broadcasterId = '71000003';
    await linkTwitch(accountId, broadcasterId);
    await settled(broadcasterId, 9);
    await request(sut.app.getHttpServer()).post('/stream/platform/unlink').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platform: 'twitch' }).expect(200);
    await settled(broadcasterId, 0);
  });

  it('lets one replica reconcile at a time', async () => {
    const replica = await createControlApi(env);
    try {
      const reports = await Promise.all([manager().reconcile(), replica.app.get(WebhookSubscriptionManager).reconcile()]);
      expect(reports.filter((r) => r.skipped === 'another replica is reconciling')).toHaveLength(1);
    } finally {
      await replica.app.close();
    }
  });

  // The reconcile a new link starts runs off the request, so nothing awaits it: a Redis failure in it
  // used to be an unhandled rejection (control-api exits).
  it('finishes the reconcile a new link started when Redis goes away meanwhile, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const server = await startRedisServer();
    const proxy = await startTcpProxy(server.port);
    const replica = await createControlApi({ ...env, STREAM_REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    // Twitch's subscription list is held until Redis is cut: the reconcile holds its lock by then.
    const fake = twitch as unknown as { route(request: RecordedRequest): Promise<unknown> };
    const route = fake.route.bind(twitch);
    let reached!: () => void;
    let release!: () => void;
    const listing = new Promise<void>((resolve) => (reached = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.route = async (request) => {
      if (request.method === 'GET' && request.path === '/helix/eventsub/subscriptions') {
        reached();
        await held;
      }
      return route(request);
    };
    try {
      const accountId = randomUUID();
      const broadcasterId = '71000009';
      const http = () => request(replica.app.getHttpServer());
      const start = await http().post('/stream/platform/link').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platform: 'twitch' }).expect(200);
      const code = twitch.issueCode({ id: broadcasterId, login: `b${broadcasterId}`, displayName: 'B' });
      await http().post('/stream/platform/callback').set('Authorization', bearerToken(accountId, ['user'])).send({ accountId, platform: 'twitch', code, state: start.body.state }).expect(200);
      await listing;
      proxy.cut('reset');
      release();
      await expectEventually(() => expect(subscriptionsOf(broadcasterId)).toHaveLength(9));
      await expectEventually(() => expect(replica.logLines.filter((line) => line.includes('EventSub reconcile lock not released'))).toHaveLength(1));
      expect(unhandled).toEqual([]);
    } finally {
      fake.route = route;
      release();
      proxy.restore();
      await replica.app.close();
      await proxy.close();
      await server.dispose();
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
