import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of the broadcast endpoints (the media worker's own travel as BroadcastRefusal). Statuses come from the code (nest-kit's table). */
export const BroadcastErrors = {
  /** 400: the request breaks a rule; `problem` names the field and the rule. */
  invalid: (problem: string) => new DomainError(ErrorCode.ValidationFailed, problem),
  /** 404 */
  notFound: () => new DomainError(ErrorCode.NotFound, 'Broadcast not found'),
  /** 409 */
  stopped: () => new DomainError(ErrorCode.Conflict, 'broadcast is stopped'),
  /** 409: `holder` is the broadcast id already on air from the source. */
  sourceBusy: (holder: string) => new DomainError(ErrorCode.Conflict, `a broadcast is already active for this source (${holder})`),
  /** 503: `STREAM_BROADCAST_ENABLED=false`. */
  disabled: () => new DomainError(ErrorCode.FeatureDisabled, 'Broadcasting is disabled on this deployment (STREAM_BROADCAST_ENABLED=false)'),
  /** 503 */
  cipherUnavailable: () =>
    new DomainError(ErrorCode.ServiceUnavailable, 'Broadcasting is unavailable: STREAM_TOKEN_ENCRYPTION_KEY is missing or unusable (broadcast URLs are stored encrypted)'),
  /** 503 */
  noWorker: () => new DomainError(ErrorCode.ServiceUnavailable, 'broadcasting is unavailable: no media worker with FFmpeg is running'),
  /** 503 */
  workersFull: () =>
    new DomainError(ErrorCode.ServiceUnavailable, 'broadcasting is unavailable: every media worker already runs its maximum of broadcasts (STREAM_MAX_CONCURRENT_BROADCASTS)'),
};
