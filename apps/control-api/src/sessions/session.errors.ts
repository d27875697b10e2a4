import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of the session endpoints. Statuses come from the code (nest-kit's table). */
export const SessionErrors = {
  /** 400 */
  noLink: (platform: string) => new DomainError(ErrorCode.ValidationFailed, `This account has no ${platform} link`),
  /** 400 */
  needsRelink: (platform: string) => new DomainError(ErrorCode.ValidationFailed, `The ${platform} link needs to be linked again`),
  /** 409 */
  alreadyActive: (platform: string) => new DomainError(ErrorCode.Conflict, `A ${platform} session is already active for this account`),
  /** 400 */
  notLive: (platform: string) => new DomainError(ErrorCode.ValidationFailed, `The account is not live on ${platform} right now`),
  /** 404 */
  notActive: () => new DomainError(ErrorCode.NotFound, 'No active session with this id'),
  /** 404 */
  notFound: () => new DomainError(ErrorCode.NotFound, 'Session not found'),
  /** 502: the platform did not answer the live check. */
  liveCheckUnreachable: (platform: string) => new DomainError(ErrorCode.PlatformUnavailable, `${platform} could not be asked whether the account is live; try again`),
  /** 400: the platform refused the link's grant. */
  linkRevoked: (platform: string) => new DomainError(ErrorCode.ValidationFailed, `${platform} no longer accepts this link; link it again`),
  /** 400 */
  twitchLinkTooOld: () => new DomainError(ErrorCode.ValidationFailed, 'This Twitch link predates live checks; link it again'),
};
