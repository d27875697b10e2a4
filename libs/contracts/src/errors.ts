/** Machine-readable error codes, returned as `code` in every error body and in RPC errors. */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  InvalidJson = 'INVALID_JSON',
  AlreadyLinked = 'ALREADY_LINKED',
  AuthorizationRejected = 'AUTHORIZATION_REJECTED',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  TooManyRequests = 'TOO_MANY_REQUESTS',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  FeatureDisabled = 'FEATURE_DISABLED',
  PlatformUnavailable = 'PLATFORM_UNAVAILABLE',
  Internal = 'INTERNAL',
}

/** The one error body shape of every HTTP endpoint. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode | string;
  message: string;
  /** The request's correlation id (its X-Request-Id response header), to quote when reporting the error. */
  correlationId?: string;
}
