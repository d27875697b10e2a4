import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

import { CameraKeys, type CameraRegistryEntry } from '@lib-stream/contracts';
import {
  type FfmpegPublisher,
  type ReceivedEvent,
  type TcpProxy,
  type TestRedisServer,
  expectEventually,
  freePort,
  recordEvents,
  startRedisServer,
  startRtmpPublisher,
  startTcpProxy,
} from '@lib-stream/testing';

import { registerCamera, startMediaWorker } from './media-worker.factory';

// A media worker whose every Redis connection goes through a relay the test cuts: Redis is away
// while a camera disconnects. A private redis-server, so the cut touches nobody else.
jest.setTimeout(45_000);

describe('camera ingest while Redis is away (media worker behind a relay to a private redis-server)', () => {
  let server: TestRedisServer;
  let proxy: TcpProxy;
  let direct: Redis;
  let subscriber: Redis;
  let app: INestApplication;
  let port: number;
  const events: ReceivedEvent[] = [];
  const logLines: string[] = [];
  const publishers: FfmpegPublisher[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  const registry = async (cameraId: string) => {
    const raw = await direct.get(CameraKeys.registry(cameraId));
    return raw ? (JSON.parse(raw) as CameraRegistryEntry) : null;
  };
  const endedEvents = (cameraId: string) => events.filter((e) => e.channel === 'camera.stream.ended' && e.data.cameraId === cameraId);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startRedisServer();
    proxy = await startTcpProxy(server.port);
    direct = new Redis(server.url);
    port = await freePort();
    ({ app } = await startMediaWorker(
      {
        STREAM_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        STREAM_RTMP_INGEST_PORT: String(port),
        STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
        STREAM_CAMERA_OFFLINE_GRACE_SECONDS: '2',
      },
      logLines,
    ));
    subscriber = await recordEvents(events, ['camera.stream.ended'], server.url);
  });

  afterEach(async () => {
    proxy.restore();
    await Promise.all(publishers.splice(0).map((p) => p.stop('SIGKILL')));
  });

  afterAll(async () => {
    await app?.close();
    await subscriber?.quit();
    await direct?.quit();
    await proxy?.close();
    await server?.dispose();
    process.off('unhandledRejection', onUnhandled);
  });

  it('ends a camera that disconnected during the outage once Redis is back, with its event, and fails nothing unhandled', async () => {
    const { cameraId, streamKey } = await registerCamera(direct);
    const publisher = startRtmpPublisher(`rtmp://127.0.0.1:${port}/live/${streamKey}`);
    publishers.push(publisher);
    const live = await expectEventually(async () => {
      const entry = await registry(cameraId);
      expect(entry?.state).toBe('live');
      return entry as CameraRegistryEntry;
    });

    proxy.cut('reset');
    await publisher.stop('SIGKILL');
    // The 2 s grace runs out while Redis is still away: releasing the owner key, marking the camera
    // reconnecting and ending it all fail.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(unhandled).toEqual([]);
    expect(endedEvents(cameraId)).toEqual([]);
    expect(await registry(cameraId)).toMatchObject({ state: 'live', sessionId: live.sessionId });

    proxy.restore();
    await expectEventually(() => expect(endedEvents(cameraId)).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'disconnected', source: 'ingest' }) })]), { timeoutMs: 15_000 });
    expect(await registry(cameraId)).toBeNull();
    // Told once, not once a second for the whole outage.
    expect(logLines.join('').split('could not end camera, trying again').length - 1).toBe(1);
    expect(unhandled).toEqual([]);
  });

  // Production runs Redis with maxmemory-policy noeviction (README): once full, it refuses writes and
  // still delivers events. A handler failing on the Redis transport used to reject unhandled (the
  // error filter rethrew it outside HTTP), which exits the worker.
  it('logs a camera announcement Redis refuses to store (maxmemory reached) instead of failing unhandled, and stores the next', async () => {
    const cameraId = `engine-cam-${randomBytes(3).toString('hex')}`;
    const announce = () =>
      direct.publish('camera.stream.started', JSON.stringify({ pattern: 'camera.stream.started', data: { cameraId, rtmpUrl: 'rtmp://game-engine.internal:1935/cams/abc' } }));
    const handlerFailures = () => logLines.filter((line) => line.includes('event handler failed') && line.includes('camera.stream.started'));
    await direct.config('SET', 'maxmemory', '1');
    try {
      expect(await announce()).toBeGreaterThan(0);
      await expectEventually(() => expect(unhandled.length + handlerFailures().length).toBeGreaterThan(0));
    } finally {
      await direct.config('SET', 'maxmemory', '0');
    }
    expect(unhandled).toEqual([]);
    expect(handlerFailures()).toHaveLength(1);
    expect(handlerFailures()[0]).toContain('OOM command not allowed');
    expect(await registry(cameraId)).toBeNull();

    await announce();
    await expectEventually(async () => expect(await registry(cameraId)).toMatchObject({ source: 'engine', state: 'live' }));
  });
});
