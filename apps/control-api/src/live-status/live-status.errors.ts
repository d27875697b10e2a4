import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of the live-status WebSocket's handshake. Statuses come from the code (nest-kit's table). */
export const LiveStatusErrors = {
  /** 401 */
  invalidToken: () => new DomainError(ErrorCode.Unauthenticated, 'Bearer token is invalid'),
  /** 400 */
  tokenAndTicket: () => new DomainError(ErrorCode.ValidationFailed, 'Send either Authorization or ?ticket=, not both'),
  /** 401 */
  malformedTicket: () => new DomainError(ErrorCode.Unauthenticated, 'Ticket is malformed (one ?ticket= from POST /stream/events/ticket)'),
  /** 401 */
  unknownTicket: () => new DomainError(ErrorCode.Unauthenticated, 'Ticket is unknown, expired or already used; get a new one from POST /stream/events/ticket'),
  /** 401 */
  missingCredentials: () => new DomainError(ErrorCode.Unauthenticated, 'Missing bearer token (Authorization: Bearer <JWT>, or ?ticket= from POST /stream/events/ticket)'),
};
