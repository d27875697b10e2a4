import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { WebSocket } from 'ws';

import { type TestDatabase, type TestRedisServer, bearerToken, createTestDatabase, customWebhookDelivery, eventSubDelivery, requestIdOf, startRedisServer } from '@lib-stream/testing';

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

  // 60 s: after the outages the clients reconnect on their backoff before the app can close; beside the
  // whole run that passed 30 s once (CI rehearsal, every test of the file green).
  afterAll(async () => {
    await redis?.start();
    await sut?.app.close();
    await redis?.dispose();
    await db?.drop();
  }, 60_000);

  it('answers the Twitch and custom webhooks 503 SERVICE_UNAVAILABLE with Retry-After, quickly', async () => {
    await redis.stop();
    const twitch = eventSubDelivery(TWITCH_SECRET, 'notification', 'channel.chat.message', { event: { broadcaster_user_id: '1', chatter_user_id: '2', message: { text: 'hi' } } });
    const custom = customWebhookDelivery(CUSTOM_SECRET, { linkId: randomUUID(), events: [{ type: 'follow' }] });
    const calls: Record<string, () => request.Test> = {
      twitchWebhook: () => http().post('/stream/webhook/twitch').set(twitch.headers).send(twitch.body),
      customWebhook: () => http().post('/stream/webhook/custom').set(custom.headers).send(custom.body),
    };
    const ids: Record<string, string> = {};
    for (const [name, call] of Object.entries(calls)) {
      const started = Date.now();
      const response = await call();
      ids[name] = requestIdOf(response);
      const ms = Date.now() - started;
      expect({ name, status: response.status, body: response.body }).toEqual({
        name,
        status: 503,
        body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis is unavailable, retry shortly', correlationId: requestIdOf(response) },
      });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(ms).toBeLessThan(2000);
      process.stdout.write(`${name}: 503 in ${ms} ms\n`);
    }
    const log = sut.logLines.join('');
    expect(log).toContain('dependency unavailable');
    // Each warning carries its request's id, the Twitch route's too (it passes the id outside Express).
    for (const id of Object.values(ids)) {
      expect(sut.logLines.filter((line) => line.includes('dependency unavailable') && line.includes(`"correlationId":"${id}"`))).toHaveLength(1);
    }
  });

  it('answers a live-status ticket request, and an upgrade with a ticket, 503 with Retry-After (never 401: the ticket may be good)', async () => {
    await redis.stop();
    const issued = await http().post('/stream/events/ticket').set('Authorization', bearerToken('ops', ['admin']));
    expect([issued.status, issued.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);

    await sut.app.listen(0, '127.0.0.1');
    const { port } = sut.app.getHttpServer().address() as AddressInfo;
    const refused = await new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/stream/events?ticket=${randomBytes(32).toString('base64url')}`);
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += String(chunk)));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body }));
      });
      socket.on('open', () => reject(new Error('upgrade was accepted')));
      socket.on('error', () => undefined);
    });
    expect(refused).toEqual({ status: 503, retryAfter: expect.stringMatching(/^[1-9]/), body: JSON.stringify({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis is unavailable, retry shortly' }) });
  });
});
