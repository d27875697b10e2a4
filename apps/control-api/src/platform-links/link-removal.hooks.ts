import { Injectable } from '@nestjs/common';

import type { PlatformLinkEntity } from './platform-link.entity';

export type LinkRemovalHook = (link: PlatformLinkEntity) => Promise<void>;

/**
 * Features that depend on a link (platform sessions) register here to be told before it is deleted,
 * so unlinking stops them first without the link module knowing about them.
 */
@Injectable()
export class LinkRemovalHooks {
  private readonly hooks: LinkRemovalHook[] = [];

  register(hook: LinkRemovalHook): void {
    this.hooks.push(hook);
  }

  async run(link: PlatformLinkEntity): Promise<void> {
    for (const hook of this.hooks) await hook(link);
  }
}
