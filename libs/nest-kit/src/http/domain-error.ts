import { HttpStatus } from '@nestjs/common';

import { ErrorCode } from '@lib-stream/contracts';

/**
 * The HTTP status of every error code: the only place a status is chosen. A DomainError takes its
 * status from here, so one code always answers with one status (SERVICE_UNAVAILABLE is always 503,
 * PLATFORM_UNAVAILABLE, an upstream platform's failure, always 502).
 */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.InvalidJson]: HttpStatus.BAD_REQUEST,
  [ErrorCode.AlreadyLinked]: HttpStatus.BAD_REQUEST,
  [ErrorCode.AuthorizationRejected]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.TooManyRequests]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.ServiceUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.FeatureDisabled]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.PlatformUnavailable]: HttpStatus.BAD_GATEWAY,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/**
 * An error the caller can act on. Services throw these (never HttpException); the global filter
 * turns them into `{ statusCode, code, message }`. The message is shown to the caller as is, so it
 * must never hold a secret, a token or a stream key.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  /** From the code (STATUS_BY_CODE), never chosen by the thrower. */
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.statusCode = STATUS_BY_CODE[code];
  }
}

export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

export function codeForStatus(status: number): ErrorCode | string {
  const match = (Object.entries(STATUS_BY_CODE) as [ErrorCode, number][]).find(([, s]) => s === status);
  return match ? match[0] : `HTTP_${status}`;
}
