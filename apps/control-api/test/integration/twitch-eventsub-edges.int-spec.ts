import { randomBytes } from 'node:crypto';
import request from 'supertest';

import { type SignedDelivery, type TestDatabase, createTestDatabase, eventSubDelivery } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

const WEBHOOK_SECRET = 'twitch-eventsub-secret-for-edge-tests';

/** EventSub edge rules (twitch.md §3.2–3.3): what the callback answers to deliveries Twitch would never send, or sends oddly. */
describe('Twitch EventSub webhook edge rules', () => {
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  const deliver = (delivery: SignedDelivery) => request(sut.app.getHttpServer()).post('/stream/webhook/twitch').set(delivery.headers).send(delivery.body);

  beforeAll(async () => {
    db = await createTestDatabase();
    sut = await createControlApi({
      STREAM_ENABLED: 'true',
      STREAM_DATABASE_URL: db.url,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      STREAM_TWITCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
  });

  afterAll(async () => {
    await sut?.app.close();
    await db?.drop();
  });

  it('echoes a string challenge verbatim as text/plain', async () => {
    const response = await deliver(eventSubDelivery(WEBHOOK_SECRET, 'webhook_callback_verification', 'stream.online', { challenge: 'pogchamp-kappa-360noscope-vohiyo', status: 'webhook_callback_verification_pending' }));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toBe('pogchamp-kappa-360noscope-vohiyo');
  });

  it.each([
    ['an object', { nested: 'x' }],
    ['a number', 42],
    ['null', null],
  ])('answers 400 to a signed verification whose challenge is %s (never "[object Object]")', async (_what, challenge) => {
    const response = await deliver(eventSubDelivery(WEBHOOK_SECRET, 'webhook_callback_verification', 'stream.online', { challenge, status: 'webhook_callback_verification_pending' }));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'challenge must be a string' });
    expect(response.text).not.toContain('[object Object]');
  });

  it.each(['Twitch-Eventsub-Message-Timestamp', 'Twitch-Eventsub-Message-Id', 'Twitch-Eventsub-Message-Signature'])(
    'answers 403 to a delivery without %s (its signature cannot be verified)',
    async (header) => {
      const response = await deliver(eventSubDelivery(WEBHOOK_SECRET, 'notification', 'stream.offline', { event: { broadcaster_user_id: '1' } }, { omitHeaders: [header] }));
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: 'FORBIDDEN' });
      expect(response.body.message).toContain('cannot be verified');
    },
  );

  it('answers 403 to a bad signature and 400 to a verified delivery without a message type', async () => {
    const forged = eventSubDelivery('another-secret-of-enough-length', 'notification', 'stream.offline', { event: { broadcaster_user_id: '1' } });
    expect((await deliver(forged)).status).toBe(403);
    const untyped = await deliver(eventSubDelivery(WEBHOOK_SECRET, 'notification', 'stream.offline', { event: { broadcaster_user_id: '1' } }, { omitHeaders: ['Twitch-Eventsub-Message-Type'] }));
    expect(untyped.status).toBe(400);
    expect(untyped.body.message).toContain('Twitch-Eventsub-Message-Type');
  });
});
