import { randomBytes } from 'node:crypto';

import {
  type FfmpegPublisher,
  type RtmpPlatform,
  type TestRedisServer,
  type TestStack,
  adminApi,
  broadcastTestEnv,
  expectEventually,
  freePort,
  startRedisServer,
  startRtmpPlatform,
  startRtmpPublisher,
  startStack,
} from '@lib-stream/testing';

/**
 * Redis loses everything (FLUSHALL, as after a restart without persistence) while a camera publishes
 * into the ingest and a broadcast of it is on air. Nothing a user sees may change: the camera stays
 * connected and listed, the broadcast stays on air on its one RTMP connection and is shown again.
 */
describe('Redis flushed under a live camera and a live broadcast', () => {
  let redis: TestRedisServer;
  let stack: TestStack;
  let platform: RtmpPlatform;
  let camera: FfmpegPublisher;
  let rtmpPort = 0;
  const destinationKey = `sk_flush_dest_${randomBytes(4).toString('hex')}`;
  const api = adminApi(() => `http://127.0.0.1:${stack.apiPort}`);

  beforeAll(async () => {
    redis = await startRedisServer();
    platform = await startRtmpPlatform();
    rtmpPort = await freePort();
    stack = await startStack({
      database: 'stream_e2e_flush',
      env: { ...broadcastTestEnv('500k'), STREAM_REDIS_URL: redis.url, STREAM_RTMP_INGEST_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live` },
    });
    await stack.startWorker('worker', { rtmpPort });
  }, 60_000);

  afterAll(async () => {
    await camera?.stop('SIGKILL');
    await stack?.stop();
    await platform?.stop();
    await redis?.dispose();
  });

  it('keeps the camera publishing and the broadcast on air, and shows both again', async () => {
    const created = await api('/stream/camera/create', { name: 'flush camera' });
    expect(created.status).toBe(200);
    const { cameraId } = created.body.camera;
    camera = startRtmpPublisher(`rtmp://127.0.0.1:${rtmpPort}/live/${created.body.streamKey}`);
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
