import { Role } from '@lib-stream/contracts';

import { AuthErrors } from './auth.errors';

/** Who is calling, from a verified bearer token. */
export interface Principal {
  accountId: string;
  roles: Role[];
}

/**
 * A user may only touch their own account. Another account's resource answers 404, not 403, so the
 * response does not reveal that it exists.
 */
export function assertOwnAccount(principal: Principal, accountId: string, what = 'resource'): void {
  if (principal.accountId !== accountId) {
    throw AuthErrors.notOwn(what);
  }
}
