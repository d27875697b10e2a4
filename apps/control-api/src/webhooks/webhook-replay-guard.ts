import { Inject, Injectable } from '@nestjs/common';

import { SessionKeys } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig } from '@lib-stream/nest-kit';

import { RedisMicroBatch } from './redis-micro-batch';

export type DeliveryVerdict = 'fresh' | 'stale' | 'duplicate';

/**
 * Rejects deliveries signed too long ago and remembers message ids across all replicas (Redis
 * SET NX), for longer than the staleness window, so a replay is caught either way.
 */
@Injectable()
export class WebhookReplayGuard {
  constructor(
    private readonly batch: RedisMicroBatch,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(platform: string, messageId: string, sentAt: Date, now = Date.now()): Promise<DeliveryVerdict> {
    const maxAgeMs = this.config.STREAM_WEBHOOK_MAX_AGE_SECONDS * 1000;
    if (Number.isNaN(sentAt.getTime()) || now - sentAt.getTime() > maxAgeMs || sentAt.getTime() - now > maxAgeMs) return 'stale';
    // In the micro-batch: a chat burst's concurrent deliveries share one write to Redis.
    const first = await this.batch.call('set', SessionKeys.webhookMessage(platform, messageId), '1', 'PX', maxAgeMs * 2, 'NX');
    return first === 'OK' ? 'fresh' : 'duplicate';
  }
}
