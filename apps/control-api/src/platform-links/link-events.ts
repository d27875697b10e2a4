/**
 * What happens to links, as `@nestjs/event-emitter` events, for the features that depend on them
 * (sessions, webhook subscriptions, WebSub leases, broadcasts): they listen with
 * `@OnEvent(LinkEvents.x, { suppressErrors: false })`, so this module never knows them, and the
 * emitter awaits them with `emitAsync` (listeners run concurrently; one that rejects fails the emit).
 */
export const LinkEvents = {
  /** Payload: the stored `PlatformLinkEntity` (custom link or finished OAuth), after `stream.platform.linked` went out. */
  created: 'link.created',
  /** Payload: the `PlatformLinkEntity` about to be deleted (unlink or account clean-up); a listener that rejects stops the unlink. */
  removing: 'link.removing',
  /**
   * Payload: {@link AccountCleanupEvent}, after `cleanup-by-account` removed the account's links. Each
   * listener removes what its feature holds for the account and resolves to what it removed, by name
   * and count (e.g. `{ broadcasts: 2 }`).
   */
  accountCleanup: 'account.cleanup',
} as const;

export interface AccountCleanupEvent {
  accountId: string;
}
