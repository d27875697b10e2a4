/**
 * The platform said to stop asking until `untilMs` (epoch ms): Twitch 429 (until Ratelimit-Reset),
 * Google 403 rateLimitExceeded / quotaExceeded. The message names the platform's answer only.
 */
export class PlatformPausedError extends Error {
  override readonly name = 'PlatformPausedError';

  constructor(
    readonly reason: 'rate_limited' | 'quota_exceeded',
    readonly untilMs: number,
    message: string,
  ) {
    super(message);
  }
}
