import type Redis from 'ioredis';

/** Redis key holding, per platform, the epoch ms before which no replica calls it for viewer counts. */
export const viewerBackoffKey = (platform: string) => `stream:viewer-backoff:${platform}`;

/**
 * A pause shared by every replica: Twitch's bucket is per client id and Google's quota per project,
 * so one replica's 429 must stop the others too. Only ever extended, never shortened.
 */
export class PlatformBackoff {
  constructor(private readonly redis: Redis) {}

  /** Epoch ms until which `platform` is paused, or 0. */
  async until(platform: string): Promise<number> {
    return Number((await this.redis.get(viewerBackoffKey(platform))) ?? 0);
  }

  async pause(platform: string, untilMs: number, now = Date.now()): Promise<void> {
    const ttl = Math.ceil(untilMs - now);
    if (ttl <= 0) return;
    // Keep the later of the two pauses.
    await this.redis.eval(
      `local cur = tonumber(redis.call('GET', KEYS[1]) or '0') if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end return 1`,
      1,
      viewerBackoffKey(platform),
      String(Math.ceil(untilMs)),
      String(ttl),
    );
  }
}
