import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import Redis from 'ioredis';

import { CameraKeys } from '@lib-stream/contracts';
import { hashStreamKey } from '@lib-stream/stream-key';
import {
  adminApi,
  type FfmpegPublisher,
  type RunningApp,
  TEST_JWT_SECRET,
  type TestDatabase,
  type TestRedisServer,
  createTestDatabase,
  dumpMysql,
  dumpRedis,
  expectEventually,
  findLeaks,
  freePort,
  startBuiltApp,
  startRedisServer,
  startRtmpPublisher,
  waitForReady,
} from '@lib-stream/testing';

// control-api and media workers built from dist on a private redis-server that is flushed and
// restarted without persistence; real FFmpeg publishers with the keys issued before the loss.
describe('game cameras after a Redis loss', () => {
  let db: TestDatabase;
  let server: TestRedisServer;
  let redis: Redis;
  const apps: RunningApp[] = [];
  const publishers: FfmpegPublisher[] = [];
  const responses: string[] = [];
  const cameras: { cameraId: string; streamKey: string }[] = [];
  let apiPort = 0;
  let common: Record<string, string> = {};

  const api = adminApi(() => `http://127.0.0.1:${apiPort}`, responses);
  const listed = async () => (await api('/stream/camera/list', {})).body.cameras.map((c: { cameraId: string; name: string; createdAt: string }) => [c.cameraId, c.name, c.createdAt]);
  const allowListed = () => Promise.all(cameras.map((c) => redis.get(CameraKeys.keyIndex(hashStreamKey(c.streamKey)))));

  async function startWorker(name: string): Promise<{ app: RunningApp; rtmp: number }> {
    const [http, rtmp] = [await freePort(), await freePort()];
    const app = startBuiltApp('media-worker', {
      ...common,
      MEDIA_WORKER_HTTP_PORT: String(http),
      STREAM_RTMP_INGEST_PORT: String(rtmp),
      STREAM_DATA_DIR: `${tmpdir()}/lib-stream-e2e-loss-${name}-${process.pid}`,
    });
    apps.push(app);
    await waitForReady(`http://127.0.0.1:${http}`);
    return { app, rtmp };
  }

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
    db = await createTestDatabase('stream_e2e_loss');
    apiPort = await freePort();
    common = {
      STREAM_DATABASE_URL: db.url,
      STREAM_REDIS_URL: server.url,
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      STREAM_LOG_LEVEL: 'debug',
      STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
      // A killed publisher's camera goes offline quickly, so the next publish is not a reconnect.
      STREAM_CAMERA_OFFLINE_GRACE_SECONDS: '1',
    };
    apps.push(startBuiltApp('control-api', { ...common, CONTROL_API_PORT: String(apiPort) }));
    await waitForReady(`http://127.0.0.1:${apiPort}`);
    for (const name of ['east stand', 'west stand']) {
      const created = await api('/stream/camera/create', { name });
      expect(created.status).toBe(200);
      cameras.push({ cameraId: created.body.camera.cameraId, streamKey: created.body.streamKey });
    }
  });

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    redis?.disconnect();
    await server?.dispose();
    await db?.drop();
  });

  it('keeps every camera and lets the old keys publish again after a FLUSHALL and after a restart', async () => {
    const before = await listed();
    expect(before.map((c: string[]) => c[0])).toEqual(cameras.map((c) => c.cameraId));
    const first = await startWorker('a');
    await publishAccepted(first.rtmp, cameras[0]);

    await server.flush();
    await expectEventually(async () => expect(await allowListed()).toEqual(cameras.map((c) => c.cameraId)), { timeoutMs: 6000 });
    expect(await listed()).toEqual(before);
    // A worker started after the flush knows the keys only from the rebuilt allow-list.
    const second = await startWorker('b');
    await publishAccepted(second.rtmp, cameras[1]);
    await publishAccepted(first.rtmp, cameras[0]);

    await server.restart(1000);
    await expectEventually(async () => expect(await allowListed()).toEqual(cameras.map((c) => c.cameraId)), { timeoutMs: 8000 });
    expect(await listed()).toEqual(before);
    const third = await startWorker('c');
    await publishAccepted(third.rtmp, cameras[0]);
    // The workers that lived through the restart reconnected and still accept the keys.
    await publishAccepted(second.rtmp, cameras[1]);
  }, 120_000);

  it('leaves no stream key in clear in Redis, MySQL, API responses or any log', async () => {
    const places = {
      redis: await dumpRedis(redis),
      mysql: await dumpMysql(db.url),
      responses: responses.filter((r) => !r.includes('"streamKey":"sk_')).join('\n'),
      logs: apps.map((app) => app.output()).join('\n'),
    };
    expect(findLeaks(places, cameras.map((c) => c.streamKey))).toEqual({});
  });
});
