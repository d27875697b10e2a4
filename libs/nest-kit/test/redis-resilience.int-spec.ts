import { Test } from '@nestjs/testing';
import Redis from 'ioredis';

import { EventTopic } from '@lib-stream/contracts';
import { TestRedisServer, expectEventually, startRedisServer, untilReady } from '@lib-stream/testing';

import { loadConfig } from '../src/config/load-config';
import { RedisSettings } from '../src/config/slices';
import { EventBus, eventHeader } from '../src/events/event-bus';
import { HealthRegistry } from '../src/health/health.registry';
import { newServiceIdentity } from '../src/identity';
import { REDIS, createRedisClient } from '../src/redis/redis.providers';
import { reconnectDelay } from '../src/redis/redis-options';
import { StreamKitModule } from '../src/stream-kit.module';

/** The shared connections against a real redis-server that is killed and started again. */
jest.setTimeout(30_000);

describe('Redis connections through an outage', () => {
  let server: TestRedisServer;
  let subscriber: Redis;
  const linked: string[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    subscriber = new Redis(server.url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    await untilReady(subscriber);
    await subscriber.subscribe(EventTopic.PlatformLinked);
    subscriber.on('message', (_channel: string, message: string) => linked.push(JSON.parse(message).data.accountId));
  });

  afterAll(async () => {
    subscriber.disconnect();
    await server.dispose();
  });

  it('backs off up to 2 s and never stops trying', () => {
    expect([1, 2, 3, 4, 5, 6].map(reconnectDelay)).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(reconnectDelay(10_000)).toBe(2000);
  });

  it('fails a command at once while Redis is down, and works again when it returns', async () => {
    const redis = createRedisClient(new RedisSettings(loadConfig({ STREAM_REDIS_URL: server.url })), 'test');
    try {
      await redis.set('k', '1');
      await server.stop();
      const started = Date.now();
      await expect(redis.get('k')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(500);
      await server.start();
      await expectEventually(async () => expect(await redis.ping()).toBe('PONG'), { timeoutMs: 5000 });
    } finally {
      redis.disconnect();
    }
  });

  it('holds events published during an outage and delivers them, in order, when Redis returns', async () => {
    const config = loadConfig({ STREAM_REDIS_URL: server.url });
    const moduleRef = await Test.createTestingModule({ imports: [StreamKitModule.forRoot({ config, identity: newServiceIdentity('control-api') })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const events = app.get(EventBus);
    const health = app.get(HealthRegistry);
    const publish = (accountId: string) => events.publish(EventTopic.PlatformLinked, { ...eventHeader(), accountId, platform: 'custom' } as never);
    try {
      await expectEventually(async () => expect((await health.readiness()).checks.events).toBe('up'));
      await publish('before');
      // Received before the outage starts: a message still unread when Redis dies can be lost with the
      // connection's reset (PUBLISH is at most once), and this test is about what is published during it.
      await expectEventually(() => expect(linked).toEqual(['before']));
      await server.stop();
      await expectEventually(async () => expect((await health.readiness()).checks).toMatchObject({ redis: 'down', events: 'down' }), { timeoutMs: 3000 });
      for (const id of ['during-1', 'during-2', 'during-3']) expect(await publish(id)).toBe(0);
      expect(events.pendingCount()).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await server.start();
      await expectEventually(() => expect(linked).toEqual(['before', 'during-1', 'during-2', 'during-3']), { timeoutMs: 5000 });
      expect(events.pendingCount()).toBe(0);
      await publish('after');
      await expectEventually(() => expect(linked.at(-1)).toBe('after'));
      await expectEventually(async () => expect((await health.readiness()).ready).toBe(true), { timeoutMs: 3000 });
    } finally {
      await app.close();
      app.get<Redis>(REDIS).disconnect();
    }
  });
});
