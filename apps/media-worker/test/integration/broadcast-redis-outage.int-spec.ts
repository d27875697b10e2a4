import type { INestApplication } from '@nestjs/common';
import Bull from 'bull';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

import { BroadcastState } from '@lib-stream/broadcast-control';
import {
  type BroadcastAssignmentJob,
  BroadcastKeys,
  type BroadcastRuntime,
  type BroadcastSpec,
  BroadcastStopReason,
  CameraKeys,
  LockKeys,
  QueueNames,
  type SealedUrl,
  broadcastSourceKey,
} from '@lib-stream/contracts';
import { TokenCipher, maskRtmpUrl } from '@lib-stream/stream-key';
import {
  type FfmpegPublisher,
  type TcpProxy,
  type TestRedisServer,
  expectEventually,
  freePort,
  startRedisServer,
  startRtmpPlatform,
  startRtmpPublisher,
  startTcpProxy,
  testBroadcastSpec,
} from '@lib-stream/testing';

import { BroadcastCoordinator } from '../../src/broadcast/broadcast-coordinator';
import { registerCamera, startMediaWorker, submitBroadcast } from './media-worker.factory';

// A broadcasting media worker whose every Redis connection goes through a relay the test cuts, on a
// private redis-server (the cut touches nobody else); real FFmpeg, real node-media-server ingest.
jest.setTimeout(45_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('broadcasts while Redis is away (media worker behind a relay to a private redis-server)', () => {
  let server: TestRedisServer;
  let proxy: TcpProxy;
  let direct: Redis;
  let queue: Bull.Queue<BroadcastAssignmentJob>;
  let app: INestApplication;
  let port: number;
  let closed = false;
  const encryptionKey = randomBytes(32);
  const seal = (url: string): SealedUrl => ({ enc: new TokenCipher(encryptionKey).encrypt(url), masked: maskRtmpUrl(url) });
  const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-broadcast-outage-'));
  const logLines: string[] = [];
  const publishers: FfmpegPublisher[] = [];
  const platforms: { stop(): Promise<void> }[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  const runner = (spec: BroadcastSpec) => app.get(BroadcastCoordinator).runner(spec.broadcastId);
  const logged = (text: string) => logLines.filter((line) => line.includes(text));
  const runtime = async (spec: BroadcastSpec) => JSON.parse((await direct.get(BroadcastKeys.runtime(spec.broadcastId))) ?? 'null') as BroadcastRuntime | null;

  /** A broadcasting media worker on `redisUrl`, its RTMP ingest on `ingestPort`. */
  const startWorker = async (redisUrl: string, ingestPort: number, lines: string[]) =>
    (
      await startMediaWorker(
        {
          STREAM_REDIS_URL: redisUrl,
          STREAM_RTMP_INGEST_PORT: String(ingestPort),
          STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
          STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey.toString('hex'),
          STREAM_BROADCAST_ENABLED: 'true',
          STREAM_BROADCAST_RECOVERY_CHECK_SECONDS: '1',
          STREAM_BROADCAST_MAX_RESTARTS: '1',
          STREAM_BROADCAST_FALLBACK_SIZE: '320x180',
          STREAM_BROADCAST_VIDEO_BITRATE: '300k',
          STREAM_CAMERA_OFFLINE_GRACE_SECONDS: '1',
          STREAM_DEFAULT_BACKGROUND_VIDEO: '/nonexistent/default.mp4',
          STREAM_DATA_DIR: dataDir,
          // The destinations here are on loopback.
          STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
        },
        lines,
      )
    ).app;

  /** A camera publishing to a worker's ingest, live in the registry. */
  async function liveCamera(redis = direct, ingestPort = port): Promise<{ cameraId: string; streamKey: string; publisher: FfmpegPublisher }> {
    const { cameraId, streamKey } = await registerCamera(redis);
    const publisher = startRtmpPublisher(`rtmp://127.0.0.1:${ingestPort}/live/${streamKey}`);
    publishers.push(publisher);
    await expectEventually(async () => expect(JSON.parse((await redis.get(CameraKeys.registry(cameraId))) ?? '{}').state).toBe('live'));
    return { cameraId, streamKey, publisher };
  }

  /** A broadcast of the camera (no destination: what is on air is watched in the worker), started. */
  async function broadcastOf(cameraId: string, fields: Partial<BroadcastSpec> = {}, jobs = queue): Promise<BroadcastSpec> {
    const spec = testBroadcastSpec({ video: { kind: 'camera', cameraId }, sourceKey: broadcastSourceKey({ cameraId }), createdBy: 'test-account', ...fields });
    const answer = await submitBroadcast(jobs, { spec });
    if (!answer.ok) throw new Error(`not started: ${answer.status} ${answer.message}`);
    return spec;
  }

  async function stop(spec: BroadcastSpec): Promise<void> {
    await new BroadcastState(direct).requestChange(spec.broadcastId, (current) => ({ ...current, desired: 'stopped', stopReason: BroadcastStopReason.Manual }));
    await expectEventually(async () => expect((await runtime(spec))?.stoppedAt).toBeTruthy(), { timeoutMs: 15_000 });
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startRedisServer();
    proxy = await startTcpProxy(server.port);
    direct = new Redis(server.url);
    port = await freePort();
    app = await startWorker(`redis://127.0.0.1:${proxy.port}`, port, logLines);
    queue = new Bull<BroadcastAssignmentJob>(QueueNames.BroadcastAssignments, server.url, { prefix: 'stream:bull' });
  });

  afterEach(async () => {
    proxy.restore();
    await Promise.all(publishers.splice(0).map((p) => p.stop('SIGKILL')));
    await Promise.all(platforms.splice(0).map((p) => p.stop()));
  });

  afterAll(async () => {
    if (!closed) await app?.close();
    await queue?.close();
    await direct?.quit();
    await proxy?.close();
    await server?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    process.off('unhandledRejection', onUnhandled);
  });

  it('stays on its fallback while its camera cannot be looked up, says so once and rejects nothing unhandled', async () => {
    const { cameraId, publisher } = await liveCamera();
    const spec = await broadcastOf(cameraId);
    await publisher.stop('SIGKILL');
    await expectEventually(() => expect(runner(spec)?.videoSourceType()).toBe('black'));
    // On a fallback the runner looks for its camera in Redis every 250 ms, from a second after the fall.
    await sleep(1500);
    proxy.cut('reset');
    await sleep(1500);
    expect(unhandled).toEqual([]);
    expect(runner(spec)?.videoSourceType()).toBe('black');
    expect(logged('camera lookup failed')).toHaveLength(1);
    proxy.restore();
    await stop(spec);
  });

  it('falls past a fallback camera it cannot look up when its source dies during the outage, instead of leaving nothing on air', async () => {
    const main = await liveCamera();
    const backup = await liveCamera();
    const spec = await broadcastOf(main.cameraId, { fallbackStream: seal(`rtmp://127.0.0.1:${port}/live/${backup.streamKey}`) });
    await expectEventually(() => expect(runner(spec)?.videoSourceType()).toBe('primary_stream'));
    proxy.cut('reset');
    await main.publisher.stop('SIGKILL');
    // The backup camera cannot be looked up: the cascade goes on down to black rather than stopping there.
    await expectEventually(() => expect(runner(spec)?.videoSourceType()).toBe('black'), { timeoutMs: 6000 });
    expect(runner(spec)?.pids().source).not.toBeNull();
    expect(unhandled).toEqual([]);
    proxy.restore();
    // Once Redis answers, the backup camera (live all along) is found and put on air.
    await expectEventually(() => expect(runner(spec)?.videoSourceType()).toBe('fallback_stream'), { timeoutMs: 10_000 });
    await stop(spec);
  });

  it('finishes a broadcast that fails as Redis goes away without an unhandled rejection; it is stopped, reason error, once Redis is back', async () => {
    const failing = await startRtmpPlatform();
    platforms.push(failing);
    const key = `live_${randomBytes(6).toString('hex')}_FAILSECRET`;
    const { cameraId } = await liveCamera();
    const spec = await broadcastOf(cameraId, { destinations: [{ destinationId: randomBytes(8).toString('hex'), url: seal(failing.url('app', key)) }] });
    await expectEventually(() => expect(failing.keyframes(key).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
    // Held by an API change: the failure waits for the lock to record the stop, and Redis goes away meanwhile.
    await direct.set(LockKeys.broadcast(spec.broadcastId), 'an-api-change', 'PX', 30_000);
    await failing.stop();
    await expectEventually(() => expect(logged('"broadcast failed"')).toHaveLength(1), { timeoutMs: 10_000 });
    proxy.cut('reset');
    // The lock is polled every 50 ms: the next poll fails, and so does the stop's record after it.
    await sleep(1500);
    expect(unhandled).toEqual([]);
    proxy.restore();
    await direct.del(LockKeys.broadcast(spec.broadcastId));
    await expectEventually(async () => expect(await runtime(spec)).toMatchObject({ stopReason: BroadcastStopReason.Error, stoppedAt: expect.any(String) }), { timeoutMs: 20_000 });
  });

  // Last: it stops the worker.
  it('shuts down with Redis unreachable: its broadcast stops here, the handover it cannot record is logged, and the ingest still shuts down after it', async () => {
    const { cameraId, publisher } = await liveCamera();
    const spec = await broadcastOf(cameraId);
    const source = runner(spec)?.pids().source;
    expect(source).toEqual(expect.any(Number));
    // The relay stops listening: every connection is refused, as with Redis itself down.
    await proxy.close();
    // Seen by the worker before its shutdown starts.
    await sleep(500);
    closed = true;
    const closing = Date.now();
    await expect(app.close()).resolves.toBeUndefined();
    // Well within the shutdown timeout (STREAM_SHUTDOWN_TIMEOUT_SECONDS, 25 s by default).
    expect(Date.now() - closing).toBeLessThan(5000);
    expect(logged('could not record the handover')).toHaveLength(1);
    expect(() => process.kill(source as number, 0)).toThrow();
    // The ingest shut down after the broadcasts: the camera's connection is closed.
    expect(await publisher.exited).not.toBe(0);
    expect(unhandled).toEqual([]);
  });
});
