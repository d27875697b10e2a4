import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, REDIS } from '@lib-stream/nest-kit';

/** Platform sessions in Redis (store `stream-sessions`), indexed by account, by link and as the active set. */
@Injectable()
export class SessionStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Creates an active session unless the link already has one; false when it does. */
  async createActive(session: PlatformSessionModel): Promise<boolean> {
    const claimed = await this.redis.set(SessionKeys.activeByLink(session.linkId), session.platformSessionId, 'NX');
    if (claimed !== 'OK') return false;
    await this.redis
      .multi()
      .set(SessionKeys.session(session.platformSessionId), JSON.stringify(session))
      .zadd(SessionKeys.byAccount(session.accountId), Date.parse(session.startedAt), session.platformSessionId)
      .sadd(SessionKeys.active(), session.platformSessionId)
      .exec();
    return true;
  }

  async get(platformSessionId: string): Promise<PlatformSessionModel | null> {
    const raw = await this.redis.get(SessionKeys.session(platformSessionId));
    return raw ? (JSON.parse(raw) as PlatformSessionModel) : null;
  }

  async active(): Promise<PlatformSessionModel[]> {
    const ids = await this.redis.smembers(SessionKeys.active());
    return (await Promise.all(ids.map((id) => this.get(id)))).filter((s): s is PlatformSessionModel => s?.state === 'active');
  }

  async activeForLink(linkId: string): Promise<PlatformSessionModel | null> {
    const id = await this.redis.get(SessionKeys.activeByLink(linkId));
    return id ? this.get(id) : null;
  }

  async save(session: PlatformSessionModel): Promise<void> {
    await this.redis.set(SessionKeys.session(session.platformSessionId), JSON.stringify(session), 'KEEPTTL');
  }

  /** Marks it ended and keeps it for STREAM_SESSION_HISTORY_RETENTION_HOURS. */
  async end(session: PlatformSessionModel): Promise<void> {
    const retention = Math.max(1, this.config.STREAM_SESSION_HISTORY_RETENTION_HOURS * 3600);
    await this.redis
      .multi()
      .set(SessionKeys.session(session.platformSessionId), JSON.stringify(session), 'EX', retention)
      .del(SessionKeys.activeByLink(session.linkId))
      .srem(SessionKeys.active(), session.platformSessionId)
      .exec();
  }

  /** Newest first. */
  async listForAccount(accountId: string, offset: number, limit: number): Promise<{ sessions: PlatformSessionModel[]; total: number }> {
    const key = SessionKeys.byAccount(accountId);
    const [ids, total] = await Promise.all([this.redis.zrevrange(key, offset, offset + limit - 1), this.redis.zcard(key)]);
    const sessions = (await Promise.all(ids.map((id) => this.get(id)))).filter((s): s is PlatformSessionModel => s !== null);
    return { sessions, total };
  }

  /** SessionCleanupWorker: drops index entries of sessions older than the retention (their records expire by TTL). */
  async purgeHistory(accountIds: string[], olderThan: Date): Promise<number> {
    let removed = 0;
    for (const accountId of accountIds) {
      const key = SessionKeys.byAccount(accountId);
      const stale = await this.redis.zrangebyscore(key, 0, olderThan.getTime());
      for (const id of stale) {
        const session = await this.get(id);
        if (session?.state === 'active') continue;
        await this.redis.multi().zrem(key, id).del(SessionKeys.session(id)).exec();
        removed += 1;
      }
    }
    return removed;
  }

  async accountIdsWithHistory(): Promise<string[]> {
    const ids: string[] = [];
    let cursor = '0';
    const prefix = SessionKeys.byAccount('');
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      ids.push(...keys.map((key) => key.slice(prefix.length)));
    } while (cursor !== '0');
    return ids;
  }
}
