import { createHash } from 'node:crypto';

import type Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';

/** The key scope of an OAuth client id: its hash, never the id itself. */
export function backoffScope(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 12);
}

/**
 * A pause shared by every replica of the same client: one replica's 429 must stop the others too.
 * Only ever extended, never shortened.
 */
export class PlatformBackoff {
  constructor(
    private readonly redis: Redis,
    /** platform → backoffScope(client id). */
    private readonly scopes: Record<string, string>,
  ) {}

  /** Epoch ms until which `platform` is paused, or 0. */
  async until(platform: string): Promise<number> {
    return Number((await this.redis.get(this.key(platform))) ?? 0);
  }

  async pause(platform: string, untilMs: number, now = Date.now()): Promise<void> {
    const ttl = Math.ceil(untilMs - now);
    if (ttl <= 0) return;
    // Keep the later of the two pauses.
    await this.redis.eval(
      `local cur = tonumber(redis.call('GET', KEYS[1]) or '0') if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end return 1`,
      1,
      this.key(platform),
      String(Math.ceil(untilMs)),
      String(ttl),
    );
  }

  private key(platform: string): string {
    return SessionKeys.viewerBackoff(platform, this.scopes[platform] ?? 'default');
  }
}
