import type { INestApplication } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { CameraKeys, type CameraRegistryEntry, InternalChannels } from '@lib-stream/contracts';
import { JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { TokenCipher, generateStreamKey, hashStreamKey } from '@lib-stream/stream-key';
import { expectEventually, freePort, readFrameSizes, startRtmpPublisher, type FfmpegPublisher } from '@lib-stream/testing';

import { AppModule } from '../../src/app.module';

/** What control-api's camera endpoints write: the key hash index and a change notice to workers. */
async function createCamera(redis: Redis): Promise<{ cameraId: string; streamKey: string }> {
  const cameraId = randomUUID();
  const streamKey = generateStreamKey();
  await redis.set(CameraKeys.keyIndex(hashStreamKey(streamKey)), cameraId);
  await redis.publish(InternalChannels.CameraCredentials, JSON.stringify({ cameraId, keyHash: hashStreamKey(streamKey), revokedKeyHash: null }));
  return { cameraId, streamKey };
}

async function revokeKey(redis: Redis, cameraId: string, streamKey: string): Promise<void> {
  await redis.del(CameraKeys.keyIndex(hashStreamKey(streamKey)));
  await redis.publish(InternalChannels.CameraCredentials, JSON.stringify({ cameraId, keyHash: null, revokedKeyHash: hashStreamKey(streamKey) }));
}

describe('camera ingest with node-media-server, FFmpeg publishers and Redis', () => {
  const encryptionKey = randomBytes(32);
  const redis = new Redis();
  const subscriber = new Redis();
  const events: { channel: string; data: Record<string, unknown> }[] = [];
  const logLines: string[] = [];
  const publishers: FfmpegPublisher[] = [];
  let app: INestApplication;
  let port: number;

  const url = (key: string) => `rtmp://127.0.0.1:${port}/live/${key}`;
  const publish = (key: string, size?: string) => {
    const publisher = startRtmpPublisher(url(key), { size });
    publishers.push(publisher);
    return publisher;
  };
  const registry = async (cameraId: string) => {
    const raw = await redis.get(CameraKeys.registry(cameraId));
    return raw ? (JSON.parse(raw) as CameraRegistryEntry) : null;
  };
  const eventsFor = (cameraId: string, channel: string) => events.filter((e) => e.channel === channel && e.data.cameraId === cameraId);

  beforeAll(async () => {
    port = await freePort();
    const config = loadConfig({
      STREAM_RTMP_INGEST_PORT: String(port),
      STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey.toString('hex'),
      STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
      STREAM_CAMERA_OFFLINE_GRACE_SECONDS: '2',
      STREAM_CAMERA_STALL_SECONDS: '2',
      STREAM_CAMERA_ANNOUNCE_TTL_SECONDS: '5',
      STREAM_DATA_DIR: `/tmp/lib-stream-test-${process.pid}`,
    });
    const identity = newServiceIdentity('media-worker');
    const logger = new JsonLogger({ service: 'media-worker', level: 'debug', sink: { write: (line) => logLines.push(line) } });
    app = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity), redisTransport: true }, config, identity, logger);
    await app.init();
    await subscriber.subscribe('camera.stream.started', 'camera.stream.ended');
    subscriber.on('message', (channel: string, message: string) => events.push({ channel, data: JSON.parse(message).data }));
  });

  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop('SIGKILL')));
  });

  afterAll(async () => {
    await app?.close();
    await subscriber.quit();
    await redis.quit();
  });

  it('accepts a valid key, registers the camera with its metadata and announces it', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const startedAt = Date.now();
    publish(streamKey, '640x360');
    const entry = await expectEventually(async () => {
      const value = await registry(cameraId);
      expect(value?.state).toBe('live');
      return value as CameraRegistryEntry;
    });
    const startToLiveMs = Date.now() - startedAt;
    expect(startToLiveMs).toBeLessThan(5000);
    expect(entry).toMatchObject({
      source: 'ingest',
      workerId: expect.any(String),
      metadata: { videoCodec: 'h264', width: 640, height: 360, fps: 30, audioCodec: 'aac', audioSampleRate: 44100, audioChannels: 2 },
    });
    expect(new TokenCipher(encryptionKey).decrypt(entry.rtmpUrlEnc as string)).toBe(url(streamKey));
    await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.started')).toHaveLength(1));
    expect(eventsFor(cameraId, 'camera.stream.started')[0].data).toMatchObject({ source: 'ingest', metadata: { width: 640 } });
    expect(JSON.stringify(events)).not.toContain(streamKey);
    const frames = await readFrameSizes(url(streamKey), { frames: 5 });
    expect(frames[0]).toBe('640,360');
  });

  it('refuses an unknown key before reading any of its media', async () => {
    const key = generateStreamKey();
    const publisher = publish(key);
    expect(await publisher.exited).not.toBe(0);
    expect(await readFrameSizes(url(key), { timeoutSeconds: 2 })).toEqual([]);
  });

  it('refuses a second publisher on a live key and leaves the first untouched', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const first = publish(streamKey, '640x360');
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    const second = publish(streamKey, '320x240');
    expect(await second.exited).not.toBe(0);
    const frames = await readFrameSizes(url(streamKey), { frames: 40 });
    expect(frames.length).toBeGreaterThan(10);
    expect(new Set(frames)).toEqual(new Set(['640,360']));
    expect(first.child.exitCode).toBeNull();
  });

  it('cuts a live publisher whose key is revoked and ends the camera at once', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const publisher = publish(streamKey);
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    await revokeKey(redis, cameraId, streamKey);
    expect(await publisher.exited).not.toBe(0);
    await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.ended')).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'key_revoked' }) })]));
    expect(await registry(cameraId)).toBeNull();
    const again = publish(streamKey);
    expect(await again.exited).not.toBe(0);
  });

  it('keeps a camera that reconnects within the grace live, without an ended event', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const first = publish(streamKey);
    const live = await expectEventually(async () => {
      const entry = await registry(cameraId);
      expect(entry?.state).toBe('live');
      return entry as CameraRegistryEntry;
    });
    await first.stop('SIGKILL');
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('reconnecting'));
    publish(streamKey);
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await registry(cameraId))?.liveSince).toBe(live.liveSince);
    expect(eventsFor(cameraId, 'camera.stream.ended')).toEqual([]);
    expect(eventsFor(cameraId, 'camera.stream.started')).toHaveLength(1);
  });

  it('marks a camera offline after the grace when it does not come back', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const publisher = publish(streamKey);
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    const stoppedAt = Date.now();
    await publisher.stop('SIGTERM');
    await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.ended')).toHaveLength(1), { timeoutMs: 6000 });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1900);
    expect(eventsFor(cameraId, 'camera.stream.ended')[0].data.reason).toBe('disconnected');
    expect(await registry(cameraId)).toBeNull();
  });

  it('detects a frozen publisher whose connection stays open', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const publisher = publish(streamKey);
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    publisher.child.kill('SIGSTOP');
    try {
      await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.ended')).toHaveLength(1), { timeoutMs: 6000 });
      expect(eventsFor(cameraId, 'camera.stream.ended')[0].data.reason).toBe('stalled');
    } finally {
      publisher.child.kill('SIGCONT');
    }
  });

  it('registers a camera a game engine announces and expires it unless re-announced', async () => {
    const cameraId = `engine-cam-${randomBytes(3).toString('hex')}`;
    const engineUrl = `rtmp://game-engine.internal:1935/cams/${randomBytes(8).toString('hex')}`;
    await redis.publish('camera.stream.started', JSON.stringify({ pattern: 'camera.stream.started', data: { cameraId, rtmpUrl: engineUrl, metadata: { width: 1920, height: 1080 } } }));
    const entry = await expectEventually(async () => {
      const value = await registry(cameraId);
      expect(value).not.toBeNull();
      return value as CameraRegistryEntry;
    });
    expect(entry).toMatchObject({ source: 'engine', state: 'live', metadata: { width: 1920, height: 1080 } });
    expect(new TokenCipher(encryptionKey).decrypt(entry.rtmpUrlEnc as string)).toBe(engineUrl);
    expect(await redis.pttl(CameraKeys.registry(cameraId))).toBeLessThanOrEqual(5000);
    await redis.publish('camera.stream.ended', JSON.stringify({ pattern: 'camera.stream.ended', data: { cameraId } }));
    await expectEventually(async () => expect(await registry(cameraId)).toBeNull());
  });

  it('never logs a stream key, including node-media-server’s own lines', () => {
    const log = logLines.join('');
    expect(log).toContain('node-media-server');
    expect(log).toMatch(/\/live\/\*\*\*\*/);
    expect(log).not.toMatch(/sk_[A-Za-z0-9_-]{43}/);
  });
});
