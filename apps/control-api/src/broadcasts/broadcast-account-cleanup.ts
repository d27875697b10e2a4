import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

import { type AccountCleanupEvent, LinkEvents } from '../platform-links/link-events';
import { BroadcastsService } from './broadcasts.service';

/** `cleanup-by-account` stops the running broadcasts the deleted account started. */
@Injectable()
export class BroadcastAccountCleanup {
  constructor(private readonly broadcasts: BroadcastsService) {}

  @OnEvent(LinkEvents.accountCleanup, { suppressErrors: false })
  async onAccountCleanup({ accountId }: AccountCleanupEvent): Promise<Record<string, number>> {
    return { broadcasts: await this.broadcasts.stopStartedBy(accountId) };
  }
}
