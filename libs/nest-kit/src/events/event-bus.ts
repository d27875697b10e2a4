import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { lastValueFrom, timeout } from 'rxjs';

import type { BaseEvent, EventPayloads, PublishedTopic } from '@lib-stream/contracts';

import { APP_CONFIG } from '../config/config.tokens';
import type { AppConfig } from '../config/settings';
import { redisOptionsFromUrl } from '../redis/redis-options';

/** Fresh `eventId` + `timestamp` for an event payload. */
export function eventHeader(now = new Date()): BaseEvent {
  return { eventId: randomUUID(), timestamp: now.toISOString() };
}

export function redisTransportOptions(config: AppConfig) {
  return {
    transport: Transport.REDIS as const,
    options: { ...redisOptionsFromUrl(config.STREAM_REDIS_URL), retryAttempts: 10, retryDelay: 500 },
  };
}

/**
 * Publishes domain events with the Nest Redis transport: the topic is the Redis channel and the
 * message is the transport packet `{"pattern": topic, "data": payload}`.
 */
@Injectable()
export class EventBus implements OnApplicationShutdown {
  private readonly client: ClientProxy;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = ClientProxyFactory.create(redisTransportOptions(config));
  }

  /** Resolves once Redis accepted the message; the number is how many subscribers received it. */
  async publish<T extends PublishedTopic>(topic: T, payload: EventPayloads[T]): Promise<number> {
    return lastValueFrom(this.client.emit<number, EventPayloads[T]>(topic, payload), { defaultValue: 0 });
  }

  /** Request/response over the Redis transport (e.g. asking a media worker for its state). */
  async send<TResult, TInput = unknown>(pattern: string, data: TInput, timeoutMs = 5000): Promise<TResult> {
    return lastValueFrom(this.client.send<TResult, TInput>(pattern, data).pipe(timeout(timeoutMs)));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
