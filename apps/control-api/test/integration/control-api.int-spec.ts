import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { DataSource } from 'typeorm';

import { TEST_JWT_SECRET, TestDatabase, bearerToken, createTestDatabase, expectEventually, requestIdOf } from '@lib-stream/testing';

import { ControlApiUnderTest, createControlApi } from './control-api.factory';

describe('control-api on MariaDB and Redis', () => {
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  const http = () => request(sut.app.getHttpServer());

  beforeAll(async () => {
    db = await createTestDatabase();
    sut = await createControlApi({ STREAM_DATABASE_URL: db.url, STREAM_TWITCH_CLIENT_SECRET: 'twitch-secret-for-scan-4242' });
  });

  afterAll(async () => {
    await sut?.app.close();
    await db?.drop();
  });

  describe('persistence', () => {
    it('runs the migrations into a fresh database', async () => {
      const connection = await createConnection(db.url);
      try {
        const [indexes] = await connection.query(
          `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique FROM information_schema.statistics
           WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'stream_platform_links' GROUP BY INDEX_NAME, NON_UNIQUE`,
          [db.name],
        );
        expect(indexes).toEqual(
          expect.arrayContaining([
            { name: 'uq_platform_links_account_platform', nonUnique: 0 },
            { name: 'uq_platform_links_platform_user', nonUnique: 0 },
          ]),
        );
        const [migrations] = await connection.query('SELECT name FROM migrations ORDER BY id');
        expect(migrations).toEqual([{ name: 'CreatePlatformLinks1763900000000' }, { name: 'AddPlatformUserIdEnc1763990000000' }, { name: 'CreateCameras1764100000000' }, { name: 'CreatePlatformSessions1764200000000' }]);
      } finally {
        await connection.end();
      }
    });
  });

  describe('health and docs', () => {
    it('is ready when Redis and the database answer', async () => {
      const response = await http().get('/health/ready').expect(200);
      expect(response.body).toEqual({ status: 'ready', checks: { redis: 'up', events: 'up', database: 'up' } });
      await http().get('/health/live').expect(200, { status: 'ok' });
    });

    it('serves the OpenAPI document and UI', async () => {
      const json = await http().get('/docs-json').expect(200);
      expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/health/ready', '/stream/admin/config']));
      expect(json.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const ui = await http().get('/docs').expect(200);
      expect(ui.text).toContain('swagger-ui');
    });

    it('exposes Prometheus metrics by route template', async () => {
      await http().post('/probe/user/some-account').expect(401);
      const metrics = await http().get('/metrics').expect(200);
      expect(metrics.text).toContain('lib_stream_http_requests_total{method="POST",route="/probe/user/:accountId",status="401"');
      expect(metrics.text).not.toContain('/probe/user/some-account');
    });
  });

  describe('authentication and roles', () => {
    it('answers 401 without a token, with a token signed by another secret, and with an expired one', async () => {
      const missing = await http().post('/probe/admin').expect(401);
      expect(missing.body).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'Missing bearer token (Authorization: Bearer <JWT>)', correlationId: requestIdOf(missing) });
      const forged = await http().post('/probe/admin').set('Authorization', bearerToken('acc-1', ['admin'], 'another-secret-another-secret-another')).expect(401);
      expect(forged.body.message).toBe('Bearer token is invalid');
      const expired = await http().post('/probe/admin').set('Authorization', bearerToken('acc-1', ['admin'], TEST_JWT_SECRET, -10)).expect(401);
      expect(expired.body.message).toBe('Bearer token is expired');
    });

    it('answers 403 when the token lacks the role, 200 when it has it', async () => {
      const denied = await http().post('/probe/admin').set('Authorization', bearerToken('acc-1', ['user'])).expect(403);
      expect(denied.body).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: 'This endpoint requires the admin role', correlationId: requestIdOf(denied) });
      await http().post('/probe/admin').set('Authorization', bearerToken('acc-1', ['admin'])).expect(200, { ok: true });
    });

    it("answers 404 for another account's resource", async () => {
      await http().post('/probe/user/acc-1').set('Authorization', bearerToken('acc-1', ['user'])).expect(200, { accountId: 'acc-1' });
      const other = await http().post('/probe/user/acc-2').set('Authorization', bearerToken('acc-1', ['user'])).expect(404);
      expect(other.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'platform link not found', correlationId: requestIdOf(other) });
    });

    it('guards /stream/admin/* with the developer role and never shows secret values', async () => {
      await http().post('/stream/admin/config').set('Authorization', bearerToken('dev-1', ['admin'])).expect(403);
      const response = await http().post('/stream/admin/config').set('Authorization', bearerToken('dev-1', ['developer'])).expect(200);
      expect(response.body.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS).toBe(15);
      expect(response.body.STREAM_TWITCH_CLIENT_SECRET).toBe('(set)');
      expect(response.body.STREAM_AUTH_JWT_SECRET).toBe('(set)');
      expect(JSON.stringify(response.body)).not.toMatch(/twitch-secret-for-scan-4242|test-only-jwt-secret/);
    });
  });

  describe('bad input', () => {
    const user = () => bearerToken('acc-1', ['user']);

    it('names every invalid field', async () => {
      const response = await http().post('/probe/validate').set('Authorization', user()).send({ platform: 'myspace', count: 99 }).expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.message).toContain('platform must be one of the following values: twitch, youtube');
      expect(response.body.message).toContain('count must not be greater than 10');
    });

    it('rejects unknown fields', async () => {
      const response = await http().post('/probe/validate').set('Authorization', user()).send({ platform: 'twitch', count: 1, admin: true }).expect(400);
      expect(response.body.message).toBe('property admin should not exist');
    });

    it('rejects malformed JSON with a clear code', async () => {
      const response = await http().post('/probe/validate').set('Authorization', user()).set('Content-Type', 'application/json').send('{"platform":').expect(400);
      expect(response.body).toEqual({ statusCode: 400, code: 'INVALID_JSON', message: 'Request body is not valid JSON', correlationId: requestIdOf(response) });
    });

    it('answers unknown routes with the same error shape', async () => {
      const response = await http().get('/no/such/route').expect(404);
      expect(response.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /no/such/route', correlationId: requestIdOf(response) });
    });

    it('hides internal errors behind a generic 500 and logs them redacted', async () => {
      const response = await http().post('/probe/crash').set('Authorization', user()).expect(500);
      expect(response.body).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'Internal server error', correlationId: requestIdOf(response) });
      expect(response.text).not.toMatch(/ER_ACCESS_DENIED|db-host|twitch-secret|at .*\.ts/);
      const log = sut.logLines.join('');
      expect(log).toContain('ER_ACCESS_DENIED_ERROR at db-host:3306 while using ****');
      expect(log).not.toContain('twitch-secret-for-scan-4242');
    });
  });

  it('never wrote a secret to its log', () => {
    const log = sut.logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain('twitch-secret-for-scan-4242');
    expect(log).not.toContain(TEST_JWT_SECRET);
  });

  it('reports not ready (503) once the database is gone', async () => {
    await sut.app.get(DataSource).destroy();
    // Readiness reuses a result for up to a second (a burst of probes costs one check).
    const response = await expectEventually(() => http().get('/health/ready').expect(503));
    expect(response.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', checks: { redis: 'up', database: 'down' } });
    expect(response.body.message).toBe('not ready: database down');
  });
});

describe('control-api replicas starting together', () => {
  it('run the migrations once and all become ready', async () => {
    const db = await createTestDatabase();
    const replicas = await Promise.all([1, 2, 3].map(() => createControlApi({ STREAM_DATABASE_URL: db.url })));
    try {
      for (const replica of replicas) {
        await request(replica.app.getHttpServer()).get('/health/ready').expect(200);
      }
      const connection = await createConnection(db.url);
      const [migrations] = await connection.query('SELECT name FROM migrations ORDER BY id');
      await connection.end();
      expect(migrations).toEqual([{ name: 'CreatePlatformLinks1763900000000' }, { name: 'AddPlatformUserIdEnc1763990000000' }, { name: 'CreateCameras1764100000000' }, { name: 'CreatePlatformSessions1764200000000' }]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.app.close()));
      await db.drop();
    }
  });
});

describe('control-api on the embedded SQLite default', () => {
  it('creates its schema in a file under STREAM_DATA_DIR and is ready', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-'));
    const sut = await createControlApi({ STREAM_DATA_DIR: dataDir });
    try {
      await request(sut.app.getHttpServer()).get('/health/ready').expect(200);
      const tables = await sut.app.get(DataSource).query("SELECT name FROM sqlite_master WHERE type = 'table'");
      expect(tables.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['stream_platform_links', 'stream_cameras', 'migrations']));
    } finally {
      await sut.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
