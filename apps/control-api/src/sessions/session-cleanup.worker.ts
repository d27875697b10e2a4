import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';

import { SessionHistorySettings } from '@lib-stream/nest-kit';

import { SessionStore } from './session.store';

/** SessionCleanupWorker: hourly, drops ended sessions older than the retention, in Redis and in the database. Idempotent, so no lock. */
@Injectable()
export class SessionCleanupWorker {
  private readonly logger = new Logger('SessionCleanupWorker');

  constructor(
    private readonly history: SessionHistorySettings,
    private readonly store: SessionStore,
  ) {}

  @Interval('session-cleanup', 60 * 60 * 1000)
  async purge(now = new Date()): Promise<number> {
    try {
      const cutoff = new Date(now.getTime() - this.history.retentionMs);
      const removed = await this.store.purgeHistory(await this.store.accountIdsWithHistory(), cutoff);
      // The database copy follows the same retention.
      const rows = await this.store.purgeEndedRows(cutoff);
      if (rows > 0) this.logger.log({ msg: 'ended session rows purged', rows });
      if (removed > 0) this.logger.log({ msg: 'ended sessions purged', removed });
      return removed;
    } catch (error) {
      this.logger.error({ msg: 'session clean-up failed', reason: (error as Error).message });
      return 0;
    }
  }
}
