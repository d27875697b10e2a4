import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import Redis from 'ioredis';

import {
  adminApi,
  type FfmpegPublisher,
  type RtmpPlatform,
  type RunningApp,
  TEST_JWT_SECRET,
  type TestDatabase,
  childPids,
  createTestDatabase,
  dumpRedis,
  expectEventually,
  findLeaks,
  freePort,
  startBuiltApp,
  startRtmpPlatform,
  present,
  processRuns,
  startRtmpPublisher,
  testRedisUrl,
  waitForReady,
} from '@lib-stream/testing';

// control-api and media workers built from dist, real FFmpeg, a fake platform (node-media-server in
// its own process) as the destination, real Redis and MariaDB.
describe('broadcasts across control-api and scaled media workers', () => {
  let db: TestDatabase;
  let redis: Redis;
  let subscriber: Redis;
  let platform: RtmpPlatform;
  const events: { channel: string; data: Record<string, unknown> }[] = [];
  const workers = new Map<string, RunningApp>();
  const apps: RunningApp[] = [];
  const publishers: FfmpegPublisher[] = [];
  const responses: string[] = [];
  const ports: Record<string, number> = {};
  const destinationKey = `live_${randomBytes(8).toString('hex')}_E2ESECRET`;
  const autoKey = `live_${randomBytes(8).toString('hex')}_AUTOSECRET`;
  const secondKey = `live_${randomBytes(8).toString('hex')}_SECONDSECRET`;
  const cameraKey = `cam${randomBytes(6).toString('hex')}`;
  let common: Record<string, string>;

  const api = adminApi(() => `http://127.0.0.1:${ports.api}`, responses);

  async function startWorker(name: string, env: Record<string, string> = {}): Promise<RunningApp> {
    const http = await freePort();
    const rtmp = await freePort();
    ports[`http_${name}`] = http;
    ports[`rtmp_${name}`] = rtmp;
    const worker = startBuiltApp('media-worker', {
      ...common,
      MEDIA_WORKER_HTTP_PORT: String(http),
      STREAM_RTMP_INGEST_PORT: String(rtmp),
      STREAM_DATA_DIR: `${tmpdir()}/lib-stream-e2e-bc-${name}-${process.pid}`,
      ...env,
    });
    apps.push(worker);
    await waitForReady(`http://127.0.0.1:${http}`);
    workers.set(name, worker);
    return worker;
  }

  const workerNamed = (instanceId: string) => {
    for (const [name, worker] of workers) {
      if (worker.output().includes(instanceId)) return name;
    }
    throw new Error(`no worker has instance id ${instanceId}`);
  };

  beforeAll(async () => {
    // The run's own redis-server (jest global setup), where the built apps publish their events.
    redis = new Redis(testRedisUrl());
    subscriber = new Redis(testRedisUrl());
    await subscriber.subscribe('stream.broadcast.started', 'stream.broadcast.stopped', 'stream.broadcast.source-changed');
    subscriber.on('message', (channel: string, message: string) => events.push({ channel, data: JSON.parse(message).data }));
    db = await createTestDatabase('stream_e2e_bc');
    platform = await startRtmpPlatform();
    ports.api = await freePort();
    common = {
      STREAM_DATABASE_URL: db.url,
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      STREAM_LOG_LEVEL: 'debug',
      STREAM_BROADCAST_ENABLED: 'true',
      STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
      // The fake platforms and cameras are on loopback, which the media policy refuses by default.
      STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
      STREAM_BROADCAST_FALLBACK_SIZE: '320x180',
      STREAM_BROADCAST_VIDEO_BITRATE: '500k',
      STREAM_DEFAULT_BACKGROUND_VIDEO: '/nonexistent/default.mp4',
    };
    apps.push(startBuiltApp('control-api', { ...common, CONTROL_API_PORT: String(ports.api) }));
    await waitForReady(`http://127.0.0.1:${ports.api}`);
    await startWorker('a');
    await startWorker('b');
    // The camera publishes to the platform's server, so it survives whichever worker is killed.
    publishers.push(startRtmpPublisher(platform.url('cam', cameraKey)));
    await expectEventually(() => expect(platform.keyframes(cameraKey).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await platform?.stop();
    await subscriber.quit();
    await redis.quit();
    await db?.drop();
  });

  it('refuses an unreachable destination or source with a 400 that names it, masked, and starts nothing', async () => {
    const closed = await freePort();
    const before = await redis.keys('stream:bc:*');
    const badDestination = await api('/stream/broadcast/start', {
      sourceType: 'Camera',
      sourceId: platform.url('cam', cameraKey),
      rtmpOutputUrl: `rtmp://127.0.0.1:${closed}/app/${destinationKey}`,
    });
    expect(badDestination.status).toBe(400);
    expect(badDestination.body.message).toContain('rtmpOutputUrl');
    expect(badDestination.body.message).toContain(`rtmp://127.0.0.1:${closed}/app/****`);
    const badSource = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: 'no-such-camera', rtmpOutputUrl: platform.url('app', destinationKey) });
    expect(badSource.status).toBe(400);
    expect(badSource.body.message).toContain('no-such-camera');
    expect(await redis.keys('stream:bc:*')).toEqual(before);
    expect(platform.publishes(destinationKey)).toHaveLength(0);
  }, 60_000);

  it('starts through the API, shows status and list, and comes back on air from the other worker after a SIGKILL', async () => {
    const started = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: platform.url('cam', cameraKey), rtmpOutputUrl: platform.url('app', destinationKey) });
    expect(started.status).toBe(200);
    const { broadcastId } = started.body;
    expect(started.body).toMatchObject({ isActive: true, sourceType: 'Camera', videoSourceType: 'primary_stream', rtmpOutputUrl: `rtmp://127.0.0.1:${platform.port}/app/****` });
    await expectEventually(() => expect(platform.keyframes(destinationKey).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
    const status = await expectEventually(async () => {
      const current = await api('/stream/broadcast/status', { broadcastId });
      expect(current.body).toMatchObject({ health: 'healthy', destinations: [expect.objectContaining({ state: 'live' })] });
      return current.body;
    });
    expect((await api('/stream/broadcast/list', {})).body.broadcasts.map((b: { broadcastId: string }) => b.broadcastId)).toContain(broadcastId);
    const duplicate = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: platform.url('cam', cameraKey), rtmpOutputUrl: platform.url('app', destinationKey) });
    expect(duplicate.status).toBe(409);

    // A second destination added live: validated first, the first destination's connection untouched.
    const updated = await api('/stream/broadcast/update', { broadcastId, addRtmpOutputUrls: [platform.url('app', secondKey)] });
    expect(updated.status).toBe(200);
    expect(updated.body.interruption).toMatchObject({ destinationsAdded: 1, destinationsRemoved: 0, destinationsReconnected: 0, sourceRestarted: false });
    expect(updated.body.destinations).toHaveLength(2);
    await expectEventually(() => expect(platform.keyframes(secondKey).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
    expect(platform.publishes(destinationKey)).toHaveLength(1);
    const refusedUpdate = await api('/stream/broadcast/update', { broadcastId, addRtmpOutputUrls: [`rtmp://127.0.0.1:${await freePort()}/app/${secondKey}x`] });
    expect(refusedUpdate.status).toBe(400);
    expect((await api('/stream/broadcast/status', { broadcastId })).body.destinations).toHaveLength(2);

    const ownerName = workerNamed(status.workerId);
    const doomed = present(workers.get(ownerName), `worker ${ownerName}`);
    const ffmpegs = childPids(present(doomed.child.pid, 'the owner pid'));
    expect(ffmpegs.length).toBeGreaterThanOrEqual(2); // the source and the output
    const killedAt = Date.now();
    await doomed.stop('SIGKILL');
    workers.delete(ownerName);
    // Its FFmpegs die with it (the kernel, parent-death signal), so none goes on publishing.
    await expectEventually(() => expect(ffmpegs.filter(processRuns)).toEqual([]), { timeoutMs: 300, intervalMs: 20 });
    await expectEventually(
      async () => {
        const current = await api('/stream/broadcast/status', { broadcastId });
        expect(current.body.workerId).not.toBeNull();
        expect(current.body.workerId).not.toBe(status.workerId);
        expect(platform.keyframes(destinationKey).some((k) => k.t > killedAt + 500)).toBe(true);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const backOnAir = present(platform.keyframes(destinationKey).find((k) => k.t > killedAt + 500), 'a keyframe after the kill').t - killedAt;
    expect(backOnAir).toBeLessThan(15_000);
    expect(platform.publishes(destinationKey)).toHaveLength(2);
    // The adopter went on air only after the dead owner's publish had ended: never two publishers at once.
    expect(platform.mostPublishersAtOnce(destinationKey)).toBe(1);
    expect(events.filter((e) => e.channel === 'stream.broadcast.started' && e.data.broadcastId === broadcastId)).toHaveLength(1);

    // A new worker joins; SIGTERM on the owner hands the broadcast over to it.
    await startWorker('c');
    const owner = (await api('/stream/broadcast/status', { broadcastId })).body.workerId as string;
    const ownerWorker = workerNamed(owner);
    const handedAt = Date.now();
    expect(await present(workers.get(ownerWorker), `worker ${ownerWorker}`).stop('SIGTERM')).toBe(0);
    workers.delete(ownerWorker);
    await expectEventually(
      async () => {
        const current = await api('/stream/broadcast/status', { broadcastId });
        expect(current.body.workerId).not.toBeNull();
        expect(current.body.workerId).not.toBe(owner);
        expect(platform.keyframes(destinationKey).some((k) => k.t > handedAt + 500)).toBe(true);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );

    const stopped = await api('/stream/broadcast/stop', { broadcastId });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ isActive: false, health: 'stopped' });
    await expectEventually(() => expect(events.filter((e) => e.channel === 'stream.broadcast.stopped' && e.data.broadcastId === broadcastId)).toHaveLength(1));
    expect((await api('/stream/broadcast/list', {})).body.broadcasts.map((b: { broadcastId: string }) => b.broadcastId)).not.toContain(broadcastId);
  }, 120_000);

  it('auto-broadcasts the configured camera once it goes live, and ends the broadcast when the camera is deleted', async () => {
    const created = await api('/stream/camera/create', { name: 'auto camera' });
    const { cameraId } = created.body.camera;
    await startWorker('auto', {
      STREAM_AUTO_BROADCAST_CAMERA_ID: cameraId,
      STREAM_AUTO_BROADCAST_RTMP_URL: platform.url('app', autoKey),
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(platform.publishes(autoKey)).toHaveLength(0);
    publishers.push(startRtmpPublisher(`rtmp://127.0.0.1:${ports.rtmp_auto}/live/${created.body.streamKey}`));
    await expectEventually(() => expect(platform.keyframes(autoKey).length).toBeGreaterThanOrEqual(1), { timeoutMs: 20_000, intervalMs: 200 });
    const listed = (await api('/stream/broadcast/list', {})).body.broadcasts as { sourceId: string; broadcastId: string }[];
    const auto = listed.filter((b) => b.sourceId === cameraId);
    expect(auto).toHaveLength(1);
    // Deleting the camera ends its broadcast: it would never come back, so no fallback forever.
    expect((await api('/stream/camera/delete', { cameraId })).status).toBe(200);
    await expectEventually(() =>
      expect(events.find((e) => e.channel === 'stream.broadcast.stopped' && e.data.broadcastId === auto[0].broadcastId)?.data.reason).toBe('source_disconnected'),
    );
    expect((await api('/stream/broadcast/status', { broadcastId: auto[0].broadcastId })).body).toMatchObject({ isActive: false, stopReason: 'source_disconnected' });
  }, 60_000);

  it('answers 503 when no worker has FFmpeg, and the worker says why in its health', async () => {
    for (const [name, worker] of workers) {
      await worker.stop('SIGTERM');
      workers.delete(name);
    }
    const worker = await startWorker('noffmpeg', { STREAM_FFMPEG_PATH: '/nonexistent/ffmpeg' });
    const health = (await (await fetch(`http://127.0.0.1:${ports.http_noffmpeg}/health/ready`)).json()) as { checks: Record<string, string> };
    expect(health.checks.broadcasting).toBe('unavailable: FFmpeg not found at STREAM_FFMPEG_PATH');
    const refused = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: platform.url('cam', cameraKey), rtmpOutputUrl: platform.url('app', destinationKey) });
    expect(refused.status).toBe(503);
    expect(refused.body.message).toContain('FFmpeg');
    await worker.stop('SIGTERM');
  }, 60_000);

  it('leaves no destination key in API responses, events, Redis or any log', async () => {
    const places = { redis: await dumpRedis(redis), responses: responses.join('\n'), events: JSON.stringify(events), logs: apps.map((app) => app.output()).join('\n') };
    expect(findLeaks(places, [destinationKey, autoKey, secondKey, 'E2ESECRET', 'AUTOSECRET', 'SECONDSECRET'])).toEqual({});
  });
});

