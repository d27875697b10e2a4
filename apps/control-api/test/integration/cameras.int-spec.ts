import Redis from 'ioredis';
import request from 'supertest';

import { CameraKeys, InternalChannels } from '@lib-stream/contracts';
import { hashStreamKey } from '@lib-stream/stream-key';
import { type TestDatabase, type TestRedisServer, bearerToken, createTestDatabase, expectEventually, startRedisServer, untilReady } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

describe('camera ingest credentials API', () => {
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  // A private Redis: control-api now rewrites the whole allow-list from its database at start.
  let server: TestRedisServer;
  let redis: Redis;
  let subscriber: Redis;
  const changes: Record<string, unknown>[] = [];
  const admin = bearerToken('ops-1', ['admin']);
  const post = (path: string, body: object, token = admin) => request(sut.app.getHttpServer()).post(path).set('Authorization', token).send(body);

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    subscriber = new Redis(server.url);
    db = await createTestDatabase();
    sut = await createControlApi({ STREAM_DATABASE_URL: db.url, STREAM_REDIS_URL: server.url, STREAM_RTMP_INGEST_PUBLIC_URL: 'rtmp://ingest.example.com:1935/live/' });
    await untilReady(subscriber);
    await subscriber.subscribe(InternalChannels.CameraCredentials);
    subscriber.on('message', (_channel: string, message: string) => changes.push(JSON.parse(message)));
  });

  afterAll(async () => {
    await sut?.app.close();
    await db?.drop();
    await subscriber.quit();
    await redis.quit();
    await server?.dispose();
  });

  it('creates a camera and shows its key once; only the hash is stored', async () => {
    const response = await post('/stream/camera/create', { name: 'arena overview', expectedWidth: 1280, expectedHeight: 720 }).expect(200);
    const { camera, ingestUrl, streamKey } = response.body;
    expect(ingestUrl).toBe('rtmp://ingest.example.com:1935/live');
    expect(streamKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(camera).toMatchObject({ name: 'arena overview', source: 'ingest', streamKey: '****', state: 'offline', expectedWidth: 1280, liveSince: null });
    expect(await redis.get(CameraKeys.keyIndex(hashStreamKey(streamKey)))).toBe(camera.cameraId);
    expect(JSON.stringify(await redis.hgetall(CameraKeys.credentials(camera.cameraId)))).not.toContain(streamKey);
    await expectEventually(() => expect(changes).toContainEqual({ cameraId: camera.cameraId, keyHash: hashStreamKey(streamKey), revokedKeyHash: null }));

    const status = await post('/stream/camera/status', { cameraId: camera.cameraId }).expect(200);
    expect(status.body.streamKey).toBe('****');
    expect(JSON.stringify(status.body)).not.toContain(streamKey);
    const list = await post('/stream/camera/list', {}).expect(200);
    expect(list.body.cameras.map((c: { cameraId: string }) => c.cameraId)).toContain(camera.cameraId);
    expect(JSON.stringify(list.body)).not.toContain(streamKey);
  });

  it('resets a key: the old hash is revoked, the new key works', async () => {
    const created = await post('/stream/camera/create', { name: 'pit lane' }).expect(200);
    const { cameraId } = created.body.camera;
    const reset = await post('/stream/camera/reset-key', { cameraId }).expect(200);
    expect(reset.body.streamKey).not.toBe(created.body.streamKey);
    expect(await redis.get(CameraKeys.keyIndex(hashStreamKey(created.body.streamKey)))).toBeNull();
    expect(await redis.get(CameraKeys.keyIndex(hashStreamKey(reset.body.streamKey)))).toBe(cameraId);
    await expectEventually(() =>
      expect(changes).toContainEqual({ cameraId, keyHash: hashStreamKey(reset.body.streamKey), revokedKeyHash: hashStreamKey(created.body.streamKey) }),
    );
  });

  it('deletes a camera and its key', async () => {
    const created = await post('/stream/camera/create', { name: 'tunnel' }).expect(200);
    const { cameraId } = created.body.camera;
    await post('/stream/camera/delete', { cameraId }).expect(200, { cameraId, deleted: true });
    expect(await redis.get(CameraKeys.keyIndex(hashStreamKey(created.body.streamKey)))).toBeNull();
    await post('/stream/camera/status', { cameraId }).expect(404);
    await post('/stream/camera/delete', { cameraId }).expect(404);
    await expectEventually(() => expect(changes).toContainEqual({ cameraId, keyHash: null, revokedKeyHash: hashStreamKey(created.body.streamKey) }));
  });

  it('shows live state, metadata and worker from the registry', async () => {
    const created = await post('/stream/camera/create', { name: 'finish line' }).expect(200);
    const { cameraId } = created.body.camera;
    const entry = {
      cameraId,
      source: 'ingest',
      state: 'live',
      liveSince: '2026-11-23T20:00:00.000Z',
      lastSeenAt: '2026-11-23T20:00:05.000Z',
      workerId: 'media-worker-abc',
      metadata: { videoCodec: 'h264', width: 1280, height: 720, fps: 30, videoBitrateKbps: 2500, audioCodec: 'aac', audioSampleRate: 44100, audioChannels: 2 },
      rtmpUrlEnc: 'v1:opaque',
      sessionId: 's1',
    };
    await redis.set(CameraKeys.registry(cameraId), JSON.stringify(entry), 'EX', 30);
    const status = await post('/stream/camera/status', { cameraId }).expect(200);
    expect(status.body).toMatchObject({ state: 'live', liveSince: entry.liveSince, workerId: 'media-worker-abc', metadata: entry.metadata });
    expect(status.body).not.toHaveProperty('rtmpUrlEnc');
    await redis.del(CameraKeys.registry(cameraId));
  });

  it('is for admins only and rejects bad input by name', async () => {
    await post('/stream/camera/create', { name: 'x' }, bearerToken('u1', ['user'])).expect(403);
    expect((await post('/stream/camera/create', {}).expect(400)).body.message).toBe('name must be a string');
    expect((await post('/stream/camera/create', { name: 'bad/name' }).expect(400)).body.message).toContain('name may contain');
    expect((await post('/stream/camera/create', { name: 'ok', expectedWidth: 'wide' }).expect(400)).body.message).toContain('expectedWidth must be an integer');
    expect((await post('/stream/camera/status', { cameraId: 'nope' }).expect(400)).body.message).toBe('cameraId must be a camera id (UUID)');
    await post('/stream/camera/status', { cameraId: '2f8c3e57-1b1b-4c52-a3f5-6d0e2a0f4c22' }).expect(404);
  });
});
