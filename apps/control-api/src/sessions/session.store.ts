import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';
import { REDIS, SessionHistorySettings, scanKeys } from '@lib-stream/nest-kit';

import { ActiveSessionExistsError, PlatformSessionsRepository } from './platform-sessions.repository';
import type { ViewerUpdate } from './viewer-counts/viewer-count-refresh';
import { writeViewerCounts } from './viewer-counts/viewer-count-writes';

/** Viewer counts arrive with webhooks; the database gets the latest at most this late, once per period per session. */
export const VIEWER_CHECKPOINT_MS = 30_000;

// Deletes the link's claim only if it is still ours.
const RELEASE_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Platform sessions (store `stream-sessions`): Redis is the hot path (record, indexes by account and
 * link, the active set); every start, associate and end is written through to the database, which
 * SessionRestorer uses to rewrite Redis after a loss. A write whose second step fails undoes its first.
 */
@Injectable()
export class SessionStore implements BeforeApplicationShutdown {
  private readonly logger = new Logger('SessionStore');
  /** Per session: the latest viewer figures not yet in the database, and the timer that writes them. */
  private readonly viewerCheckpoints = new Map<string, { latest: PlatformSessionModel; timer: NodeJS.Timeout }>();
  private readonly createdListeners: ((session: PlatformSessionModel) => void)[] = [];

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly history: SessionHistorySettings,
    private readonly rows: PlatformSessionsRepository,
  ) {}

  /** Pending viewer checkpoints are written before the database connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.viewerCheckpoints.keys()].map((id) => this.checkpointViewers(id)));
  }

  /** Creates an active session unless the link already has one (in Redis or in the database); false when it does. */
  async createActive(session: PlatformSessionModel): Promise<boolean> {
    const claim = SessionKeys.activeByLink(session.linkId);
    const claimed = await this.redis.set(claim, session.platformSessionId, 'NX');
    if (claimed !== 'OK') return false;
    try {
      await this.rows.insert(session);
    } catch (error) {
      await this.releaseClaim(claim, session.platformSessionId);
      if (error instanceof ActiveSessionExistsError) return false;
      throw error;
    }
    try {
      await execOrThrow(
        this.redis
          .multi()
          .set(SessionKeys.session(session.platformSessionId), JSON.stringify(session))
          .zadd(SessionKeys.byAccount(session.accountId), Date.parse(session.startedAt), session.platformSessionId)
          .sadd(SessionKeys.active(), session.platformSessionId),
      );
    } catch (error) {
      await this.rows.remove(session.platformSessionId).catch(() => undefined);
      await this.releaseClaim(claim, session.platformSessionId);
      throw error;
    }
    for (const listener of this.createdListeners) {
      try {
        listener(session);
      } catch (error) {
        this.logger.warn({ msg: 'a session-created listener failed', reason: (error as Error).message });
      }
    }
    return true;
  }

  /** Called (synchronously, after the write) for each session this instance creates: e.g. to fetch its viewer count at once. */
  onActiveCreated(listener: (session: PlatformSessionModel) => void): void {
    this.createdListeners.push(listener);
  }

  /** Ids in the active set (some may have ended a moment ago: getActive filters them). */
  activeIds(): Promise<string[]> {
    return this.redis.smembers(SessionKeys.active());
  }

  /** Redis only: the active sessions among `ids`, read 500 at a time. */
  async getActive(ids: readonly string[]): Promise<PlatformSessionModel[]> {
    const out: PlatformSessionModel[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const raws = await this.redis.mget(ids.slice(i, i + 500).map((id) => SessionKeys.session(id)));
      for (const raw of raws) {
        const session = raw ? (JSON.parse(raw) as PlatformSessionModel) : null;
        if (session?.state === 'active') out.push(session);
      }
    }
    return out;
  }

  /**
   * Refreshed viewer counts: Redis atomically per session (count set, peak raised, only while active —
   * pulses and the ended event read these), the database at the next checkpoint. Returns the records
   * (after the write) of the sessions whose count changed.
   */
  async applyViewerCounts(updates: readonly ViewerUpdate[]): Promise<PlatformSessionModel[]> {
    const changed: PlatformSessionModel[] = [];
    for (const write of await writeViewerCounts(this.redis, updates)) {
      if (!write) continue;
      this.scheduleViewerCheckpoint(write.session);
      if (write.previousCount !== write.session.viewerCount) changed.push(write.session);
    }
    return changed;
  }

  /** Redis only: the webhook path. */
  async get(platformSessionId: string): Promise<PlatformSessionModel | null> {
    const raw = await this.redis.get(SessionKeys.session(platformSessionId));
    return raw ? (JSON.parse(raw) as PlatformSessionModel) : null;
  }

  /** For API calls: Redis, else the database (an ended session whose Redis record is gone, or one not yet restored). */
  async find(platformSessionId: string): Promise<PlatformSessionModel | null> {
    return (await this.get(platformSessionId)) ?? this.rows.findById(platformSessionId);
  }

  async active(): Promise<PlatformSessionModel[]> {
    return this.getActive(await this.activeIds());
  }

  async activeForLink(linkId: string): Promise<PlatformSessionModel | null> {
    const id = await this.activeIdForLink(linkId);
    return id ? this.get(id) : null;
  }

  /** Redis only: the id the link's active-session claim names, if any (its record is not read). */
  activeIdForLink(linkId: string): Promise<string | null> {
    return this.redis.get(SessionKeys.activeByLink(linkId));
  }

  /** For stops: Redis, else the database (a stream.offline or unlink arriving before a restore must still end it). */
  async findActiveForLink(linkId: string): Promise<PlatformSessionModel | null> {
    return (await this.activeForLink(linkId)) ?? this.rows.findActiveForLink(linkId);
  }

  /** associate: the database first, then Redis (only a record that exists: a missing one is restored from the row). */
  async save(session: PlatformSessionModel, previous: PlatformSessionModel): Promise<void> {
    await this.rows.update(session);
    try {
      await this.redis.set(SessionKeys.session(session.platformSessionId), JSON.stringify(session), 'KEEPTTL', 'XX');
    } catch (error) {
      await this.rows.update(previous).catch(() => undefined);
      throw error;
    }
  }

  /** Viewer counts: Redis on every update; the database once per VIEWER_CHECKPOINT_MS per session, with the latest figures. */
  async saveViewers(session: PlatformSessionModel): Promise<void> {
    await this.redis.set(SessionKeys.session(session.platformSessionId), JSON.stringify(session), 'KEEPTTL', 'XX');
    this.scheduleViewerCheckpoint(session);
  }

  private scheduleViewerCheckpoint(session: PlatformSessionModel): void {
    const pending = this.viewerCheckpoints.get(session.platformSessionId);
    if (pending) {
      pending.latest = session;
      return;
    }
    const timer = setTimeout(() => void this.checkpointViewers(session.platformSessionId), VIEWER_CHECKPOINT_MS);
    timer.unref();
    this.viewerCheckpoints.set(session.platformSessionId, { latest: session, timer });
  }

  /** Marks it ended (database first, so a restore cannot bring it back) and keeps it for STREAM_SESSION_HISTORY_RETENTION_HOURS. */
  async end(session: PlatformSessionModel): Promise<void> {
    const retentionMs = Math.max(1000, this.history.retentionMs); // at least a second, as EX 1 was
    await this.rows.markEnded(session);
    try {
      await execOrThrow(
        this.redis
          .multi()
          .set(SessionKeys.session(session.platformSessionId), JSON.stringify(session), 'PX', retentionMs)
          .del(SessionKeys.activeByLink(session.linkId))
          .srem(SessionKeys.active(), session.platformSessionId),
      );
    } catch (error) {
      await this.rows.markActive(session).catch(() => undefined);
      throw error;
    }
    this.dropViewerCheckpoint(session.platformSessionId);
  }

  /** Newest first, from the database; an active session's live figures (viewers) come from Redis. */
  async listForAccount(accountId: string, offset: number, limit: number): Promise<{ sessions: PlatformSessionModel[]; total: number }> {
    const page = await this.rows.listForAccount(accountId, offset, limit);
    const sessions = await Promise.all(page.sessions.map(async (row) => (row.state === 'active' ? ((await this.get(row.platformSessionId)) ?? row) : row)));
    return { sessions, total: page.total };
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

  /** SessionCleanupWorker: the database rows of sessions that ended before `before`. */
  purgeEndedRows(before: Date): Promise<number> {
    return this.rows.purgeEnded(before);
  }

  async accountIdsWithHistory(): Promise<string[]> {
    const prefix = SessionKeys.byAccount('');
    const keys = await scanKeys(this.redis, `${prefix}*`);
    return keys.map((key) => key.slice(prefix.length));
  }

  /** Best effort: a missed checkpoint only makes a restore's viewer figures older; the end writes the final ones. */
  private async checkpointViewers(platformSessionId: string): Promise<void> {
    const pending = this.viewerCheckpoints.get(platformSessionId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.viewerCheckpoints.delete(platformSessionId);
    await this.rows
      .updateViewers(platformSessionId, pending.latest.viewerCount, pending.latest.peakViewerCount)
      .catch((error: Error) => this.logger.warn({ msg: 'viewer count checkpoint failed', reason: error.message }));
  }

  private dropViewerCheckpoint(platformSessionId: string): void {
    const pending = this.viewerCheckpoints.get(platformSessionId);
    if (pending) clearTimeout(pending.timer);
    this.viewerCheckpoints.delete(platformSessionId);
  }

  private async releaseClaim(claim: string, platformSessionId: string): Promise<void> {
    await this.redis.eval(RELEASE_CLAIM, 1, claim, platformSessionId).catch(() => undefined);
  }
}

/** MULTI/EXEC reports a failed command in its reply rather than by rejecting. */
async function execOrThrow(tx: ReturnType<Redis['multi']>): Promise<void> {
  const results = await tx.exec();
  if (!results) throw new Error('session transaction aborted');
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0] as Error;
}
