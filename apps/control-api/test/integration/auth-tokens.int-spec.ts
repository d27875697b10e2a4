import { sign } from 'jsonwebtoken';
import request from 'supertest';

import { TEST_JWT_SECRET, type TestDatabase, bearerToken, createTestDatabase, requestIdOf } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

const now = () => Math.floor(Date.now() / 1000);
/** Signs exactly the claims given (undefined = left out): no exp or iat is added behind the test's back. */
const token = (claims: Record<string, unknown>) => {
  const payload = Object.fromEntries(Object.entries({ sub: 'acc-tok', roles: ['admin'], ...claims }).filter(([, value]) => value !== undefined));
  // jsonwebtoken adds iat unless told not to, and noTimestamp also drops an iat given in the payload.
  return `Bearer ${sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256', noTimestamp: payload.iat === undefined })}`;
};

describe('control-api bearer token rules', () => {
  let db: TestDatabase;
  let defaults: ControlApiUnderTest;
  let strict: ControlApiUnderTest;
  const call = (sut: ControlApiUnderTest, authorization: string) => request(sut.app.getHttpServer()).post('/probe/admin').set('Authorization', authorization);
  const refused = async (sut: ControlApiUnderTest, authorization: string, message: string) => {
    const response = await call(sut, authorization).expect(401);
    expect(response.body).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message, correlationId: requestIdOf(response) });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    defaults = await createControlApi({ STREAM_DATABASE_URL: db.url });
    strict = await createControlApi({
      STREAM_DATABASE_URL: db.url,
      STREAM_AUTH_JWT_ISSUER: 'game-auth',
      STREAM_AUTH_JWT_AUDIENCE: 'lib-stream',
      STREAM_AUTH_JWT_MAX_LIFETIME_SECONDS: '3600',
      STREAM_AUTH_JWT_CLOCK_TOLERANCE_SECONDS: '0',
    });
  });

  afterAll(async () => {
    await defaults?.app.close();
    await strict?.app.close();
    await db?.drop();
  });

  const good = () => ({ iss: 'game-auth', aud: 'lib-stream', iat: now(), exp: now() + 600 });

  it('accepts the test helper tokens and a token that meets every rule', async () => {
    await call(defaults, bearerToken('acc-tok', ['admin'])).expect(200, { ok: true });
    await call(strict, token(good())).expect(200, { ok: true });
  });

  it('refuses a token without exp, even when everything else is right', async () => {
    await refused(defaults, token({ iat: now() }), 'Bearer token has no expiry (exp)');
    await refused(strict, token({ ...good(), exp: undefined }), 'Bearer token has no expiry (exp)');
  });

  it('refuses a token before its nbf, within the clock tolerance it is accepted', async () => {
    await refused(defaults, token({ exp: now() + 600, nbf: now() + 120 }), 'Bearer token is not yet valid (nbf)');
    await refused(strict, token({ ...good(), nbf: now() + 3 }), 'Bearer token is not yet valid (nbf)');
    // The default tolerance is 5 seconds.
    await call(defaults, token({ exp: now() + 600, nbf: now() + 3 })).expect(200);
  });

  it('honours the clock tolerance for exp', async () => {
    await call(defaults, token({ exp: now() - 2 })).expect(200);
    await refused(strict, token({ ...good(), exp: now() - 2 }), 'Bearer token is expired');
    await refused(defaults, token({ exp: now() - 60 }), 'Bearer token is expired');
  });

  it('checks the issuer only when STREAM_AUTH_JWT_ISSUER is set', async () => {
    await refused(strict, token({ ...good(), iss: 'someone-else' }), 'Bearer token has the wrong issuer (iss)');
    await refused(strict, token({ ...good(), iss: undefined }), 'Bearer token has the wrong issuer (iss)');
    await call(defaults, token({ exp: now() + 600, iss: 'someone-else' })).expect(200);
  });

  it('checks the audience only when STREAM_AUTH_JWT_AUDIENCE is set; a list of audiences may contain it', async () => {
    await refused(strict, token({ ...good(), aud: 'billing' }), 'Bearer token is not meant for this service (aud)');
    await refused(strict, token({ ...good(), aud: undefined }), 'Bearer token is not meant for this service (aud)');
    await call(strict, token({ ...good(), aud: ['billing', 'lib-stream'] })).expect(200);
    await call(defaults, token({ exp: now() + 600, aud: 'billing' })).expect(200);
  });

  it('refuses tokens that live longer than STREAM_AUTH_JWT_MAX_LIFETIME_SECONDS (exp - iat, or exp - now without iat)', async () => {
    const tooLong = 'Bearer token is valid for longer than the allowed 3600 seconds (exp - iat)';
    await refused(strict, token({ ...good(), iat: now() - 60, exp: now() + 3600 }), tooLong);
    await refused(strict, token({ ...good(), iat: undefined, exp: now() + 7200 }), tooLong);
    // An iat in the future cannot shorten the lifetime.
    await refused(strict, token({ ...good(), iat: now() + 3000, exp: now() + 7200 }), tooLong);
    await call(strict, token({ ...good(), iat: now() - 60, exp: now() + 3500 })).expect(200);
    await call(strict, token({ ...good(), iat: undefined, exp: now() + 3000 })).expect(200);
    // 0 (the default) means no limit.
    await call(defaults, token({ iat: now(), exp: now() + 10 * 365 * 86_400 })).expect(200);
  });

  it('never echoes the token in a refusal', async () => {
    const bad = token({ iat: now() });
    const response = await call(defaults, bad).expect(401);
    expect(response.text).not.toContain(bad.slice('Bearer '.length));
  });
});
