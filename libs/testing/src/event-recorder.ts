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
  await subscriber.subscribe(...channels);
  return subscriber;
}
