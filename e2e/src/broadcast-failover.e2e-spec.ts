import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

import {
  adminApi,
  broadcastTestEnv,
  type FfmpegPublisher,
  type ReceivedEvent,
  type RtmpPlatform,
  type TestStack,
  childPids,
  dumpRedis,
  expectEventually,
  findLeaks,
  freePort,
  startRtmpPlatform,
  present,
  processRuns,
  recordEvents,
  startRtmpPublisher,
  startStack,
  testRedisUrl,
} from '@lib-stream/testing';

// control-api and media workers built from dist, real FFmpeg, a fake platform (node-media-server in
// its own process) as the destination, real Redis and MariaDB.
describe('broadcasts across control-api and scaled media workers', () => {
  let stack: TestStack;
  let redis: Redis;
  let subscriber: Redis;
  let platform: RtmpPlatform;
  const events: ReceivedEvent[] = [];
  const publishers: FfmpegPublisher[] = [];
  const responses: string[] = [];
  const destinationKey = `live_${randomBytes(8).toString('hex')}_E2ESECRET`;
  const autoKey = `live_${randomBytes(8).toString('hex')}_AUTOSECRET`;
  const secondKey = `live_${randomBytes(8).toString('hex')}_SECONDSECRET`;
  const cameraKey = `cam${randomBytes(6).toString('hex')}`;

  const api = adminApi(() => `http://127.0.0.1:${stack.apiPort}`, responses);
  const worker = (name: string) => present(stack.workers.get(name), `worker ${name}`);

  beforeAll(async () => {
    // The run's own redis-server (jest global setup), where the built apps publish their events.
    redis = new Redis(testRedisUrl());
    subscriber = await recordEvents(events, ['stream.broadcast.started', 'stream.broadcast.stopped', 'stream.broadcast.source-changed']);
    platform = await startRtmpPlatform();
    stack = await startStack({ database: 'stream_e2e_bc', workers: ['a', 'b'], env: broadcastTestEnv('500k') });
    // The camera publishes to the platform's server, so it survives whichever worker is killed.
    publishers.push(startRtmpPublisher(platform.url('cam', cameraKey)));
    await expectEventually(() => expect(platform.keyframes(cameraKey).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
    await stack?.stop();
    await platform?.stop();
    await subscriber.quit();
    await redis.quit();
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
    // One id follows the start from the request to the worker: the answer's X-Request-Id is on the
    // owner's "broadcast started" line and on the stream.broadcast.started event.
    const requestId = present(started.requestId, "the start's X-Request-Id");
    const startedEvent = await expectEventually(() => present(events.find((e) => e.channel === 'stream.broadcast.started' && e.data.broadcastId === broadcastId), 'the started event'));
    expect(startedEvent.data.correlationId).toBe(requestId);
    const ownerLines = present(stack.workers.get(stack.workerNamed(status.workerId)), 'the owner').app.output().split('\n');
    expect(ownerLines.filter((line) => line.includes('"msg":"broadcast started"') && line.includes(broadcastId)).map((line) => JSON.parse(line).correlationId)).toEqual([requestId]);
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

    const ownerName = stack.workerNamed(status.workerId);
    const doomed = worker(ownerName).app;
    const ffmpegs = childPids(present(doomed.child.pid, 'the owner pid'));
    expect(ffmpegs.length).toBeGreaterThanOrEqual(2); // the source and the output
    const killedAt = Date.now();
    await doomed.stop('SIGKILL');
    stack.workers.delete(ownerName);
    // Its FFmpegs die with it (the kernel, parent-death signal), so none goes on publishing.
    // Within 300 ms on a quiet machine; in a CI rehearsal loaded to 7 runnable processes on 2 cores one
    // still ran at 300 ms (the kernel sends the signal at once; the exit waits for a core).
    await expectEventually(() => expect(ffmpegs.filter(processRuns)).toEqual([]), { timeoutMs: 2000, intervalMs: 20 });
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
    await stack.startWorker('c');
    const owner = (await api('/stream/broadcast/status', { broadcastId })).body.workerId as string;
    const ownerWorker = stack.workerNamed(owner);
    const handedAt = Date.now();
    expect(await worker(ownerWorker).app.stop('SIGTERM')).toBe(0);
    stack.workers.delete(ownerWorker);
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
    const autoWorker = await stack.startWorker('auto', {
      env: { STREAM_AUTO_BROADCAST_CAMERA_ID: cameraId, STREAM_AUTO_BROADCAST_RTMP_URL: platform.url('app', autoKey) },
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(platform.publishes(autoKey)).toHaveLength(0);
    publishers.push(startRtmpPublisher(`rtmp://127.0.0.1:${autoWorker.rtmpPort}/live/${created.body.streamKey}`));
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
    for (const [name, running] of stack.workers) {
      await running.app.stop('SIGTERM');
      stack.workers.delete(name);
    }
    const noFfmpeg = await stack.startWorker('noffmpeg', { env: { STREAM_FFMPEG_PATH: '/nonexistent/ffmpeg' } });
    const health = (await (await fetch(`http://127.0.0.1:${noFfmpeg.httpPort}/health/ready`)).json()) as { checks: Record<string, string> };
    expect(health.checks.broadcasting).toBe('unavailable: FFmpeg not found at STREAM_FFMPEG_PATH');
    const refused = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: platform.url('cam', cameraKey), rtmpOutputUrl: platform.url('app', destinationKey) });
    expect(refused.status).toBe(503);
    expect(refused.body.message).toContain('FFmpeg');
    await noFfmpeg.app.stop('SIGTERM');
  }, 60_000);

  it('leaves no destination key in API responses, events, Redis or any log', async () => {
    const places = { redis: await dumpRedis(redis), responses: responses.join('\n'), events: JSON.stringify(events), logs: stack.apps.map((app) => app.output()).join('\n') };
    expect(findLeaks(places, [destinationKey, autoKey, secondKey, 'E2ESECRET', 'AUTOSECRET', 'SECONDSECRET'])).toEqual({});
  });
});

