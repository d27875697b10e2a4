import { Injectable } from '@nestjs/common';

import type { PlatformLinkEntity } from './platform-link.entity';

export type LinkHook = (link: PlatformLinkEntity) => Promise<void>;
/** Removes what a feature holds for a deleted account; returns how many things it removed. */
export type AccountCleanupHook = (accountId: string) => Promise<number>;

/**
 * Features that depend on links (sessions, webhook subscriptions) register here to hear about a new
 * link and to act before one is deleted, without the link module knowing about them.
 */
@Injectable()
export class LinkLifecycleHooks {
  private readonly created: LinkHook[] = [];
  private readonly removing: LinkHook[] = [];
  private readonly accountCleanups = new Map<string, AccountCleanupHook>();

  onCreated(hook: LinkHook): void {
    this.created.push(hook);
  }

  onRemoving(hook: LinkHook): void {
    this.removing.push(hook);
  }

  /** Runs on `cleanup-by-account`, after the account's links are gone. */
  onAccountCleanup(what: string, hook: AccountCleanupHook): void {
    this.accountCleanups.set(what, hook);
  }

  async runAccountCleanup(accountId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const [what, hook] of this.accountCleanups) removed[what] = await hook(accountId);
    return removed;
  }

  async runCreated(link: PlatformLinkEntity): Promise<void> {
    for (const hook of this.created) await hook(link);
  }

  async runRemoving(link: PlatformLinkEntity): Promise<void> {
    for (const hook of this.removing) await hook(link);
  }
}
