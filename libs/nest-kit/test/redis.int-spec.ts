import Redis from 'ioredis';

import { EventTopic, encodeEventPacket } from '@lib-stream/contracts';
import { expectEventually, testRedisUrl, untilReady } from '@lib-stream/testing';

import { EventBus, HealthRegistry, LockNotAcquiredError, MetricsService, RedisLocks, RedisSettings, eventHeader, loadConfig, newServiceIdentity } from '../src';

const config = loadConfig({ STREAM_REDIS_URL: testRedisUrl() });

describe(RedisLocks.name, () => {
  const redis = new Redis(config.STREAM_REDIS_URL);
  const sut = new RedisLocks(redis);
  const key = `stream:lock:test:${process.pid}:${Date.now()}`;

  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('lets one holder in at a time and frees the key on release', async () => {
    const first = await sut.tryAcquire(key, 5000);
    expect(first).not.toBeNull();
    expect(await sut.tryAcquire(key, 5000)).toBeNull();
    expect(await first?.release()).toBe(true);
    const second = await sut.tryAcquire(key, 5000);
    expect(second).not.toBeNull();
    await second?.release();
  });

  it('never releases a lock someone else took over after expiry', async () => {
    const stale = await sut.tryAcquire(key, 50);
    await expectEventually(async () => expect(await redis.exists(key)).toBe(0), { timeoutMs: 2000 });
    const current = await sut.tryAcquire(key, 5000);
    expect(await stale?.release()).toBe(false);
    expect(await stale?.extend(5000)).toBe(false);
    expect(await redis.get(key)).toBe(current?.token);
    await current?.release();
  });

  it('waits for a busy lock up to waitMs, then gives up with a named error', async () => {
    const holder = await sut.acquire(key, { ttlMs: 5000 });
    await expect(sut.acquire(key, { ttlMs: 5000, waitMs: 150 })).rejects.toThrow(new LockNotAcquiredError(key));
    setTimeout(() => void holder.release(), 100);
    const waited = await sut.acquire(key, { ttlMs: 5000, waitMs: 3000 });
    await waited.release();
  });

  it('serialises concurrent critical sections', async () => {
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        sut.withLock(key, { ttlMs: 5000, waitMs: 5000, retryDelayMs: 5 }, async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
  });
});

describe(EventBus.name, () => {
  it('publishes on the Redis channel named by the topic, readable by a plain subscriber', async () => {
    const subscriber = new Redis(config.STREAM_REDIS_URL);
    const sut = new EventBus(new RedisSettings(config), new HealthRegistry(), new MetricsService(newServiceIdentity('control-api')));
    sut.onModuleInit();
    const received: { channel: string; message: string }[] = [];
    try {
      await untilReady(subscriber);
      await subscriber.subscribe(EventTopic.PlatformLinked);
      subscriber.on('message', (channel: string, message: string) => received.push({ channel, message }));
      const event = { ...eventHeader(), accountId: 'acc-1', linkId: 'link-1', platform: 'twitch' as never };
      await sut.publish(EventTopic.PlatformLinked, event);
      await expectEventually(() => expect(received).toHaveLength(1));
      expect(received[0].channel).toBe('stream.platform.linked');
      expect(JSON.parse(received[0].message)).toEqual({ pattern: 'stream.platform.linked', data: event });
      // Publishers outside the bus (the pulse ticker, test stand-ins) use encodeEventPacket: same bytes.
      expect(received[0].message).toBe(encodeEventPacket(EventTopic.PlatformLinked, event));
    } finally {
      await sut.onApplicationShutdown();
      await subscriber.quit();
    }
  });
});
