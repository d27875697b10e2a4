import { Injectable } from '@nestjs/common';

import type { PlatformLinkEntity } from './platform-link.entity';

export type LinkHook = (link: PlatformLinkEntity) => Promise<void>;

/**
 * Features that depend on links (sessions, webhook subscriptions) register here to hear about a new
 * link and to act before one is deleted, without the link module knowing about them.
 */
@Injectable()
export class LinkLifecycleHooks {
  private readonly created: LinkHook[] = [];
  private readonly removing: LinkHook[] = [];

  onCreated(hook: LinkHook): void {
    this.created.push(hook);
  }

  onRemoving(hook: LinkHook): void {
    this.removing.push(hook);
  }

  async runCreated(link: PlatformLinkEntity): Promise<void> {
    for (const hook of this.created) await hook(link);
  }

  async runRemoving(link: PlatformLinkEntity): Promise<void> {
    for (const hook of this.removing) await hook(link);
  }
}
