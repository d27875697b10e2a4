import { localEvent } from '@lib-stream/nest-kit';

import type { PlatformLinkEntity } from './platform-link.entity';

/**
 * What happens to links, for the features that depend on them (sessions, webhook subscriptions,
 * WebSub leases, broadcasts), which listen with `@OnLocalEvent` so this module never knows them.
 */
export const LinkEvents = {
  /** A link was stored (custom link or finished OAuth), after `stream.platform.linked` went out. */
  created: localEvent<PlatformLinkEntity>('link.created'),
  /** A link is about to be deleted (unlink or account clean-up): the row still exists; a handler that throws stops the unlink. */
  removing: localEvent<PlatformLinkEntity>('link.removing'),
  /**
   * `cleanup-by-account` removed the account's links; each handler removes what its feature holds
   * for the account and answers what it removed, by name and count (e.g. `{ broadcasts: 2 }`).
   */
  accountCleanup: localEvent<{ accountId: string }, Record<string, number>>('account.cleanup'),
};
