import Redis from 'ioredis';

import { expectEventually } from './expect-eventually';
import { recordEvents, type ReceivedEvent, untilReady } from './event-recorder';
import { testRedisUrl } from './redis-server';

describe('untilReady (a SUBSCRIBE only once the connection is ready)', () => {
  const publisher = new Redis(testRedisUrl());

  afterAll(async () => {
    await publisher.quit();
  });

  it('a connection caught in its handshake subscribes and hears what is published (redis/ioredis#2037 without it)', async () => {
    const subscriber = new Redis(testRedisUrl());
    const errors: string[] = [];
    subscriber.on('error', (error: Error) => errors.push(error.message));
    try {
      // 'connect': the socket is up, CLIENT SETINFO is in flight and the ready check (INFO) not sent yet.
      await new Promise((resolve) => subscriber.once('connect', resolve));
      await untilReady(subscriber);
      const heard: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => heard.push(message));
      await subscriber.subscribe('testing:until-ready');
      await publisher.publish('testing:until-ready', 'hello');
      await expectEventually(() => expect(heard).toEqual(['hello']));
      expect(errors).toEqual([]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('recordEvents hears from the first publish after it resolves', async () => {
    const sink: ReceivedEvent[] = [];
    const subscriber = await recordEvents(sink, ['testing:recorded']);
    try {
      await publisher.publish('testing:recorded', JSON.stringify({ data: { n: 1 } }));
      await expectEventually(() => expect(sink.map((event) => event.data)).toEqual([{ n: 1 }]));
    } finally {
      await subscriber.quit();
    }
  });

  it('rejects when the connection ends before it is ready', async () => {
    const never = new Redis({ port: 1, host: '127.0.0.1', retryStrategy: () => null, lazyConnect: true });
    never.on('error', () => undefined);
    void never.connect().catch(() => undefined);
    await expect(untilReady(never)).rejects.toThrow('ended before it was ready');
  });
});
