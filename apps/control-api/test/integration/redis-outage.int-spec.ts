import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';

import { type TestDatabase, type TestRedisServer, createTestDatabase, customWebhookDelivery, eventSubDelivery, startRedisServer } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

const TWITCH_SECRET = 'twitch-eventsub-secret-for-outage-06';
const CUSTOM_SECRET = 'custom-webhook-secret-for-outage-07';

/** While Redis is down, routes that need it answer 503 with Retry-After: never 500, never a driver message. */
describe('a Redis outage under control-api', () => {
  let redis: TestRedisServer;
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  const http = () => request(sut.app.getHttpServer());

  beforeAll(async () => {
    redis = await startRedisServer();
    db = await createTestDatabase('stream_redis_outage');
    sut = await createControlApi({
      STREAM_ENABLED: 'true',
      STREAM_REDIS_URL: redis.url,
      STREAM_DATABASE_URL: db.url,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      STREAM_TWITCH_WEBHOOK_SECRET: TWITCH_SECRET,
      STREAM_CUSTOM_WEBHOOK_SECRET: CUSTOM_SECRET,
    });
  });

  afterAll(async () => {
    await redis?.start();
    await sut?.app.close();
    await redis?.dispose();
    await db?.drop();
  });

  it('answers the Twitch and custom webhooks 503 SERVICE_UNAVAILABLE with Retry-After, quickly', async () => {
    await redis.stop();
    const twitch = eventSubDelivery(TWITCH_SECRET, 'notification', 'channel.chat.message', { event: { broadcaster_user_id: '1', chatter_user_id: '2', message: { text: 'hi' } } });
    const custom = customWebhookDelivery(CUSTOM_SECRET, { linkId: randomUUID(), events: [{ type: 'follow' }] });
    const calls: Record<string, () => request.Test> = {
      twitchWebhook: () => http().post('/stream/webhook/twitch').set(twitch.headers).send(twitch.body),
      customWebhook: () => http().post('/stream/webhook/custom').set(custom.headers).send(custom.body),
    };
    for (const [name, call] of Object.entries(calls)) {
      const started = Date.now();
      const response = await call();
      const ms = Date.now() - started;
      expect({ name, status: response.status, body: response.body }).toEqual({
        name,
        status: 503,
        body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis is unavailable, retry shortly' },
      });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(ms).toBeLessThan(2000);
      process.stdout.write(`${name}: 503 in ${ms} ms\n`);
    }
    const log = sut.logLines.join('');
    expect(log).toContain('dependency unavailable');
  });
});
