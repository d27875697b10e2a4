import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';

import { REDIS, subscribeRedis } from '@lib-stream/nest-kit';

import { LIVE_CHANNEL_PATTERNS, type LiveEvent, toLiveEvent } from './live-topics';
import { ReplayWindow } from './replay-window';

/** Replay window: the last this-many events, and none older than this. */
export const REPLAY_MAX_EVENTS = 1000;
export const REPLAY_MAX_AGE_MS = 60_000;

/**
 * This replica's one Redis subscriber for dashboards: a single PSUBSCRIBE connection, however many
 * sockets are open. Each event is whitelisted (toLiveEvent), kept in the replay window (except
 * latest-value ones) and handed to the listeners (the socket server), in the order Redis delivered it.
 */
@Injectable()
export class LiveEventFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('LiveEventFeed');
  readonly window = new ReplayWindow<LiveEvent>(REPLAY_MAX_EVENTS, REPLAY_MAX_AGE_MS);
  private readonly listeners: ((event: LiveEvent) => void)[] = [];
  private readonly gapListeners: (() => void)[] = [];
  private subscriber: Redis | null = null;
  /** Resolves once Redis has confirmed the subscription (subscribeRedis repeats it after reconnects). */
  ready: Promise<void> = Promise.resolve();

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onModuleInit(): void {
    // Its own connection name, so operators (and the spec) can tell it apart.
    const name = `${this.redis.options.connectionName ?? 'control-api'}:live-status`;
    const { connection: subscriber, subscribed, onResubscribed } = subscribeRedis(this.redis, { patterns: [...LIVE_CHANNEL_PATTERNS] }, name);
    this.subscriber = subscriber;
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => this.receive(channel, message));
    // Pub/sub does not replay: whatever was published while the connection was down is lost, so the
    // window (which would now skip those events) is dropped and clients are told to resync, once the
    // feed hears events again: told on 'ready', before Redis had the re-subscribe, a client's new
    // snapshot could miss a change whose event came too early for the feed, and nothing told it again.
    let subscribedOnce = false;
    let lost = false;
    subscriber.on('close', () => (lost = subscribedOnce));
    onResubscribed(() => {
      if (!lost) return;
      lost = false;
      this.window.clear();
      for (const listener of this.gapListeners) listener();
    });
    this.ready = subscribed.then(
      () => void (subscribedOnce = true),
      (error: Error) => this.logger.warn({ msg: 'live status subscription failed', error: error.message }),
    );
  }

  onEvent(listener: (event: LiveEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Called after the subscriber came back from a lost connection: events may have been missed. */
  onGap(listener: () => void): void {
    this.gapListeners.push(listener);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  private receive(channel: string, message: string): void {
    const event = toLiveEvent(channel, message);
    if (!event) return;
    if (event.replay) this.window.push(event);
    for (const listener of this.listeners) listener(event);
  }
}
