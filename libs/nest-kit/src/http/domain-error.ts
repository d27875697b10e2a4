import { HttpStatus } from '@nestjs/common';

import { ErrorCode } from '@lib-stream/contracts';

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

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly statusCode: number = STATUS_BY_CODE[code],
  ) {
    super(message);
  }
}

export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

export function codeForStatus(status: number): ErrorCode | string {
  const match = (Object.entries(STATUS_BY_CODE) as [ErrorCode, number][]).find(([, s]) => s === status);
  return match ? match[0] : `HTTP_${status}`;
}
