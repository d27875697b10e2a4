import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type Redis from 'ioredis';

import type { StreamPlatform } from '@lib-stream/contracts';
import { PlatformApiSettings, REDIS } from '@lib-stream/nest-kit';

export interface PendingLink {
  accountId: string;
  platform: StreamPlatform;
}

/**
 * Single-use OAuth `state` values in Redis with a TTL. The key is a hash of the state, so the value
 * handed to the browser never appears in Redis; GETDEL makes a second use find nothing.
 */
@Injectable()
export class OAuthStateStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly api: PlatformApiSettings,
  ) {}

  async create(pending: PendingLink): Promise<{ state: string; expiresAt: Date }> {
    const state = randomBytes(32).toString('base64url');
    const ttlMs = this.api.oauthStateTtlMs;
    await this.redis.set(key(state), JSON.stringify(pending), 'PX', ttlMs);
    return { state, expiresAt: new Date(Date.now() + ttlMs) };
  }

  /** Returns the pending link once; expired, unknown or already used states give null. */
  async consume(state: string): Promise<PendingLink | null> {
    const raw = await this.redis.getdel(key(state));
    return raw ? (JSON.parse(raw) as PendingLink) : null;
  }
}

function key(state: string): string {
  return `stream:oauth-state:${createHash('sha256').update(state).digest('hex')}`;
}
