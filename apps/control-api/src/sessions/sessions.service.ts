import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';

import { EventTopic, LockKeys, type PlatformSessionModel, StreamPlatform } from '@lib-stream/contracts';
import { EventBus, RedisLocks, ServiceSettings, SessionHistorySettings, eventHeader } from '@lib-stream/nest-kit';

import { type Principal, assertOwnAccount } from '../auth/principal';
import { LinkEvents } from '../platform-links/link-events';
import type { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import type { PlatformSessionStatus } from './dto/session.dto';
import { PlatformLiveCheck } from './platform-live-check';
import { SessionCounters } from './session-counters';
import { type SessionEndedEvent, SessionEvents } from './session-events';
import { SessionStore } from './session.store';
import { LiveChatTransports } from '../youtube/live-chat-transport';
import { YouTubeQuota } from '../youtube/youtube-quota';
import { ServiceErrors } from '../common/service.errors';
import { SessionErrors } from './session.errors';

@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly history: SessionHistorySettings,
    private readonly service: ServiceSettings,
    private readonly store: SessionStore,
    private readonly links: PlatformLinksRepository,
    private readonly liveCheck: PlatformLiveCheck,
    private readonly counters: SessionCounters,
    private readonly localEvents: EventEmitter2,
    private readonly events: EventBus,
    private readonly locks: RedisLocks,
    private readonly youtubeQuota: YouTubeQuota,
    private readonly youtubeChatTransports: LiveChatTransports,
  ) {}

  /** Unlinking (and account clean-up) stops the link's session before the link is deleted. */
  @OnEvent(LinkEvents.removing, { suppressErrors: false })
  async onLinkRemoving(link: PlatformLinkEntity): Promise<void> {
    await this.stopForLink(link.id);
  }

  async start(principal: Principal, accountId: string, platform: StreamPlatform): Promise<PlatformSessionStatus> {
    this.assertEnabled();
    assertOwnAccount(principal, accountId, 'account');
    const link = await this.links.findByAccountAndPlatform(accountId, platform);
    if (!link) throw SessionErrors.noLink(platform);
    if (link.needsRelink) throw SessionErrors.needsRelink(platform);
    if (await this.store.activeForLink(link.id)) throw SessionErrors.alreadyActive(platform);
    const live = await this.liveCheck.check(link);
    if (!live) throw SessionErrors.notLive(platform);
    return this.toStatus(await this.open(link, live.platformStreamId, live.viewerCount, live.liveChatId ?? null));
  }

  /** A push hinted the creator may be live (YouTube WebSub): ask the platform, open a session if so. */
  async startIfLive(link: PlatformLinkEntity): Promise<PlatformSessionModel | null> {
    if (!this.service.enabled) return null;
    const existing = await this.store.activeForLink(link.id);
    if (existing) return existing;
    const live = await this.liveCheck.check(link);
    return live ? this.open(link, live.platformStreamId, live.viewerCount, live.liveChatId ?? null) : null;
  }

  /** A platform said the creator went live (Twitch stream.online): open the session unless one is open. */
  async startFromPlatform(link: PlatformLinkEntity, platformStreamId: string | null): Promise<PlatformSessionModel | null> {
    if (!this.service.enabled) return null;
    const existing = await this.store.activeForLink(link.id);
    if (existing) return existing;
    return this.open(link, platformStreamId, 0);
  }

  async stop(principal: Principal, accountId: string, platformSessionId: string): Promise<PlatformSessionStatus> {
    this.assertEnabled();
    const session = await this.ownSession(principal, accountId, platformSessionId);
    if (session.state !== 'active') throw SessionErrors.notActive();
    return this.toStatus(await this.close(session));
  }

  async stopForLink(linkId: string): Promise<PlatformSessionModel | null> {
    const session = await this.store.findActiveForLink(linkId);
    return session ? this.close(session) : null;
  }

  async associate(principal: Principal, accountId: string, platformSessionId: string, inGameSessionId: string | null): Promise<PlatformSessionStatus> {
    this.assertEnabled();
    const session = await this.ownSession(principal, accountId, platformSessionId);
    return this.withSessionLock(platformSessionId, async () => {
      const current = (await this.store.get(platformSessionId)) ?? session;
      const updated = { ...current, inGameSessionId };
      await this.store.save(updated, current);
      return this.toStatus(updated);
    });
  }

  async status(principal: Principal, accountId: string, platformSessionId: string): Promise<PlatformSessionStatus> {
    this.assertEnabled();
    return this.toStatus(await this.ownSession(principal, accountId, platformSessionId));
  }

  async list(principal: Principal, accountId: string, offset: number, limit: number) {
    this.assertEnabled();
    assertOwnAccount(principal, accountId, 'account');
    const page = await this.store.listForAccount(accountId, offset, limit);
    return { sessions: await Promise.all(page.sessions.map((s) => this.toStatus(s))), total: page.total, offset, limit };
  }

  async activeSessionForLink(linkId: string): Promise<PlatformSessionModel | null> {
    return this.store.activeForLink(linkId);
  }

  async activeSessions(): Promise<PlatformSessionModel[]> {
    return this.store.active();
  }

  async session(platformSessionId: string): Promise<PlatformSessionModel | null> {
    return this.store.get(platformSessionId);
  }

  private async open(link: PlatformLinkEntity, platformStreamId: string | null, viewerCount: number, liveChatId: string | null = null): Promise<PlatformSessionModel> {
    const session: PlatformSessionModel = {
      platformSessionId: randomUUID(),
      linkId: link.id,
      accountId: link.accountId,
      platform: link.platform,
      state: 'active',
      platformStreamId,
      liveChatId,
      inGameSessionId: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      viewerCount,
      peakViewerCount: viewerCount,
    };
    // False when Redis or the database already holds an active session for the link (one not yet restored after a Redis loss included).
    if (!(await this.store.createActive(session))) throw SessionErrors.alreadyActive(link.platform);
    await this.publish(EventTopic.PlatformSessionStarted, {
      ...eventHeader(),
      platformSessionId: session.platformSessionId,
      accountId: session.accountId,
      platform: session.platform,
      inGameSessionId: null,
    });
    this.logger.log({ msg: 'platform session started', platformSessionId: session.platformSessionId, platform: session.platform });
    return session;
  }

  private async close(session: PlatformSessionModel): Promise<PlatformSessionModel> {
    return this.withSessionLock(session.platformSessionId, async () => {
      const current = (await this.store.get(session.platformSessionId)) ?? session;
      if (current.state !== 'active') return current;
      const ended: PlatformSessionModel = { ...current, state: 'ended', endedAt: new Date().toISOString() };
      await this.store.end(ended);
      await this.counters.retain(ended.platformSessionId, Math.max(1000, this.history.retentionMs));
      const event: SessionEndedEvent = { platformSessionId: ended.platformSessionId };
      await this.localEvents.emitAsync(SessionEvents.ended, event);
      await this.publish(EventTopic.PlatformSessionEnded, {
        ...eventHeader(),
        platformSessionId: ended.platformSessionId,
        accountId: ended.accountId,
        platform: ended.platform,
        durationSeconds: durationSeconds(ended),
        peakViewerCount: ended.peakViewerCount,
      });
      this.logger.log({ msg: 'platform session ended', platformSessionId: ended.platformSessionId });
      return ended;
    });
  }

  private async ownSession(principal: Principal, accountId: string, platformSessionId: string): Promise<PlatformSessionModel> {
    assertOwnAccount(principal, accountId, 'session');
    const session = await this.store.find(platformSessionId);
    if (!session || session.accountId !== accountId) throw SessionErrors.notFound();
    return session;
  }

  private async toStatus(session: PlatformSessionModel): Promise<PlatformSessionStatus> {
    const stats = await this.counters.stats(session.platformSessionId);
    return {
      platformSessionId: session.platformSessionId,
      accountId: session.accountId,
      linkId: session.linkId,
      platform: session.platform,
      state: session.state,
      inGameSessionId: session.inGameSessionId,
      startedAt: session.startedAt,
      endedAt: session.endedAt,
      durationSeconds: durationSeconds(session),
      viewerCount: session.viewerCount,
      peakViewerCount: session.peakViewerCount,
      sentimentDistribution: stats.categoryCounts as Record<string, number>,
      entriesAccepted: stats.accepted,
      entriesShed: stats.shed,
      messagesWithoutSentiment: stats.noSentiment,
      ...(await this.youtubeStatus(session)),
    };
  }

  /** YouTube sessions: the project's quota figures and how the chat is read (streamList or polling); null otherwise. */
  private async youtubeStatus(session: PlatformSessionModel): Promise<Pick<PlatformSessionStatus, 'youtubeQuotaUnitsToday' | 'youtubeQuota' | 'youtubeChat'>> {
    if (session.platform !== StreamPlatform.YouTube) return { youtubeQuotaUnitsToday: null, youtubeQuota: null, youtubeChat: null };
    const [quota, chat] = await Promise.all([this.youtubeQuota.snapshot(), this.youtubeChatTransports.get(session.platformSessionId)]);
    return { youtubeQuotaUnitsToday: quota.unitsToday, youtubeQuota: quota, youtubeChat: chat };
  }

  private withSessionLock<T>(platformSessionId: string, work: () => Promise<T>): Promise<T> {
    const ms = this.service.lockTimeoutMs;
    return this.locks.withLock(LockKeys.session(platformSessionId), { ttlMs: ms, waitMs: ms }, work);
  }

  private async publish<T extends typeof EventTopic.PlatformSessionStarted | typeof EventTopic.PlatformSessionEnded>(topic: T, payload: Parameters<EventBus['publish']>[1]): Promise<void> {
    try {
      await this.events.publish(topic, payload as never);
    } catch (error) {
      this.logger.error({ msg: 'could not publish session event', topic, reason: (error as Error).message });
    }
  }

  private assertEnabled(): void {
    if (!this.service.enabled) throw ServiceErrors.disabled();
  }
}

function durationSeconds(session: PlatformSessionModel): number {
  const end = session.endedAt ? Date.parse(session.endedAt) : Date.now();
  return Math.max(0, Math.round((end - Date.parse(session.startedAt)) / 1000));
}
