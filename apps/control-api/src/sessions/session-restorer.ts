import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';

import { type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

import { RedisLossWatcher } from '../redis-loss/redis-loss-watcher';
import { LegacySessionImport } from './legacy-session-import';
import { PlatformSessionsRepository } from './platform-sessions.repository';

// Puts back whatever part of an active session Redis is missing, in one step. A record already
// there wins (it may be newer), and one already marked ended is left alone: a stop that raced the
// restore has the last word, so an ended session is never resurrected.
const RESTORE = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, record = pcall(cjson.decode, current)
  if ok and record.state ~= 'active' then return 0 end
end
local changed = 0
if not current then redis.call('SET', KEYS[1], ARGV[1]) changed = 1 end
if redis.call('SET', KEYS[2], ARGV[3], 'NX') then changed = 1 end
if redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3]) == 1 then changed = 1 end
if redis.call('SADD', KEYS[4], ARGV[3]) == 1 then changed = 1 end
return changed`;

/** Sessions per pipelined round trip. */
const BATCH = 500;

/**
 * After a Redis loss (and at start), rewrites the active sessions' Redis records and indexes from
 * the database, so webhooks are accepted and pulses flow again for creators who are still live.
 * The counters (`stream:sess-stats`) and the buffered entries are not in the database: they start
 * from zero.
 */
@Injectable()
export class SessionRestorer implements OnModuleInit {
  private readonly logger = new Logger('SessionRestorer');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly rows: PlatformSessionsRepository,
    private readonly watcher: RedisLossWatcher,
    private readonly legacy: LegacySessionImport,
  ) {}

  onModuleInit(): void {
    this.watcher.onLoss('platform sessions', async () => {
      // Restore first: the import only adds rows for what Redis still holds, and must not delay it.
      await this.restore();
      await this.legacy.run();
    });
  }

  /** How many sessions needed something put back. */
  async restore(): Promise<number> {
    const sessions = await this.rows.findActive();
    let restored = 0;
    for (let i = 0; i < sessions.length; i += BATCH) {
      const pipeline = this.redis.pipeline();
      for (const session of sessions.slice(i, i + BATCH)) pipeline.eval(RESTORE, 4, ...keysOf(session), JSON.stringify(session), Date.parse(session.startedAt), session.platformSessionId);
      for (const [error, changed] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        restored += Number(changed);
      }
    }
    if (restored > 0) this.logger.log({ msg: 'active platform sessions restored from the database', restored });
    return restored;
  }
}

function keysOf(session: PlatformSessionModel): string[] {
  return [SessionKeys.session(session.platformSessionId), SessionKeys.activeByLink(session.linkId), SessionKeys.byAccount(session.accountId), SessionKeys.active()];
}
