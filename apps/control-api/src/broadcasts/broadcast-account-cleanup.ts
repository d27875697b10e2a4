import { Injectable } from '@nestjs/common';

import { OnLocalEvent } from '@lib-stream/nest-kit';

import { LinkEvents } from '../platform-links/link-events';
import { BroadcastsService } from './broadcasts.service';

/** `cleanup-by-account` stops the running broadcasts the deleted account started. */
@Injectable()
export class BroadcastAccountCleanup {
  constructor(private readonly broadcasts: BroadcastsService) {}

  @OnLocalEvent(LinkEvents.accountCleanup)
  async onAccountCleanup({ accountId }: { accountId: string }): Promise<Record<string, number>> {
    return { broadcasts: await this.broadcasts.stopStartedBy(accountId) };
  }
}
