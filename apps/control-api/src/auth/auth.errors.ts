import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of authentication and authorization. Statuses come from the code (nest-kit's table). */
export const AuthErrors = {
  /** 401: the bearer token was refused; `reason` says why and never repeats the token. */
  tokenRejected: (reason: string) => new DomainError(ErrorCode.Unauthenticated, reason),
  /** 401: no `Authorization: Bearer` header. */
  missingBearer: () => new DomainError(ErrorCode.Unauthenticated, 'Missing bearer token (Authorization: Bearer <JWT>)'),
  /** 403: the principal has none of the roles the endpoint needs. */
  roleRequired: (roles: readonly string[]) => new DomainError(ErrorCode.Forbidden, `This endpoint requires the ${roles.join(' or ')} role`),
  /** 404: another account's `what` (not 403, so the answer does not reveal that it exists). */
  notOwn: (what: string) => new DomainError(ErrorCode.NotFound, `${what} not found`),
};
