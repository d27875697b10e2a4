import { tmpdir } from 'node:os';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import Redis from 'ioredis';
import { lastValueFrom, timeout } from 'rxjs';

import { EventTopic, MessagePatterns } from '@lib-stream/contracts';
import { RunningApp, TEST_JWT_SECRET, TestDatabase, TestRedisServer, bearerToken, createTestDatabase, expectEventually, freePort, present, startBuiltApp, startRedisServer, waitForReady, untilReady } from '@lib-stream/testing';

interface Received {
  channel: string;
  data: { service?: string; instanceId?: string; accountId?: string };
  at: number;
}

const OUTAGE_MS = 5000;

/**
 * The three built apps on a Redis of their own that is killed for five seconds: readiness must say
 * so, then everything must come back on its own — events, request/reply listeners, the lifecycle
 * events on SIGTERM — with no restart.
 */
describe('a Redis outage under the running apps', () => {
  let redis: TestRedisServer;
  let db: TestDatabase;
  let subscriber: Redis;
  let requester: ClientProxy;
  const received: Received[] = [];
  const apps: Record<string, RunningApp> = {};
  const ports: Record<string, number> = {};
  const base = (name: string) => `http://127.0.0.1:${ports[name]}`;

  const link = (accountId: string) =>
    fetch(`${base('control-api')}/stream/platform/link`, {
      method: 'POST',
      headers: { Authorization: bearerToken(accountId, ['user']), 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountId, platform: 'custom', rtmpUrl: 'rtmp://custom.example.com/app/sk_outage_key_4711' }),
    });
  const readiness = async (name: string) => {
    const response = await fetch(`${base(name)}/health/ready`);
    return { status: response.status, body: (await response.json()) as { message?: string; checks: Record<string, string> } };
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    db = await createTestDatabase('stream_e2e_redis');
    subscriber = new Redis(redis.url, { retryStrategy: () => 100, maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    await untilReady(subscriber);
    await subscriber.subscribe(EventTopic.PlatformLinked, EventTopic.InstanceOffline);
    subscriber.on('message', (channel: string, message: string) => received.push({ channel, data: JSON.parse(message).data, at: Date.now() }));
    requester = ClientProxyFactory.create({ transport: Transport.REDIS, options: { host: '127.0.0.1', port: redis.port, retryAttempts: 1000, retryDelay: 100 } });

    for (const name of ['control-api', 'media-worker', 'pulse-publisher']) ports[name] = await freePort();
    const env = {
      STREAM_ENABLED: 'true',
      STREAM_REDIS_URL: redis.url,
      STREAM_DATABASE_URL: db.url,
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      CONTROL_API_PORT: String(ports['control-api']),
      MEDIA_WORKER_HTTP_PORT: String(ports['media-worker']),
      PULSE_PUBLISHER_HTTP_PORT: String(ports['pulse-publisher']),
      STREAM_RTMP_INGEST_PORT: String(await freePort()),
      STREAM_DATA_DIR: `${tmpdir()}/lib-stream-e2e-redis-outage-${process.pid}`,
    };
    for (const name of Object.keys(ports)) apps[name] = startBuiltApp(name, env);
    for (const name of Object.keys(ports)) await waitForReady(base(name));
  });

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop('SIGKILL')));
    await requester?.close();
    subscriber?.disconnect();
    await redis?.dispose();
    await db?.drop();
  });

  it('reports the outage in every app\'s readiness, naming Redis', async () => {
    expect((await link('acct-before')).status).toBe(200);
    await expectEventually(() => expect(received.map((event) => event.data.accountId)).toContain('acct-before'));
    await redis.stop();
    const downAt = Date.now();
    for (const name of Object.keys(ports)) {
      await expectEventually(async () => {
        const report = await readiness(name);
        expect(report.status).toBe(503);
        expect(report.body.message).toMatch(/redis down/);
      }, { timeoutMs: 3000, intervalMs: 100 });
    }
    // Linking takes a Redis lock: while Redis is away it answers 503 at once, and changes nothing.
    const asked = Date.now();
    expect((await link('acct-during')).status).toBe(503);
    expect(Date.now() - asked).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
  });

  it('comes back by itself: ready and publishing within 5 s of Redis returning', async () => {
    await redis.start();
    const backAt = Date.now();
    for (const name of Object.keys(ports)) {
      await expectEventually(async () => expect((await readiness(name)).status).toBe(200), { timeoutMs: 5000, intervalMs: 100 });
    }
    expect((await link('acct-after')).status).toBe(200);
    await expectEventually(() => expect(received.map((event) => event.data.accountId)).toContain('acct-after'), { timeoutMs: 5000 });
    expect(present(received.find((event) => event.data.accountId === 'acct-after'), 'the event after recovery').at - backAt).toBeLessThan(5000);
  });

  it('answers requests over the Redis transport again (listeners re-subscribed)', async () => {
    const media = await lastValueFrom(requester.send<{ instanceId: string }>(MessagePatterns.MediaWorkerInfo, {}).pipe(timeout(5000)));
    expect(media.instanceId).toEqual(expect.any(String));
    const pulse = await lastValueFrom(requester.send<{ instanceId: string }>(MessagePatterns.PulsePublisherInfo, {}).pipe(timeout(5000)));
    expect(pulse.instanceId).toEqual(expect.any(String));
  });

  it('stops with exit code 0 and an offline event from each app', async () => {
    const codes = await Promise.all(Object.values(apps).map((app) => app.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0]);
    await expectEventually(() =>
      expect(received.filter((event) => event.channel === EventTopic.InstanceOffline).map((event) => event.data.service).sort()).toEqual([
        'control-api',
        'media-worker',
        'pulse-publisher',
      ]),
    );
    for (const app of Object.values(apps)) {
      expect(app.output()).not.toContain('Retry time exhausted');
      expect(app.output()).not.toContain('No further reconnection attempts');
      expect(app.output()).not.toContain('sk_outage_key_4711');
    }
  });
});
