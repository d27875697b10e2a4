import Redis from 'ioredis';

import { CameraKeys, type CameraRegistryEntry } from '@lib-stream/contracts';
import { TokenCipher } from '@lib-stream/stream-key';

import { adminApi,
  type FfmpegPublisher,
  type ReceivedEvent,
  type TestStack,
  dumpMysql,
  dumpRedis,
  expectEventually,
  findLeaks,
  freePort,
  readFrameSizes,
  present,
  recordEvents,
  startStack,
  startRtmpPublisher,
  testRedisUrl } from '@lib-stream/testing';

// control-api and two media-worker processes built from dist, real FFmpeg publishers, real Redis.
describe('camera ingest across control-api and two media workers', () => {
  let stack: TestStack;
  let redis: Redis;
  let subscriber: Redis;
  const events: ReceivedEvent[] = [];
  const publishers: FfmpegPublisher[] = [];
  const responses: string[] = [];
  const keys: string[] = [];

  const api = adminApi(() => `http://127.0.0.1:${stack.apiPort}`, responses);
  const ingest = (worker: 'a' | 'b', key: string) => `rtmp://127.0.0.1:${present(stack.workers.get(worker), `worker ${worker}`).rtmpPort}/live/${key}`;
  /** Where the media plane reads a live camera (the ingest plays no key): its registry entry's URL. */
  const readUrl = async (cameraId: string) => {
    const entry = JSON.parse((await redis.get(CameraKeys.registry(cameraId))) as string) as CameraRegistryEntry;
    return new TokenCipher(stack.encryptionKey).decrypt(entry.rtmpUrlEnc as string);
  };

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    subscriber = await recordEvents(events, ['camera.stream.started', 'camera.stream.ended']);
    subscriber.on('error', (error: Error) => events.push({ channel: 'subscriber-error', data: { message: error.message }, at: Date.now(), raw: error.message }));
    // The API hands out worker a's ingest as the public URL.
    const rtmpA = await freePort();
    stack = await startStack({
      database: 'stream_e2e_cam',
      env: { STREAM_RTMP_INGEST_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpA}/live` },
    });
    await stack.startWorker('a', { rtmpPort: rtmpA });
    await stack.startWorker('b');
  });

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
    await stack?.stop();
    await subscriber.quit();
    await redis.quit();
  });

  it('goes live through the API-issued key, one publisher across workers, and is cut by a key reset', async () => {
    const created = await api('/stream/camera/create', { name: 'e2e camera' });
    expect(created.status).toBe(200);
    const { cameraId } = created.body.camera;
    const key = created.body.streamKey as string;
    keys.push(key);
    expect(created.body.ingestUrl).toBe(`rtmp://127.0.0.1:${present(stack.workers.get('a'), 'worker a').rtmpPort}/live`);

    const first = startRtmpPublisher(ingest('a', key));
    publishers.push(first);
    const live = await expectEventually(async () => {
      const status = await api('/stream/camera/status', { cameraId });
      expect(status.body.state).toBe('live');
      return status.body;
    });
    expect(live.metadata).toMatchObject({ width: 320, height: 180, videoCodec: 'h264' });
    await expectEventually(() => expect(events.filter((e) => e.channel === 'camera.stream.started' && e.data.cameraId === cameraId)).toHaveLength(1));

    // Same key on the other worker: refused, and nothing of it is readable there.
    const second = startRtmpPublisher(ingest('b', key), { size: '320x240' });
    publishers.push(second);
    expect(await second.exited).not.toBe(0);
    expect(await readFrameSizes(ingest('b', key), { timeoutSeconds: 2 })).toEqual([]);
    // Publish-only: the key plays nowhere; the camera is read through its worker's read URL.
    expect(await readFrameSizes(ingest('a', key), { timeoutSeconds: 2 })).toEqual([]);
    expect(new Set(await readFrameSizes(await readUrl(cameraId), { frames: 30 }))).toEqual(new Set(['320,180']));
    expect((await api('/stream/camera/status', { cameraId })).body.workerId).toBe(live.workerId);

    const reset = await api('/stream/camera/reset-key', { cameraId });
    keys.push(reset.body.streamKey as string);
    expect(await first.exited).not.toBe(0);
    await expectEventually(() =>
      expect(events.filter((e) => e.channel === 'camera.stream.ended' && e.data.cameraId === cameraId)).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ reason: 'key_revoked' }) }),
      ]),
    );
    expect((await api('/stream/camera/status', { cameraId })).body.state).toBe('offline');

    const renewed = startRtmpPublisher(ingest('b', reset.body.streamKey as string));
    publishers.push(renewed);
    await expectEventually(async () => expect((await api('/stream/camera/status', { cameraId })).body.state).toBe('live'));
  }, 60_000);

  it('leaves no stream key in clear in Redis, MySQL, API responses, events or any log', async () => {
    const redisDump = await dumpRedis(redis);
    const mysqlDump = await dumpMysql(stack.db.url);
    const logs = stack.apps.map((app) => app.output()).join('\n');
    expect(logs).toContain('node-media-server');
    const places = { redis: redisDump, mysql: mysqlDump, responses: responses.filter((r) => !r.includes('"streamKey":"sk_')).join('\n'), events: JSON.stringify(events), logs };
    expect(findLeaks(places, keys)).toEqual({});
  });
});
