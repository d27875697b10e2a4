import Redis from 'ioredis';

import { CameraKeys } from '@lib-stream/contracts';
import { hashStreamKey } from '@lib-stream/stream-key';
import {
  adminApi,
  type FfmpegPublisher,
  type TestRedisServer,
  type TestStack,
  dumpMysql,
  dumpRedis,
  expectEventually,
  findLeaks,
  startRedisServer,
  startRtmpPublisher,
  startStack,
} from '@lib-stream/testing';

// control-api and media workers built from dist on a private redis-server that is flushed and
// restarted without persistence; real FFmpeg publishers with the keys issued before the loss.
describe('game cameras after a Redis loss', () => {
  let stack: TestStack;
  let server: TestRedisServer;
  let redis: Redis;
  const publishers: FfmpegPublisher[] = [];
  const responses: string[] = [];
  const cameras: { cameraId: string; streamKey: string }[] = [];

  const api = adminApi(() => `http://127.0.0.1:${stack.apiPort}`, responses);
  const listed = async () => (await api('/stream/camera/list', {})).body.cameras.map((c: { cameraId: string; name: string; createdAt: string }) => [c.cameraId, c.name, c.createdAt]);
  const allowListed = () => Promise.all(cameras.map((c) => redis.get(CameraKeys.keyIndex(hashStreamKey(c.streamKey)))));

  /** A real publish with an old key, accepted: the API shows the camera live, then the publisher stops. */
  async function publishAccepted(rtmp: number, camera: { cameraId: string; streamKey: string }): Promise<void> {
    const publisher = startRtmpPublisher(`rtmp://127.0.0.1:${rtmp}/live/${camera.streamKey}`, { size: '320x240' });
    publishers.push(publisher);
    await expectEventually(async () => expect((await api('/stream/camera/status', { cameraId: camera.cameraId })).body.state).toBe('live'), { timeoutMs: 10_000 });
    await publisher.stop('SIGKILL');
  }

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    redis.on('error', () => undefined);
    stack = await startStack({
      database: 'stream_e2e_loss',
      env: {
        STREAM_REDIS_URL: server.url,
        // A killed publisher's camera goes offline quickly, so the next publish is not a reconnect.
        STREAM_CAMERA_OFFLINE_GRACE_SECONDS: '1',
      },
    });
    for (const name of ['east stand', 'west stand']) {
      const created = await api('/stream/camera/create', { name });
      expect(created.status).toBe(200);
      cameras.push({ cameraId: created.body.camera.cameraId, streamKey: created.body.streamKey });
    }
  });

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
    await stack?.stop();
    redis?.disconnect();
    await server?.dispose();
  });

  it('keeps every camera and lets the old keys publish again after a FLUSHALL and after a restart', async () => {
    const before = await listed();
    expect(before.map((c: string[]) => c[0])).toEqual(cameras.map((c) => c.cameraId));
    const first = await stack.startWorker('a');
    await publishAccepted(first.rtmpPort, cameras[0]);

    await server.flush();
    await expectEventually(async () => expect(await allowListed()).toEqual(cameras.map((c) => c.cameraId)), { timeoutMs: 6000 });
    expect(await listed()).toEqual(before);
    // A worker started after the flush knows the keys only from the rebuilt allow-list.
    const second = await stack.startWorker('b');
    await publishAccepted(second.rtmpPort, cameras[1]);
    await publishAccepted(first.rtmpPort, cameras[0]);

    await server.restart(1000);
    await expectEventually(async () => expect(await allowListed()).toEqual(cameras.map((c) => c.cameraId)), { timeoutMs: 8000 });
    expect(await listed()).toEqual(before);
    const third = await stack.startWorker('c');
    await publishAccepted(third.rtmpPort, cameras[0]);
    // The workers that lived through the restart reconnected and still accept the keys.
    await publishAccepted(second.rtmpPort, cameras[1]);
  }, 120_000);

  it('leaves no stream key in clear in Redis, MySQL, API responses or any log', async () => {
    const places = {
      redis: await dumpRedis(redis),
      mysql: await dumpMysql(stack.db.url),
      responses: responses.filter((r) => !r.includes('"streamKey":"sk_')).join('\n'),
      logs: stack.apps.map((app) => app.output()).join('\n'),
    };
    expect(findLeaks(places, cameras.map((c) => c.streamKey))).toEqual({});
  });
});
