import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';

import {
  type FfmpegPublisher,
  type RtmpPlatform,
  type RunningApp,
  TEST_JWT_SECRET,
  type TestDatabase,
  type TestRedisServer,
  adminApi,
  createTestDatabase,
  expectEventually,
  freePort,
  startBuiltApp,
  startRedisServer,
  startRtmpPlatform,
  startRtmpPublisher,
  waitForReady,
} from '@lib-stream/testing';

/**
 * Redis loses everything (FLUSHALL, as after a restart without persistence) while a camera publishes
 * into the ingest and a broadcast of it is on air. Nothing a user sees may change: the camera stays
 * connected and listed, the broadcast stays on air on its one RTMP connection and is shown again.
 */
describe('Redis flushed under a live camera and a live broadcast', () => {
  let redis: TestRedisServer;
  let db: TestDatabase;
  let platform: RtmpPlatform;
  let camera: FfmpegPublisher;
  const apps: RunningApp[] = [];
  const ports: Record<string, number> = {};
  const destinationKey = `sk_flush_dest_${randomBytes(4).toString('hex')}`;
  const api = adminApi(() => `http://127.0.0.1:${ports.api}`);

  beforeAll(async () => {
    redis = await startRedisServer();
    db = await createTestDatabase('stream_e2e_flush');
    platform = await startRtmpPlatform();
    for (const name of ['api', 'http', 'rtmp']) ports[name] = await freePort();
    const common = {
      STREAM_REDIS_URL: redis.url,
      STREAM_DATABASE_URL: db.url,
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      STREAM_BROADCAST_ENABLED: 'true',
      STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
      // The fake platforms and cameras are on loopback, which the media policy refuses by default.
      STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
      STREAM_RTMP_INGEST_PUBLIC_URL: `rtmp://127.0.0.1:${ports.rtmp}/live`,
      STREAM_BROADCAST_FALLBACK_SIZE: '320x180',
      STREAM_BROADCAST_VIDEO_BITRATE: '500k',
      STREAM_DEFAULT_BACKGROUND_VIDEO: '/nonexistent/default.mp4',
    };
    apps.push(
      startBuiltApp('control-api', { ...common, CONTROL_API_PORT: String(ports.api) }),
      startBuiltApp('media-worker', { ...common, MEDIA_WORKER_HTTP_PORT: String(ports.http), STREAM_RTMP_INGEST_PORT: String(ports.rtmp), STREAM_DATA_DIR: `${tmpdir()}/lib-stream-e2e-flush-${process.pid}` }),
    );
    for (const port of [ports.api, ports.http]) await waitForReady(`http://127.0.0.1:${port}`);
  }, 60_000);

  afterAll(async () => {
    await camera?.stop('SIGKILL');
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await platform?.stop();
    await redis?.dispose();
    await db?.drop();
  });

  it('keeps the camera publishing and the broadcast on air, and shows both again', async () => {
    const created = await api('/stream/camera/create', { name: 'flush camera' });
    expect(created.status).toBe(200);
    const { cameraId } = created.body.camera;
    camera = startRtmpPublisher(`rtmp://127.0.0.1:${ports.rtmp}/live/${created.body.streamKey}`);
    await expectEventually(async () => expect((await api('/stream/camera/status', { cameraId })).body.state).toBe('live'), { timeoutMs: 15_000 });

    const started = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: cameraId, rtmpOutputUrl: platform.url('app', destinationKey) });
    expect(started.status).toBe(200);
    const { broadcastId } = started.body;
    await expectEventually(() => expect(platform.keyframes(destinationKey).length).toBeGreaterThanOrEqual(1), { timeoutMs: 15_000 });

    await redis.flush();
    const flushedAt = Date.now();
    // The owner writes the broadcast back within a lease renewal; the camera's registry entry within a beat.
    await expectEventually(
      async () => {
        const status = await api('/stream/broadcast/status', { broadcastId });
        expect(status.status).toBe(200);
        expect(status.body).toMatchObject({ isActive: true, destinations: [expect.objectContaining({ state: 'live' })] });
        expect((await api('/stream/camera/status', { cameraId })).body.state).toBe('live');
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(camera.child.exitCode).toBeNull();
    expect(platform.publishes(destinationKey)).toHaveLength(1);
    expect(platform.keyframes(destinationKey).some((keyframe) => keyframe.t > flushedAt + 3000)).toBe(true);
    expect((await api('/stream/broadcast/list', {})).body.broadcasts.map((b: { broadcastId: string }) => b.broadcastId)).toContain(broadcastId);
    expect((await api('/stream/camera/list', {})).body.cameras.map((c: { cameraId: string }) => c.cameraId)).toContain(cameraId);
  }, 90_000);
});
