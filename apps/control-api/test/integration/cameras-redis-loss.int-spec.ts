import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';

import { CameraKeys, InternalChannels } from '@lib-stream/contracts';
import { generateStreamKey, hashStreamKey } from '@lib-stream/stream-key';
import { type TestDatabase, type TestRedisServer, bearerToken, createTestDatabase, expectEventually, startRedisServer, untilReady } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

interface CameraView {
  cameraId: string;
  name: string;
  state: string;
  createdAt: string;
}

const admin = bearerToken('ops-1', ['admin']);

// Camera records live in the database; Redis holds only the allow-list (rebuilt from it) and live state.
describe('cameras survive a Redis loss (private redis-server, MariaDB)', () => {
  let db: TestDatabase;
  let server: TestRedisServer;
  let redis: Redis;
  let subscriber: Redis;
  let sut: ControlApiUnderTest;
  const rebuilt: string[] = [];
  const created: { cameraId: string; streamKey: string }[] = [];

  const post = (path: string, body: object) => request(sut.app.getHttpServer()).post(path).set('Authorization', admin).send(body);
  const listed = async (): Promise<CameraView[]> => (await post('/stream/camera/list', {}).expect(200)).body.cameras;
  const allowListed = async () => Promise.all(created.map(({ streamKey }) => redis.get(CameraKeys.keyIndex(hashStreamKey(streamKey)))));

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    subscriber = new Redis(server.url);
    redis.on('error', () => undefined);
    subscriber.on('error', () => undefined);
    await untilReady(subscriber);
    await subscriber.subscribe(InternalChannels.CameraAllowListRebuilt);
    subscriber.on('message', (_channel: string, generation: string) => rebuilt.push(generation));
    db = await createTestDatabase();
    sut = await createControlApi({ STREAM_DATABASE_URL: db.url, STREAM_REDIS_URL: server.url });
    for (const name of ['north goal', 'south goal']) {
      const response = await post('/stream/camera/create', { name }).expect(200);
      created.push({ cameraId: response.body.camera.cameraId, streamKey: response.body.streamKey });
    }
  });

  afterAll(async () => {
    await sut?.app.close();
    await db?.drop();
    subscriber?.disconnect();
    redis?.disconnect();
    await server?.dispose();
  });

  it('keeps the record in the database with the key only as a hash', async () => {
    const connection = await createConnection(db.url);
    try {
      const [rows] = await connection.query('SELECT * FROM stream_cameras ORDER BY created_at');
      expect(rows).toEqual([
        expect.objectContaining({ id: created[0].cameraId, name: 'north goal', key_hash: hashStreamKey(created[0].streamKey), key_reset_at: null }),
        expect.objectContaining({ id: created[1].cameraId, name: 'south goal', key_hash: hashStreamKey(created[1].streamKey) }),
      ]);
      expect(JSON.stringify(rows)).not.toContain(created[0].streamKey);
    } finally {
      await connection.end();
    }
    expect(await redis.exists(CameraKeys.credentials(created[0].cameraId), CameraKeys.credentialIds())).toBe(0);
  });

  it('rebuilds the allow-list after a FLUSHALL; the list is unchanged', async () => {
    const before = await listed();
    expect(before.map((c) => c.cameraId)).toEqual(created.map((c) => c.cameraId));
    const notices = rebuilt.length;
    await server.flush();
    const flushedAt = Date.now();
    await expectEventually(async () => expect(await allowListed()).toEqual(created.map((c) => c.cameraId)), { timeoutMs: 6000 });
    expect(Date.now() - flushedAt).toBeLessThan(5000);
    expect(await redis.get(CameraKeys.allowListGeneration())).toEqual(expect.any(String));
    await expectEventually(() => expect(rebuilt.length).toBeGreaterThan(notices));
    expect(await listed()).toEqual(before);
  });

  it('rebuilds it after a restart without persistence', async () => {
    const before = await listed();
    await server.restart(500);
    await expectEventually(async () => expect(await allowListed()).toEqual(created.map((c) => c.cameraId)), { timeoutMs: 8000 });
    expect(await listed()).toEqual(before);
  });

  it('while Redis is down: lists from the database with state unknown, refuses writes with 503 and changes nothing', async () => {
    await server.stop();
    try {
      const list = await post('/stream/camera/list', {}).expect(200);
      expect(list.body.liveStateAvailable).toBe(false);
      expect(list.body.cameras.map((c: CameraView) => [c.cameraId, c.state])).toEqual(created.map((c) => [c.cameraId, 'unknown']));
      expect((await post('/stream/camera/status', { cameraId: created[0].cameraId }).expect(200)).body.state).toBe('unknown');
      // Not in the database: only Redis could know an engine camera.
      await post('/stream/camera/status', { cameraId: randomUUID() }).expect(503);

      const create = await post('/stream/camera/create', { name: 'during outage' }).expect(503);
      expect(create.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(create.body).not.toHaveProperty('streamKey');
      await post('/stream/camera/reset-key', { cameraId: created[0].cameraId }).expect(503);
      await post('/stream/camera/delete', { cameraId: created[1].cameraId }).expect(503);
      expect((await listed()).map((c) => c.cameraId)).toEqual(created.map((c) => c.cameraId));
    } finally {
      await server.start();
    }
    await expectEventually(async () => expect(await allowListed()).toEqual(created.map((c) => c.cameraId)), { timeoutMs: 8000 });
    const after = await listed();
    expect(after.map((c) => c.name)).toEqual(['north goal', 'south goal']);
    expect(after.every((c) => c.state === 'offline')).toBe(true);
  });

  it('removes a key that is in Redis but not in the database at the next rebuild, as a revocation', async () => {
    const strayHash = hashStreamKey(generateStreamKey());
    const strayCamera = randomUUID();
    const revocations: string[] = [];
    const listener = new Redis(server.url);
    listener.on('message', (_channel: string, message: string) => revocations.push(message));
    await untilReady(listener);
    await listener.subscribe(InternalChannels.CameraCredentials);
    try {
      await redis.set(CameraKeys.keyIndex(strayHash), strayCamera);
      await redis.del(CameraKeys.allowListGeneration());
      await expectEventually(async () => expect(await redis.get(CameraKeys.keyIndex(strayHash))).toBeNull(), { timeoutMs: 6000 });
      await expectEventually(() => expect(revocations.map((m) => JSON.parse(m))).toContainEqual({ cameraId: strayCamera, keyHash: null, revokedKeyHash: strayHash }));
      expect(await allowListed()).toEqual(created.map((c) => c.cameraId));
    } finally {
      listener.disconnect();
    }
  });
});

describe('camera records an earlier version kept only in Redis', () => {
  it('are imported into the database at start, once, and their keys keep working', async () => {
    const server = await startRedisServer();
    const redis = new Redis(server.url);
    const db = await createTestDatabase();
    const legacy = { cameraId: randomUUID(), streamKey: generateStreamKey() };
    const legacyFields = {
      cameraId: legacy.cameraId,
      name: 'old pit cam',
      keyHash: hashStreamKey(legacy.streamKey),
      expectedWidth: '1280',
      expectedHeight: '',
      createdAt: '2026-10-01T12:00:00.000Z',
    };
    await redis
      .multi()
      .hset(CameraKeys.credentials(legacy.cameraId), legacyFields)
      .sadd(CameraKeys.credentialIds(), legacy.cameraId)
      .set(CameraKeys.keyIndex(legacyFields.keyHash), legacy.cameraId)
      .exec();
    let sut = await createControlApi({ STREAM_DATABASE_URL: db.url, STREAM_REDIS_URL: server.url });
    try {
      const post = (path: string, body: object) => request(sut.app.getHttpServer()).post(path).set('Authorization', admin).send(body);
      const expected = { cameraId: legacy.cameraId, name: 'old pit cam', expectedWidth: 1280, expectedHeight: null, createdAt: '2026-10-01T12:00:00.000Z', state: 'offline' };
      expect((await post('/stream/camera/list', {}).expect(200)).body.cameras).toEqual([expect.objectContaining(expected)]);
      expect(await redis.exists(CameraKeys.credentials(legacy.cameraId), CameraKeys.credentialIds())).toBe(0);
      expect(await redis.get(CameraKeys.keyIndex(legacyFields.keyHash))).toBe(legacy.cameraId);

      // A second start (and a flush) neither duplicates nor loses it.
      await sut.app.close();
      await server.flush();
      sut = await createControlApi({ STREAM_DATABASE_URL: db.url, STREAM_REDIS_URL: server.url });
      expect((await post('/stream/camera/list', {}).expect(200)).body.cameras).toEqual([expect.objectContaining(expected)]);
      expect(await redis.get(CameraKeys.keyIndex(legacyFields.keyHash))).toBe(legacy.cameraId);

      // A record an older replica writes while this one runs is picked up too.
      const late = { cameraId: randomUUID(), keyHash: hashStreamKey(generateStreamKey()) };
      const lateFields = { ...legacyFields, ...late, name: 'late cam', createdAt: '2026-10-02T12:00:00.000Z' };
      await redis.multi().hset(CameraKeys.credentials(late.cameraId), lateFields).sadd(CameraKeys.credentialIds(), late.cameraId).exec();
      await expectEventually(async () => expect((await post('/stream/camera/list', {}).expect(200)).body.cameras.map((c: CameraView) => c.name)).toEqual(['old pit cam', 'late cam']), { timeoutMs: 6000 });
      await expectEventually(async () => expect(await redis.get(CameraKeys.keyIndex(late.keyHash))).toBe(late.cameraId));
      await post('/stream/camera/delete', { cameraId: legacy.cameraId }).expect(200);
      expect((await post('/stream/camera/list', {}).expect(200)).body.cameras.map((c: CameraView) => c.name)).toEqual(['late cam']);
    } finally {
      await sut.app.close();
      redis.disconnect();
      await server.dispose();
      await db.drop();
    }
  });
});

describe('cameras on the embedded SQLite default', () => {
  it('are kept across a restart of control-api and of Redis', async () => {
    const server = await startRedisServer();
    const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-cams-'));
    const env = { STREAM_DATA_DIR: dataDir, STREAM_REDIS_URL: server.url };
    let sut = await createControlApi(env);
    try {
      const post = (path: string, body: object) => request(sut.app.getHttpServer()).post(path).set('Authorization', admin).send(body);
      const { camera, streamKey } = (await post('/stream/camera/create', { name: 'sqlite cam', expectedHeight: 720 }).expect(200)).body;
      const reset = (await post('/stream/camera/reset-key', { cameraId: camera.cameraId }).expect(200)).body;
      expect(reset.camera.keyResetAt).toEqual(expect.any(String));
      await sut.app.close();
      await server.restart();
      sut = await createControlApi(env);
      const list = (await post('/stream/camera/list', {}).expect(200)).body.cameras;
      expect(list).toEqual([expect.objectContaining({ cameraId: camera.cameraId, name: 'sqlite cam', expectedHeight: 720, createdAt: camera.createdAt, keyResetAt: reset.camera.keyResetAt })]);
      const check = new Redis(server.url);
      try {
        expect(await check.get(CameraKeys.keyIndex(hashStreamKey(reset.streamKey)))).toBe(camera.cameraId);
        expect(await check.get(CameraKeys.keyIndex(hashStreamKey(streamKey)))).toBeNull();
      } finally {
        check.disconnect();
      }
    } finally {
      await sut.app.close();
      await server.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
