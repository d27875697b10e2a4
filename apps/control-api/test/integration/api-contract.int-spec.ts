import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';

import { TestDatabase, bearerToken, createTestDatabase, requestIdOf } from '@lib-stream/testing';

import { ControlApiUnderTest, createControlApi } from './control-api.factory';

// What a client reads in /docs-json matches what the API does: every webhook is documented with its
// headers, the formats the validation enforces are in the schemas, and a bad request is a validation
// error before any question about the account's state. Also: a 503 for a setting that is simply not
// set is a warning without a stack in control-api's own log.
describe('control-api: the documented contract', () => {
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  const post = (path: string, token: string | null, body: object) => {
    const call = request(sut.app.getHttpServer()).post(path);
    return (token ? call.set('Authorization', token) : call).send(body);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    // No Twitch app, no custom webhook secret, broadcasting off: the state of a fresh checkout.
    sut = await createControlApi({ STREAM_ENABLED: 'true', STREAM_DATABASE_URL: db.url, STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
  });

  afterAll(async () => {
    await sut?.app.close();
    await db?.drop();
  });

  describe('/docs-json', () => {
    let document: { paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>>; components: { schemas: Record<string, { properties: Record<string, { format?: string; maxLength?: number }> }> } };

    beforeAll(async () => {
      document = (await request(sut.app.getHttpServer()).get('/docs-json').expect(200)).body;
    });

    const headers = (path: string, method: string) =>
      (document.paths[path]?.[method]?.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());

    it('lists the Twitch EventSub webhook with the headers its signature check reads', () => {
      expect(headers('/stream/webhook/twitch', 'post')).toEqual(
        expect.arrayContaining(['twitch-eventsub-message-id', 'twitch-eventsub-message-timestamp', 'twitch-eventsub-message-signature', 'twitch-eventsub-message-type']),
      );
    });

    it('lists the custom webhook with its three signed headers', () => {
      expect(headers('/stream/webhook/custom', 'post')).toEqual(expect.arrayContaining(['x-stream-timestamp', 'x-stream-delivery-id', 'x-stream-signature']));
    });

    it('lists both YouTube WebSub endpoints: the verification GET with its hub.* query and the notification POST with X-Hub-Signature', () => {
      const query = (document.paths['/stream/webhook/youtube']?.get?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect(query).toEqual(expect.arrayContaining(['hub.mode', 'hub.topic', 'hub.challenge', 'hub.verify_token']));
      expect(headers('/stream/webhook/youtube', 'post')).toEqual(['x-hub-signature']);
    });

    it('gives session ids the uuid format the validation enforces, and accountId its length limit', () => {
      const associate = document.components.schemas.AssociateSessionRequest.properties;
      expect(associate.platformSessionId.format).toBe('uuid');
      expect(associate.inGameSessionId.format).toBe('uuid');
      expect(associate.accountId.maxLength).toBe(64);
    });
  });

  describe('session/associate', () => {
    const accountId = randomUUID();
    const user = () => bearerToken(accountId, ['user']);

    it.each([
      ['platformSessionId', { platformSessionId: 'not-a-uuid', inGameSessionId: randomUUID() }, 'platformSessionId must be a session id (UUID)'],
      ['inGameSessionId', { platformSessionId: randomUUID(), inGameSessionId: 'game-session-7' }, 'inGameSessionId must be a UUID or null'],
    ])('a string that is not a uuid in %s is a 400 that says so (the documented format)', async (_field, body, message) => {
      const response = await post('/stream/session/associate', user(), { accountId, ...body }).expect(400);
      expect(response.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message, correlationId: requestIdOf(response) });
    });

    it('uuid strings pass validation (an unknown session is then a 404, not a 400)', async () => {
      const response = await post('/stream/session/associate', user(), { accountId, platformSessionId: randomUUID(), inGameSessionId: randomUUID() });
      expect(response.body.code).toBe('NOT_FOUND');
      const cleared = await post('/stream/session/associate', user(), { accountId, platformSessionId: randomUUID(), inGameSessionId: null });
      expect(cleared.body.code).toBe('NOT_FOUND');
    });
  });

  describe('platform/link custom', () => {
    it('an http:// URL is VALIDATION_FAILED even when the account already has a custom link', async () => {
      const accountId = randomUUID();
      const user = bearerToken(accountId, ['user']);
      await post('/stream/platform/link', user, { accountId, platform: 'custom', rtmpUrl: 'rtmp://ingest.example.net/live/sk_first' }).expect(200);

      const bad = await post('/stream/platform/link', user, { accountId, platform: 'custom', rtmpUrl: 'http://ingest.example.net/live/sk_second' }).expect(400);
      expect(bad.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'rtmpUrl must be an rtmp:// or rtmps:// URL', correlationId: requestIdOf(bad) });

      // A valid URL for the same account is still refused as already linked.
      const again = await post('/stream/platform/link', user, { accountId, platform: 'custom', rtmpUrl: 'rtmp://ingest.example.net/live/sk_third' }).expect(400);
      expect(again.body.code).toBe('ALREADY_LINKED');
    });
  });

  describe('503s for settings that are not set', () => {
    it.each([
      ['Twitch not configured', () => post('/stream/platform/link', bearerToken('acc-503', ['user']), { accountId: 'acc-503', platform: 'twitch' }), 'SERVICE_UNAVAILABLE'],
      ['custom webhook not configured', () => post('/stream/webhook/custom', null, {}), 'SERVICE_UNAVAILABLE'],
      ['broadcasting disabled', () => post('/stream/broadcast/list', bearerToken('ops', ['admin']), {}), 'FEATURE_DISABLED'],
    ])('%s: 503, logged at warn without a stack', async (_case, call, code) => {
      const before = sut.logLines.length;
      const response = await call();
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 503, code });
      const logged = sut.logLines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.context === 'HttpErrors');
      expect(logged).toEqual([expect.objectContaining({ level: 'warn', statusCode: 503, code })]);
      expect(JSON.stringify(logged)).not.toMatch(/"stack"|"err"/);
    });
  });
});
