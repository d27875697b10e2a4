import Redis from 'ioredis';

import { testRedisUrl } from './redis-server';

/** One event packet as a subscriber received it. */
export interface ReceivedEvent {
  channel: string;
  /** The packet's `data` (the event's payload). */
  data: Record<string, unknown>;
  /** When it arrived, ms since the epoch. */
  at: number;
  /** The message as published, for key scans. */
  raw: string;
}

/**
 * Subscribes to event channels (on the run's own Redis unless `url` names another) and appends
 * every packet that arrives to `sink`. Resolves once subscribed, with the subscriber connection:
 * the caller quits it after the suite.
 */
export async function recordEvents(sink: ReceivedEvent[], channels: string[], url = testRedisUrl()): Promise<Redis> {
  const subscriber = new Redis(url);
  subscriber.on('message', (channel: string, raw: string) => sink.push({ channel, data: JSON.parse(raw).data, at: Date.now(), raw }));
  await untilReady(subscriber);
  await subscriber.subscribe(...channels);
  return subscriber;
}

/**
 * Resolves once `connection` is ready: a spec's SUBSCRIBE goes after this. ioredis 5 writes a
 * SUBSCRIBE issued during its connection handshake (status `connect`, waiting for CLIENT SETINFO)
 * ahead of its ready check, whose INFO it then refuses ("Connection in subscriber mode"): the
 * connection reconnects subscribed to nothing, and the spec hears no event (redis/ioredis#2037,
 * fixed in 6.0). Issued while `connecting` or `ready`, a SUBSCRIBE is safe; in between it is not.
 */
export async function untilReady(connection: Redis): Promise<void> {
  if (connection.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const ready = () => {
      connection.off('end', ended);
      resolve();
    };
    const ended = () => {
      connection.off('ready', ready);
      reject(new Error('the Redis connection ended before it was ready'));
    };
    connection.once('ready', ready).once('end', ended);
  });
}
