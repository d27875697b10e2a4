import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { RedisLossModule } from '../redis-loss/redis-loss.module';
import { YouTubeModule } from '../youtube/youtube.module';
import { LegacySessionImport } from './legacy-session-import';
import { PlatformLiveCheck } from './platform-live-check';
import { PlatformSessionsRepository } from './platform-sessions.repository';
import { SessionCleanupWorker } from './session-cleanup.worker';
import { SessionCounters } from './session-counters';
import { SessionRestorer } from './session-restorer';
import { SessionStore } from './session.store';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { ViewerCountRefresher } from './viewer-counts/viewer-count-refresher';

/**
 * A platform session's lifecycle: start and stop (by the creator or the platform), its record in Redis
 * and the database, restore after a Redis loss, clean-up, viewer counts and status. What the audience
 * does during a session is in `audience/`, which builds on this.
 */
@Module({
  controllers: [SessionsController],
  exports: [PlatformLiveCheck, SessionStore, SessionsService],
  imports: [PlatformLinksModule, RedisLossModule, YouTubeModule],
  providers: [
    LegacySessionImport,
    PlatformLiveCheck,
    PlatformSessionsRepository,
    SessionCleanupWorker,
    SessionCounters,
    SessionRestorer,
    SessionStore,
    SessionsService,
    ViewerCountRefresher,
  ],
})
export class SessionsModule {}
