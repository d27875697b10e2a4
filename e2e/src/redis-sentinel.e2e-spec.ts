import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { lastValueFrom, timeout } from 'rxjs';

import { EventTopic, MessagePatterns } from '@lib-stream/contracts';
import { type FfmpegPublisher, RunningApp, TEST_JWT_SECRET, TEST_SENTINEL_MASTER, TestDatabase, TestSentinelGroup, adminApi, bearerToken, createTestDatabase, expectEventually, freePort, startBuiltApp, startRtmpPublisher, startSentinelGroup, waitForReady, untilReady } from '@lib-stream/testing';

/**
 * Production Redis is replicated: the three built apps find the master through three sentinels.
 * The primary is killed; within 15 s of the promotion every app is ready again and events, locks
 * (linking takes one), the broadcast job queue, the ingest allow-list and the request/reply listeners
 * all work.
 */
describe('a Sentinel failover under the running apps', () => {
  let group: TestSentinelGroup;
  let db: TestDatabase;
  let subscriber: Redis;
  let requester: ClientProxy;
  const linked: { accountId: string; at: number }[] = [];
  let camera: { cameraId: string; streamKey: string };
  let publisher: FfmpegPublisher | undefined;
  const apps: Record<string, RunningApp> = {};
  const ports: Record<string, number> = {};
  const base = (name: string) => `http://127.0.0.1:${ports[name]}`;
  const api = adminApi(() => base('control-api'));

  const link = (accountId: string) =>
    fetch(`${base('control-api')}/stream/platform/link`, {
      method: 'POST',
      headers: { Authorization: bearerToken(accountId, ['user']), 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountId, platform: 'custom', rtmpUrl: 'rtmp://custom.example.com/app/sk_sentinel_key_4711' }),
    });
  /** A start the worker must refuse (nothing listens at the destination): a job queue round trip. */
  const refusedStart = async () => {
    const closed = await freePort();
    return api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: `rtmp://127.0.0.1:${closed}/cam/x`, rtmpOutputUrl: `rtmp://127.0.0.1:${closed}/app/sk_sentinel_dest_4711` });
  };

  beforeAll(async () => {
    group = await startSentinelGroup();
    db = await createTestDatabase('stream_e2e_sentinel');
    const sentinels = group.sentinels.split(',').map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) }));
    subscriber = new Redis({ sentinels, name: TEST_SENTINEL_MASTER, retryStrategy: () => 100, maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    await untilReady(subscriber);
    await subscriber.subscribe(EventTopic.PlatformLinked);
    subscriber.on('message', (_channel: string, message: string) => linked.push({ accountId: JSON.parse(message).data.accountId, at: Date.now() }));
    requester = ClientProxyFactory.create({ transport: Transport.REDIS, options: { sentinels, name: TEST_SENTINEL_MASTER, retryAttempts: 1000, retryDelay: 200 } });

    for (const name of ['control-api', 'media-worker', 'pulse-publisher']) ports[name] = await freePort();
    const env = {
      STREAM_ENABLED: 'true',
      STREAM_BROADCAST_ENABLED: 'true',
      STREAM_REDIS_URL: 'redis://127.0.0.1:1',
      STREAM_REDIS_SENTINELS: group.sentinels,
      STREAM_REDIS_SENTINEL_NAME: TEST_SENTINEL_MASTER,
      STREAM_DATABASE_URL: db.url,
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      CONTROL_API_PORT: String(ports['control-api']),
      MEDIA_WORKER_HTTP_PORT: String(ports['media-worker']),
      PULSE_PUBLISHER_HTTP_PORT: String(ports['pulse-publisher']),
      STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
      // The fake platforms and cameras are on loopback, which the media policy refuses by default.
      STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
      STREAM_RTMP_INGEST_PORT: String((ports.rtmp = await freePort())),
      STREAM_DATA_DIR: `${tmpdir()}/lib-stream-e2e-sentinel-${process.pid}`,
    };
    for (const name of ['control-api', 'media-worker', 'pulse-publisher']) apps[name] = startBuiltApp(name, env);
    for (const name of Object.keys(apps)) await waitForReady(base(name));
  }, 90_000);

  afterAll(async () => {
    await publisher?.stop('SIGKILL');
    await Promise.all(Object.values(apps).map((app) => app.stop('SIGKILL')));
    await requester?.close();
    subscriber?.disconnect();
    await group?.dispose();
    await db?.drop();
  });

  it('works through the sentinels before the failover', async () => {
    expect(await group.masterPort()).toBe(group.primary.port);
    expect((await link('acct-before')).status).toBe(200);
    await expectEventually(() => expect(linked.map((event) => event.accountId)).toContain('acct-before'));
    expect((await refusedStart()).status).toBe(400);
    const created = await api('/stream/camera/create', { name: 'sentinel camera' });
    expect(created.status).toBe(200);
    camera = { cameraId: created.body.camera.cameraId, streamKey: created.body.streamKey };
  });

  it('carries on within 15 s of the promotion: readiness, events, locks, queues, listeners, ingest allow-list', async () => {
    const promotionMs = await group.failover();
    const promotedAt = Date.now();
    for (const name of Object.keys(apps)) {
      await expectEventually(async () => expect((await fetch(`${base(name)}/health/ready`)).status).toBe(200), { timeoutMs: 15_000, intervalMs: 200 });
    }
    await expectEventually(async () => expect((await link('acct-after')).status).toBe(200), { timeoutMs: 15_000 - (Date.now() - promotedAt), intervalMs: 200 });
    await expectEventually(() => expect(linked.map((event) => event.accountId)).toContain('acct-after'), { timeoutMs: 5000 });
    await expectEventually(async () => expect((await refusedStart()).status).toBe(400), { timeoutMs: 5000, intervalMs: 200 });
    const media = await lastValueFrom(requester.send<{ instanceId: string }>(MessagePatterns.MediaWorkerInfo, {}).pipe(timeout(5000)));
    expect(media.instanceId).toEqual(expect.any(String));
    const pulse = await lastValueFrom(requester.send<{ instanceId: string }>(MessagePatterns.PulsePublisherInfo, {}).pipe(timeout(5000)));
    expect(pulse.instanceId).toEqual(expect.any(String));
    // The ingest allow-list came through the failover: a key issued before it publishes after it.
    publisher = startRtmpPublisher(`rtmp://127.0.0.1:${ports.rtmp}/live/${camera.streamKey}`, { size: '320x240' });
    await expectEventually(async () => expect((await api('/stream/camera/status', { cameraId: camera.cameraId })).body.state).toBe('live'), { timeoutMs: 10_000, intervalMs: 200 });
    const recoveredMs = Date.now() - promotedAt;
    process.stdout.write(`sentinel failover: promotion ${promotionMs} ms after the primary died; apps fully working ${recoveredMs} ms after the promotion\n`);
    expect(recoveredMs).toBeLessThan(15_000);
  }, 60_000);
});
