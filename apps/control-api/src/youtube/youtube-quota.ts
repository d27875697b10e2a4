import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Gauge } from 'prom-client';

import { SessionKeys } from '@lib-stream/contracts';
import { MetricsService, REDIS } from '@lib-stream/nest-kit';

/** Units of the YouTube Data API quota spent today (UTC), across replicas; Google resets at midnight Pacific. */
@Injectable()
export class YouTubeQuota {
  private readonly gauge: Gauge;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    metrics: MetricsService,
  ) {
    this.gauge = new Gauge({ name: 'lib_stream_youtube_quota_units_today', help: 'YouTube Data API units spent today (UTC day)', registers: [metrics.registry] });
  }

  async spend(units: number): Promise<number> {
    const key = SessionKeys.youtubeQuota(new Date().toISOString().slice(0, 10));
    const total = await this.redis.incrby(key, units);
    if (total === units) await this.redis.expire(key, 2 * 86_400);
    this.gauge.set(total);
    return total;
  }

  async today(): Promise<number> {
    return Number((await this.redis.get(SessionKeys.youtubeQuota(new Date().toISOString().slice(0, 10)))) ?? 0);
  }
}
