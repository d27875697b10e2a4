import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';

import { TEST_MYSQL_URL, type TcpProxy, type TestDatabase, bearerToken, createTestDatabase, expectEventually, startTcpProxy, requestIdOf } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

const RTMP_URL = 'rtmp://ingest.example.net/live/outage_sk_93b1';

/**
 * control-api whose MariaDB sits behind a relay the test cuts: the platform endpoints must answer
 * 503 with Retry-After quickly (never 500, never a hang) and recover on their own once it is back.
 */
describe('a database outage under control-api', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let sut: ControlApiUnderTest;
  const accountId = randomUUID();
  const token = bearerToken(accountId, ['user']);

  const post = (path: string, body: object) => request(sut.app.getHttpServer()).post(path).set('Authorization', token).send(body);
  const calls = {
    list: () => post('/stream/platform/list', { accountId }),
    link: () => post('/stream/platform/link', { accountId, platform: 'custom', rtmpUrl: RTMP_URL }),
    unlink: () => post('/stream/platform/unlink', { accountId, platform: 'custom' }),
  };
  const readiness = () => request(sut.app.getHttpServer()).get('/health/ready');

  async function timed(call: () => request.Test) {
    const started = Date.now();
    const response = await call();
    return { response, ms: Date.now() - started };
  }

  async function expectOutageAnswers(withinMs: number): Promise<Record<string, number>> {
    const figures: Record<string, number> = {};
    for (const [name, call] of Object.entries(calls)) {
      const { response, ms } = await timed(call);
      figures[name] = ms;
      expect({ name, status: response.status }).toEqual({ name, status: 503 });
      expect(response.body).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable, retry shortly', correlationId: requestIdOf(response) });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(response.text).not.toMatch(/127\.0\.0\.1|ECONN|ETIMEDOUT|PROTOCOL_|SELECT|stream_platform_links/);
      expect(ms).toBeLessThan(withinMs);
    }
    return figures;
  }

  async function expectServedAgain(): Promise<number> {
    const started = Date.now();
    await expectEventually(
      async () => {
        expect((await calls.list()).status).toBe(200);
        expect((await calls.unlink()).status).toBe(200);
        expect((await calls.link()).status).toBe(200);
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    return Date.now() - started;
  }

  beforeAll(async () => {
    db = await createTestDatabase('stream_db_outage');
    proxy = await startTcpProxy(Number(new URL(TEST_MYSQL_URL).port || 3306));
    sut = await createControlApi({
      STREAM_ENABLED: 'true',
      STREAM_DATABASE_URL: proxy.urlFor(db.url),
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    await calls.link().expect(200);
    await readiness().expect(200);
  });

  afterAll(async () => {
    proxy?.restore();
    await sut?.app.close();
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 within a second while connections are refused, says which check failed, and recovers', async () => {
    proxy.cut('reset');
    const figures = await expectOutageAnswers(1000);
    const notReady = await expectEventually(async () => {
      const response = await readiness();
      expect(response.status).toBe(503);
      return response;
    });
    expect(notReady.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'not ready: database down', checks: { database: 'down', redis: 'up' } });

    proxy.restore();
    const recoveredMs = await expectServedAgain();
    await expectEventually(() => readiness().expect(200));
    process.stdout.write(`reset: list ${figures.list} ms, link ${figures.link} ms, unlink ${figures.unlink} ms; served again ${recoveredMs} ms after restore\n`);
  });

  it('answers 503 within two seconds while packets are silently dropped, never hangs, and recovers', async () => {
    proxy.cut('blackhole');
    const figures = await expectOutageAnswers(2000);
    // Silence is "slow" at first; without an answer for a few seconds it is "down".
    const notReady = await expectEventually(
      async () => {
        const response = await readiness();
        expect(response.status).toBe(503);
        return response;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(notReady.body.message).toMatch(/^not ready: database down/);

    proxy.restore();
    const recoveredMs = await expectServedAgain();
    await expectEventually(() => readiness().expect(200));
    process.stdout.write(`blackhole: list ${figures.list} ms, link ${figures.link} ms, unlink ${figures.unlink} ms; served again ${recoveredMs} ms after restore\n`);
  });
});
