import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Transport } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { lastValueFrom, timeout } from 'rxjs';

import { type BaseEvent, type EventPayloads, EventTopic, type PublishedTopic } from '@lib-stream/contracts';

import { RedisSettings } from '../config/slices';
import type { RedisLocation } from '../redis/redis-options';
import { HealthRegistry } from '../health/health.registry';
import { currentCorrelationId, withoutCorrelationId } from '../correlation/correlation';
import { MetricsService } from '../metrics/metrics.service';
import { ResilientClientRedis, redisTransportConnection } from './redis-transport';

/** Events held while Redis is away; beyond this the oldest are dropped (and counted). */
export const MAX_PENDING_EVENTS = 10_000;
const FLUSH_INTERVAL_MS = 250;

/** Fresh `eventId` + `timestamp` for an event payload. */
export function eventHeader(now = new Date()): BaseEvent {
  return { eventId: randomUUID(), timestamp: now.toISOString() };
}

/**
 * `event` with the current correlation id as `correlationId` (see BaseEvent), unless it has one or
 * none is current. Never on pulses: their payload is fixed by the privacy guard.
 */
export function withEventCorrelation<T extends object>(topic: PublishedTopic, event: T): T {
  const correlationId = currentCorrelationId();
  if (!correlationId || topic === EventTopic.AudiencePulse || 'correlationId' in event) return event;
  return { ...event, correlationId };
}

/** Options for the Nest Redis transport (the listening side uses ResilientServerRedis directly). */
export function redisTransportOptions(location: RedisLocation) {
  return { transport: Transport.REDIS as const, options: redisTransportConnection(location) };
}

interface PendingEvent {
  topic: PublishedTopic;
  payload: unknown;
}

/**
 * Publishes domain events with the Nest Redis transport: the topic is the Redis channel and the
 * message is the transport packet `{"pattern": topic, "data": payload}`.
 *
 * While Redis is unreachable, events are held in order (up to MAX_PENDING_EVENTS, oldest dropped
 * first) and delivered as soon as the connection is back, so an outage delays events instead of
 * losing them. Each event keeps the `timestamp` of when it happened.
 */
@Injectable()
export class EventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');
  private readonly client: ResilientClientRedis;
  private readonly pending: PendingEvent[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing = false;
  /** Set once the transport has connected: only after that is a lost connection an outage. */
  private connectedOnce = false;
  private heldWhileConnecting = false;
  private readonly pendingGauge: Gauge;
  private readonly dropped: Counter;

  constructor(
    redisSettings: RedisSettings,
    private readonly health: HealthRegistry,
    metrics: MetricsService,
  ) {
    this.client = new ResilientClientRedis(redisTransportConnection(redisSettings));
    this.pendingGauge = new Gauge({ name: 'lib_stream_events_pending', help: 'Events held while Redis is unreachable', registers: [metrics.registry] });
    this.dropped = new Counter({
      name: 'lib_stream_events_dropped_total',
      help: 'Events dropped because more than MAX_PENDING_EVENTS were held during a Redis outage',
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    // Connect now rather than on the first event, so readiness reflects the transport from the start.
    this.client.connect().then(
      () => (this.connectedOnce = true),
      () => undefined,
    );
    this.health.register('events', () =>
      this.client.isConnected() ? Promise.resolve() : Promise.reject(new Error('event transport not connected')),
    );
  }

  /**
   * Resolves once Redis accepted the message with how many subscribers received it, or with 0 when
   * the event was held for delivery after an outage. Rejects only for errors that are not outages.
   */
  async publish<T extends PublishedTopic>(topic: T, event: EventPayloads[T]): Promise<number> {
    const payload = withEventCorrelation(topic, event);
    if (this.pending.length > 0 || !this.client.isConnected()) {
      this.hold({ topic, payload });
      return 0;
    }
    try {
      return await this.emit(topic, payload);
    } catch (error) {
      if (this.client.isConnected()) throw error;
      this.hold({ topic, payload });
      return 0;
    }
  }

  /** Request/response over the Redis transport (e.g. asking a media worker for its state). */
  async send<TResult, TInput = unknown>(pattern: string, data: TInput, timeoutMs = 5000): Promise<TResult> {
    return lastValueFrom(this.client.send<TResult, TInput>(pattern, data).pipe(timeout(timeoutMs)));
  }

  /** Events waiting for Redis (for tests and the shutdown log). */
  pendingCount(): number {
    return this.pending.length;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopFlushing();
    if (this.client.isConnected()) await this.flush();
    if (this.pending.length > 0) this.logger.warn({ msg: 'events not delivered before shutdown', count: this.pending.length });
    await this.client.close().catch(() => undefined);
  }

  private emit(topic: PublishedTopic, payload: unknown): Promise<number> {
    return lastValueFrom(this.client.emit<number, unknown>(topic, payload), { defaultValue: 0 });
  }

  private hold(event: PendingEvent): void {
    if (this.pending.length === 0) {
      // Events raised while the first connection is still being made are not an outage.
      this.heldWhileConnecting = !this.connectedOnce;
      if (this.heldWhileConnecting) this.logger.log({ msg: 'event transport still connecting: holding events until it is up' });
      else this.logger.warn({ msg: 'Redis unreachable: holding events until it returns' });
    }
    this.pending.push(event);
    if (this.pending.length > MAX_PENDING_EVENTS) {
      this.pending.shift();
      this.dropped.inc();
    }
    this.pendingGauge.set(this.pending.length);
    // Not tied to the request that happened to raise the first held event.
    this.flushTimer ??= withoutCorrelationId(() => setInterval(() => void this.flush(), FLUSH_INTERVAL_MS));
    this.flushTimer.unref();
  }

  /** Sends held events in order; stops at the first failure and tries again on the next tick. */
  private async flush(): Promise<void> {
    if (this.flushing || !this.client.isConnected()) return;
    this.flushing = true;
    let delivered = 0;
    try {
      while (this.pending.length > 0 && this.client.isConnected()) {
        const next = this.pending[0];
        await this.emit(next.topic, next.payload);
        this.pending.shift();
        delivered++;
      }
    } catch {
      // Redis went away again mid-flush; the event stays first in line.
    } finally {
      this.flushing = false;
      this.pendingGauge.set(this.pending.length);
      if (delivered > 0) this.logger.log({ msg: this.heldWhileConnecting ? 'delivered events held while connecting' : 'delivered events held during the outage', count: delivered, stillHeld: this.pending.length });
      if (this.pending.length === 0) this.stopFlushing();
    }
  }

  private stopFlushing(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
  }
}
