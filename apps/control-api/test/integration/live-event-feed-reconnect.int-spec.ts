import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

import { EventTopic } from '@lib-stream/contracts';
import { createRedisClient } from '@lib-stream/nest-kit';
import { type TestRedisServer, expectEventually, startRedisServer, startSubscribeHoldingRelay } from '@lib-stream/testing';

import { LiveEventFeed } from '../../src/live-status/live-event-feed';

// The live-status feed's subscriber against a private redis-server, through a relay that cuts its
// connection and holds back the reconnect's PSUBSCRIBE (a slow link while Redis comes back).
jest.setTimeout(30_000);

describe('live event feed across a reconnect (private redis-server)', () => {
  let server: TestRedisServer;
  let direct: Redis;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await startRedisServer();
    direct = createRedisClient({ url: server.url }, 'live-feed-spec');
  });

  afterAll(async () => {
    direct.disconnect();
    await server.dispose();
  });

  it('tells clients to resync only once it hears events again: a change right after their new snapshot reaches them', async () => {
    const relay = await startSubscribeHoldingRelay(server.port);
    const redis = createRedisClient({ url: `redis://127.0.0.1:${relay.port}` }, 'live-feed-spec-relayed');
    const feed = new LiveEventFeed(redis);
    const heard: string[] = [];
    let gaps = 0;
    const sourceChanged = (broadcastId: string) =>
      direct.publish(
        EventTopic.BroadcastSourceChanged,
        JSON.stringify({ pattern: EventTopic.BroadcastSourceChanged, data: { eventId: randomUUID(), timestamp: new Date().toISOString(), broadcastId, previousSource: 'primary_stream', currentSource: 'fallback_image' } }),
      );
    try {
      feed.onModuleInit();
      await feed.ready;
      feed.onEvent((event) => heard.push(event.resource ?? ''));
      // A dashboard told to resync reads a snapshot and then relies on the feed: a change made just after.
      feed.onGap(() => {
        gaps += 1;
        void sourceChanged('after-resync');
      });
      const held = relay.holdNextSubscribe();
      relay.cutAll();
      await held;
      await new Promise((resolve) => setTimeout(resolve, 300));
      relay.release();
      await expectEventually(() => expect(gaps).toBe(1));
      await expectEventually(() => expect(heard).toEqual(['after-resync']), { timeoutMs: 3000 });
    } finally {
      relay.release();
      feed.onApplicationShutdown();
      redis.disconnect();
      await relay.close();
    }
  });
});
