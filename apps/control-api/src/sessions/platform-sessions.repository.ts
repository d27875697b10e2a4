import { Injectable } from '@nestjs/common';
import { DataSource, In, LessThan, type Repository } from 'typeorm';

import type { PlatformSessionModel } from '@lib-stream/contracts';

import { PlatformSessionEntity } from './platform-session.entity';

/** The link already has an active session in the database (the unique index decided). */
export class ActiveSessionExistsError extends Error {
  override readonly name = 'ActiveSessionExistsError';
}

/** Platform sessions in the database: the durable copy of what Redis serves. Each write is one statement. */
@Injectable()
export class PlatformSessionsRepository {
  private readonly sessions: Repository<PlatformSessionEntity>;

  constructor(dataSource: DataSource) {
    this.sessions = dataSource.getRepository(PlatformSessionEntity);
  }

  async insert(session: PlatformSessionModel): Promise<void> {
    try {
      await this.sessions.insert(toEntity(session));
    } catch (error) {
      const text = String((error as { message?: string }).message ?? '') + String((error as { driverError?: { message?: string } }).driverError?.message ?? '');
      if (/uq_platform_sessions_active_link|active_link_id|UNIQUE constraint|Duplicate entry/i.test(text)) throw new ActiveSessionExistsError();
      throw error;
    }
  }

  /** Undoes an insert whose Redis step failed, so a failed start leaves nothing behind. */
  async remove(platformSessionId: string): Promise<void> {
    await this.sessions.delete({ id: platformSessionId });
  }

  /** The fields that change while it runs (never the state: only start and end decide that). */
  async update(session: PlatformSessionModel): Promise<void> {
    await this.sessions.update(
      { id: session.platformSessionId },
      { inGameSessionId: session.inGameSessionId, viewerCount: session.viewerCount, peakViewerCount: session.peakViewerCount },
    );
  }

  /** Only the viewer figures of an active row, so a late checkpoint cannot undo an associate or an end's final figures. */
  async updateViewers(platformSessionId: string, viewerCount: number, peakViewerCount: number): Promise<void> {
    await this.sessions.update({ id: platformSessionId, state: 'active' }, { viewerCount, peakViewerCount });
  }

  async markEnded(session: PlatformSessionModel): Promise<void> {
    await this.sessions.update(
      { id: session.platformSessionId },
      {
        state: 'ended',
        activeLinkId: null,
        endedAt: new Date(session.endedAt ?? Date.now()),
        inGameSessionId: session.inGameSessionId,
        viewerCount: session.viewerCount,
        peakViewerCount: session.peakViewerCount,
      },
    );
  }

  /** Undoes markEnded when the Redis step of a stop failed. */
  async markActive(session: PlatformSessionModel): Promise<void> {
    await this.sessions.update({ id: session.platformSessionId }, { state: 'active', activeLinkId: session.linkId, endedAt: null });
  }

  async findById(platformSessionId: string): Promise<PlatformSessionModel | null> {
    const row = await this.sessions.findOneBy({ id: platformSessionId });
    return row ? toModel(row) : null;
  }

  async findActiveForLink(linkId: string): Promise<PlatformSessionModel | null> {
    const row = await this.sessions.findOneBy({ activeLinkId: linkId });
    return row ? toModel(row) : null;
  }

  /** Which of these ids have a row. */
  async existingIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.sessions.find({ select: { id: true }, where: { id: In(ids) } });
    return new Set(rows.map((row) => row.id));
  }

  async findActive(): Promise<PlatformSessionModel[]> {
    return (await this.sessions.find({ where: { state: 'active' }, order: { startedAt: 'ASC' } })).map(toModel);
  }

  /** Newest first. */
  async listForAccount(accountId: string, offset: number, limit: number): Promise<{ sessions: PlatformSessionModel[]; total: number }> {
    const [rows, total] = await this.sessions.findAndCount({ where: { accountId }, order: { startedAt: 'DESC', id: 'DESC' }, skip: offset, take: limit });
    return { sessions: rows.map(toModel), total };
  }

  /** Ended sessions that ended before `before` (the history retention). */
  async purgeEnded(before: Date): Promise<number> {
    const result = await this.sessions.delete({ state: 'ended', endedAt: LessThan(before) });
    return result.affected ?? 0;
  }
}

function toEntity(session: PlatformSessionModel): PlatformSessionEntity {
  return {
    id: session.platformSessionId,
    linkId: session.linkId,
    activeLinkId: session.state === 'active' ? session.linkId : null,
    accountId: session.accountId,
    platform: session.platform,
    state: session.state,
    platformStreamId: session.platformStreamId,
    liveChatId: session.liveChatId ?? null,
    inGameSessionId: session.inGameSessionId,
    startedAt: new Date(session.startedAt),
    endedAt: session.endedAt ? new Date(session.endedAt) : null,
    viewerCount: session.viewerCount,
    peakViewerCount: session.peakViewerCount,
  };
}

function toModel(row: PlatformSessionEntity): PlatformSessionModel {
  return {
    platformSessionId: row.id,
    linkId: row.linkId,
    accountId: row.accountId,
    platform: row.platform,
    state: row.state,
    platformStreamId: row.platformStreamId,
    liveChatId: row.liveChatId,
    inGameSessionId: row.inGameSessionId,
    startedAt: new Date(row.startedAt).toISOString(),
    endedAt: row.endedAt ? new Date(row.endedAt).toISOString() : null,
    viewerCount: row.viewerCount,
    peakViewerCount: row.peakViewerCount,
  };
}
