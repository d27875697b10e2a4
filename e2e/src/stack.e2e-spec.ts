import { tmpdir } from 'node:os';
import Redis from 'ioredis';

import { EventTopic } from '@lib-stream/contracts';
import { RunningApp, TEST_JWT_SECRET, TestDatabase, bearerToken, createTestDatabase, expectEventually, freePort, startBuiltApp, waitForReady, testRedisUrl, untilReady } from '@lib-stream/testing';

const TWITCH_SECRET = 'e2e-twitch-client-secret-31337';
const STREAM_KEY = 'sk_e2e_live_streamkey_9876';

interface ReceivedEvent {
  channel: string;
  packet: { pattern: string; data: { service: string; instanceId: string; eventId: string; timestamp: string } };
}

describe('the three built apps against real Redis and MariaDB', () => {
  let db: TestDatabase;
  let subscriber: Redis;
  const events: ReceivedEvent[] = [];
  const apps: RunningApp[] = [];
  const ports: Record<string, number> = {};
  /** Each app logs its instance id on every line. */
  const instanceIds = () => apps.map((app) => (JSON.parse(app.output().split('\n')[0] || '{}') as { instanceId?: string }).instanceId);

  beforeAll(async () => {
    db = await createTestDatabase('stream_e2e');
    subscriber = new Redis(testRedisUrl());
    await untilReady(subscriber);
    await subscriber.subscribe(EventTopic.InstanceOnline, EventTopic.InstanceOffline);
    subscriber.on('message', (channel: string, message: string) => events.push({ channel, packet: JSON.parse(message) }));

    ports.controlApi = await freePort();
    ports.mediaWorker = await freePort();
    ports.pulsePublisher = await freePort();
    const rtmpPort = await freePort();
    const env = {
      STREAM_DATABASE_URL: db.url,
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_TWITCH_CLIENT_SECRET: TWITCH_SECRET,
      STREAM_AUTO_BROADCAST_RTMP_URL: `rtmp://live.example.com/app/${STREAM_KEY}`,
      STREAM_LOG_LEVEL: 'debug',
      CONTROL_API_PORT: String(ports.controlApi),
      MEDIA_WORKER_HTTP_PORT: String(ports.mediaWorker),
      PULSE_PUBLISHER_HTTP_PORT: String(ports.pulsePublisher),
      STREAM_RTMP_INGEST_PORT: String(rtmpPort),
      STREAM_DATA_DIR: `${tmpdir()}/lib-stream-e2e-stack-${process.pid}`,
    };
    apps.push(startBuiltApp('control-api', env), startBuiltApp('media-worker', env), startBuiltApp('pulse-publisher', env));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await subscriber?.quit();
    await db?.drop();
  });

  it('brings every app to ready', async () => {
    for (const port of Object.values(ports)) await waitForReady(`http://127.0.0.1:${port}`);
    const ready = await fetch(`http://127.0.0.1:${ports.controlApi}/health/ready`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: 'up', events: 'up', database: 'up' } });
  });

  it('serves the API docs from control-api', async () => {
    const docs = await fetch(`http://127.0.0.1:${ports.controlApi}/docs`);
    expect(docs.status).toBe(200);
    const json = (await (await fetch(`http://127.0.0.1:${ports.controlApi}/docs-json`)).json()) as { paths: object };
    expect(Object.keys(json.paths)).toContain('/stream/admin/config');
  });

  it('answers authenticated calls', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.controlApi}/stream/admin/config`, {
      method: 'POST',
      headers: { Authorization: bearerToken('dev-1', ['developer']) },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Record<string, unknown>).STREAM_AUTO_BROADCAST_RTMP_URL).toBe('(set)');
  });

  it('publishes an event from each app that a plain Redis subscriber can read', async () => {
    // Other processes on a shared Redis may announce themselves too: look for ours, by instance id.
    await expectEventually(() => {
      const ours = new Set(instanceIds());
      const services = events.filter((e) => e.channel === 'stream.instance.online' && ours.has(e.packet.data.instanceId)).map((e) => e.packet.data.service);
      expect(services.sort()).toEqual(['control-api', 'media-worker', 'pulse-publisher']);
    });
    const online = events.find((e) => e.channel === 'stream.instance.online');
    expect(online?.packet.pattern).toBe('stream.instance.online');
    expect(online?.packet.data).toEqual(
      expect.objectContaining({ eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), timestamp: expect.any(String), instanceId: expect.any(String) }),
    );
  });

  it('stops cleanly on SIGTERM: exit code 0 and an offline event from each app', async () => {
    const codes = await Promise.all(apps.map((app) => app.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0]);
    await expectEventually(() => {
      const ours = new Set(instanceIds());
      const services = events.filter((e) => e.channel === 'stream.instance.offline' && ours.has(e.packet.data.instanceId)).map((e) => e.packet.data.service);
      expect(services.sort()).toEqual(['control-api', 'media-worker', 'pulse-publisher']);
    });
  });

  it('logged only JSON lines and never a secret or a stream key', () => {
    for (const app of apps) {
      const lines = app.output().trim().split('\n');
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(app.output()).not.toContain(TWITCH_SECRET);
      expect(app.output()).not.toContain(STREAM_KEY);
      expect(app.output()).not.toContain(TEST_JWT_SECRET);
      expect(app.output()).toContain('"msg":"stopped"');
    }
  });
});

describe('bad configuration', () => {
  it('stops the app with a message naming the variable', async () => {
    const app = startBuiltApp('pulse-publisher', { STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: 'abc', PULSE_PUBLISHER_HTTP_PORT: String(await freePort()) });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS must be an integer (got \\"abc\\")');
  });

  it('names a bad secret setting without printing its value', async () => {
    const app = startBuiltApp('control-api', {
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_DATABASE_URL: 'postgres://stream:pw-never-printed@db/stream',
      CONTROL_API_PORT: String(await freePort()),
    });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('STREAM_DATABASE_URL must be a mysql:// URL');
    expect(app.output()).not.toContain('pw-never-printed');
  });

  it('refuses to start control-api without a JWT secret', async () => {
    const app = startBuiltApp('control-api', { CONTROL_API_PORT: String(await freePort()) });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('STREAM_AUTH_JWT_SECRET is required and not set');
  });
});
