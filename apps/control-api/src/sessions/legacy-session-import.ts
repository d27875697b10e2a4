import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';
import { REDIS, scanKeys } from '@lib-stream/nest-kit';

import { ActiveSessionExistsError, PlatformSessionsRepository } from './platform-sessions.repository';

const BATCH = 500;

/**
 * Sessions an earlier version kept only in Redis get their database row, so an upgrade loses
 * neither a live session (at the next Redis loss) nor the history `list` now reads from the
 * database. Runs before each restore (at start it finds them; after a loss, nothing); rows that
 * exist are left alone.
 */
@Injectable()
export class LegacySessionImport {
  private readonly logger = new Logger('LegacySessionImport');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly rows: PlatformSessionsRepository,
  ) {}

  async run(): Promise<number> {
    const keys = await scanKeys(this.redis, `${SessionKeys.session('')}*`);
    let imported = 0;
    for (let i = 0; i < keys.length; i += BATCH) {
      const records = (await this.redis.mget(keys.slice(i, i + BATCH))).flatMap(parse);
      const known = await this.rows.existingIds(records.map((r) => r.platformSessionId));
      for (const record of records.filter((r) => !known.has(r.platformSessionId))) imported += await this.importOne(record);
    }
    if (imported > 0) this.logger.log({ msg: 'sessions kept only in Redis by an earlier version imported into the database', imported });
    return imported;
  }

  private async importOne(record: PlatformSessionModel): Promise<number> {
    try {
      await this.rows.insert(record);
      return 1;
    } catch (error) {
      // The link already has another active row: the database's one wins.
      if (error instanceof ActiveSessionExistsError) return 0;
      throw error;
    }
  }
}

/** A record this code could not have written (or not whole) is skipped, not allowed to block the restore. */
function parse(raw: string | null): PlatformSessionModel[] {
  if (!raw) return [];
  try {
    const r = JSON.parse(raw) as Partial<PlatformSessionModel>;
    const whole =
      [r.platformSessionId, r.linkId, r.accountId, r.platform].every((v) => typeof v === 'string') &&
      typeof r.startedAt === 'string' &&
      !Number.isNaN(Date.parse(r.startedAt)) &&
      (r.state === 'active' || r.state === 'ended') &&
      typeof r.viewerCount === 'number' &&
      typeof r.peakViewerCount === 'number';
    return whole ? [{ platformStreamId: null, inGameSessionId: null, endedAt: null, ...r } as PlatformSessionModel] : [];
  } catch {
    return [];
  }
}
