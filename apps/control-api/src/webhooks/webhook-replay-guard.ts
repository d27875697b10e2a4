import { Injectable } from '@nestjs/common';

import { SessionKeys } from '@lib-stream/contracts';
import { WebhookSettings } from '@lib-stream/nest-kit';

import type { ReplayGuardKey } from '../audience/sentiment-buffer';
import { RedisMicroBatch } from '../audience/redis-micro-batch';

export type DeliveryVerdict = 'fresh' | 'stale' | 'duplicate';

/**
 * Rejects deliveries signed too long ago and remembers message ids across all replicas (Redis
 * SET NX), for longer than the staleness window, so a replay is caught either way.
 */
@Injectable()
export class WebhookReplayGuard {
  constructor(
    private readonly batch: RedisMicroBatch,
    private readonly webhooks: WebhookSettings,
  ) {}

  /** True when `sentAt` is not a date or further than STREAM_WEBHOOK_MAX_AGE_SECONDS from now (either way). */
  isStale(sentAt: Date, now = Date.now()): boolean {
    const maxAgeMs = this.webhooks.maxAgeMs;
    return Number.isNaN(sentAt.getTime()) || now - sentAt.getTime() > maxAgeMs || sentAt.getTime() - now > maxAgeMs;
  }

  /** The Redis key that remembers a message id, and how long (ms): twice the staleness window. */
  key(platform: string, messageId: string): ReplayGuardKey {
    return { key: SessionKeys.webhookMessage(platform, messageId), ttlMs: this.webhooks.maxAgeMs * 2 };
  }

  async check(platform: string, messageId: string, sentAt: Date, now = Date.now()): Promise<DeliveryVerdict> {
    if (this.isStale(sentAt, now)) return 'stale';
    const { key, ttlMs } = this.key(platform, messageId);
    // In the micro-batch: a chat burst's concurrent deliveries share one write to Redis.
    const first = await this.batch.call('set', key, '1', 'PX', ttlMs, 'NX');
    return first === 'OK' ? 'fresh' : 'duplicate';
  }
}
