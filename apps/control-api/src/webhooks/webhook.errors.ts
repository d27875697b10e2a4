import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of the platforms' webhook deliveries. Statuses come from the code (nest-kit's table). */
export const WebhookErrors = {
  /** 503 */
  twitchNotConfigured: () => new DomainError(ErrorCode.ServiceUnavailable, 'Twitch webhooks are not configured (STREAM_TWITCH_WEBHOOK_SECRET)'),
  /** 503 */
  websubNotConfigured: () => new DomainError(ErrorCode.ServiceUnavailable, 'YouTube WebSub is not configured (STREAM_YOUTUBE_WEBHOOK_TOKEN)'),
  /** 503 */
  customNotConfigured: () => new DomainError(ErrorCode.ServiceUnavailable, 'The custom webhook is not configured (STREAM_CUSTOM_WEBHOOK_SECRET)'),
  /** 403 */
  twitchUnverifiable: () => new DomainError(ErrorCode.Forbidden, 'Missing Twitch-Eventsub-Message-Id, -Timestamp or -Signature header: the delivery cannot be verified'),
  /** 403 */
  signatureMismatch: () => new DomainError(ErrorCode.Forbidden, 'Signature does not match'),
  /** 400 */
  twitchMissingType: () => new DomainError(ErrorCode.ValidationFailed, 'Missing Twitch-Eventsub-Message-Type header or the JSON body'),
  /** 400: the delivery's timestamp (`header` names it) is older than STREAM_WEBHOOK_MAX_AGE_SECONDS. */
  tooOld: (header: string) => new DomainError(ErrorCode.ValidationFailed, `Delivery is too old (${header})`),
  /** 400 */
  challengeNotString: () => new DomainError(ErrorCode.ValidationFailed, 'challenge must be a string'),
  /** 400 */
  customUnverifiable: () =>
    new DomainError(ErrorCode.ValidationFailed, 'Needs X-Stream-Timestamp (unix seconds), X-Stream-Delivery-Id ([A-Za-z0-9_-], ≤128) and a JSON body'),
  /** 400: a custom delivery's body; `problem` names the field. */
  badCustomBody: (problem: string) => new DomainError(ErrorCode.ValidationFailed, problem),
  /** 404 */
  noCustomLink: () => new DomainError(ErrorCode.NotFound, 'No custom link with this linkId'),
  /** 409 */
  noActiveSession: () => new DomainError(ErrorCode.Conflict, 'No active session for this link; start one with POST /stream/session/start'),
  /** 404: the hub's verification names a token this service did not give. */
  unknownSubscription: () => new DomainError(ErrorCode.NotFound, 'Not a subscription this service made'),
  /** 404 */
  unknownTopic: () => new DomainError(ErrorCode.NotFound, 'Not a YouTube channel feed subscription this service made'),
  /** 404 */
  noPendingVerification: (mode: string) => new DomainError(ErrorCode.NotFound, `No ${mode} request of this service awaits verification for this topic`),
  /** 413 */
  bodyTooLarge: () => new DomainError(ErrorCode.PayloadTooLarge, 'Request body is too large'),
};
