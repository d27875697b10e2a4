import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';
import type { SentimentCategory } from '@lib-stream/privacy';

export interface SessionStats {
  accepted: number;
  shed: number;
  /** Chat messages that had no sentiment (below the confidence floor): counted, not buffered. */
  noSentiment: number;
  categoryCounts: Partial<Record<SentimentCategory, number>>;
}

/**
 * A session's counters (`stream:sess-stats:{id}`) as its status shows them. The audience's sentiment
 * buffer counts into the hash in its write scripts (`accepted`, `shed`, `noSentiment`, `category:<name>`);
 * the session's lifecycle reads it and keeps it as long as the ended session.
 */
@Injectable()
export class SessionCounters {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async stats(platformSessionId: string): Promise<SessionStats> {
    const fields = await this.redis.hgetall(SessionKeys.stats(platformSessionId));
    const categoryCounts: Partial<Record<SentimentCategory, number>> = {};
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('category:')) categoryCounts[field.slice('category:'.length) as SentimentCategory] = Number(value);
    }
    return { accepted: Number(fields.accepted ?? 0), shed: Number(fields.shed ?? 0), noSentiment: Number(fields.noSentiment ?? 0), categoryCounts };
  }

  /** Keeps the counters `ms` milliseconds longer (as long as the ended session record). */
  async retain(platformSessionId: string, ms: number): Promise<void> {
    await this.redis.pexpire(SessionKeys.stats(platformSessionId), ms);
  }
}
