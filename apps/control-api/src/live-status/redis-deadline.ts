import { ServiceUnavailableError, withDeadline } from '@lib-stream/nest-kit';

/** How long live status waits for one Redis call (as long as readiness does) before answering 503. */
export const LIVE_REDIS_TIMEOUT_MS = 2_000;

/**
 * `work` (a Redis call of live status's own), or a ServiceUnavailableError('Redis') after
 * `timeoutMs`: a Redis that stopped answering (not refusing) must not hold a ticket request, an
 * upgrade or a subscribe for as long as it stalls. Not a global ioredis `commandTimeout`: Bull's
 * blocking commands share the client. The command itself is not cancelled; its late answer is ignored.
 * Errors of `work` become ServiceUnavailableError('Redis') too.
 */
export function withRedisDeadline<T>(work: Promise<T>, timeoutMs = LIVE_REDIS_TIMEOUT_MS): Promise<T> {
  const failed = work.catch((error: unknown) => Promise.reject(new ServiceUnavailableError('Redis', { cause: error })));
  return withDeadline(failed, timeoutMs, () => new ServiceUnavailableError('Redis'));
}
