import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of the platform-link endpoints. Statuses come from the code (nest-kit's table). */
export const LinkErrors = {
  /** 400 */
  rtmpUrlOnlyForCustom: () => new DomainError(ErrorCode.ValidationFailed, 'rtmpUrl is only accepted for a custom link'),
  /** 400 */
  rtmpUrlNotRtmp: () => new DomainError(ErrorCode.ValidationFailed, 'rtmpUrl must be an rtmp:// or rtmps:// URL'),
  /** 400 */
  customNeedsNoCallback: () => new DomainError(ErrorCode.ValidationFailed, 'custom links need no callback: POST /stream/platform/link stores them directly'),
  /** 404: the OAuth state is unknown, expired or used. */
  unknownState: () => new DomainError(ErrorCode.NotFound, 'No pending link request for this state (unknown, expired or already used)'),
  /** 400: the creator declined at the platform (`error` is the platform's OAuth error code). */
  notAuthorized: (platform: string, error: string) => new DomainError(ErrorCode.AuthorizationRejected, `The creator did not authorize the link on ${platform} (${error})`),
  /** 400: the platform refused the authorization code; `detail` is the platform's own answer. */
  codeRejected: (platform: string, detail: string) => new DomainError(ErrorCode.AuthorizationRejected, `The authorization code was not accepted by ${platform}: ${detail}`),
  /** 502 */
  platformUnreachable: (platform: string) => new DomainError(ErrorCode.PlatformUnavailable, `${platform} could not be reached to complete the link; try again`),
  /** 409 */
  platformAccountTaken: (platform: string) => new DomainError(ErrorCode.Conflict, `This ${platform} account is already linked to another account`),
  /** 400 */
  alreadyLinked: (platform: string) => new DomainError(ErrorCode.AlreadyLinked, `This account already has a ${platform} link; unlink it first`),
  /** 404 */
  notFound: (platform: string) => new DomainError(ErrorCode.NotFound, `No ${platform} link for this account`),
  /** 409: another replica holds the account's link lock. */
  busy: (platform: string) => new DomainError(ErrorCode.Conflict, `Another ${platform} link operation for this account is in progress; try again`),
  /** 503: the platform's application settings are empty; `settings` names them. */
  notConfigured: (platform: string, settings: string) => new DomainError(ErrorCode.ServiceUnavailable, `${platform} linking is not configured: set ${settings}`),
  /** 503 */
  cipherUnavailable: () => new DomainError(ErrorCode.ServiceUnavailable, 'Platform linking is unavailable: STREAM_TOKEN_ENCRYPTION_KEY is missing or unusable'),
};
