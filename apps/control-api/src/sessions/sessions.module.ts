import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { RedisLossModule } from '../redis-loss/redis-loss.module';
import { WebhookSubscriptionsModule } from '../webhook-subscriptions/webhook-subscriptions.module';
import { SentimentModule } from '../sentiment/sentiment.module';
import { CustomWebhookController } from '../webhooks/custom-webhook.controller';
import { LinkLookupCache } from '../webhooks/link-lookup.cache';
import { RedisMicroBatch } from '../webhooks/redis-micro-batch';
import { TwitchWebhookController } from '../webhooks/twitch-webhook.controller';
import { TwitchWebhookReceiver } from '../webhooks/twitch-webhook.receiver';
import { TwitchWebhookRoute } from '../webhooks/twitch-webhook.route';
import { WebhookReplayGuard } from '../webhooks/webhook-replay-guard';
import { AudienceIngestService } from './audience-ingest.service';
import { LegacySessionImport } from './legacy-session-import';
import { PlatformLiveCheck } from './platform-live-check';
import { SentimentBuffer } from './sentiment-buffer';
import { PlatformSessionsRepository } from './platform-sessions.repository';
import { ReturnerMemory } from './returner-ledger';
import { SessionCleanupWorker } from './session-cleanup.worker';
import { SessionRestorer } from './session-restorer';
import { SessionStore } from './session.store';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { ViewerCountRefresher } from './viewer-counts/viewer-count-refresher';
import { LiveChatTransports } from '../youtube/live-chat-transport';
import { YouTubeQuota } from '../youtube/youtube-quota';

@Module({
  controllers: [CustomWebhookController, SessionsController, TwitchWebhookController],
  exports: [AudienceIngestService, LinkLookupCache, LiveChatTransports, SessionsService, YouTubeQuota],
  imports: [PlatformLinksModule, RedisLossModule, SentimentModule, WebhookSubscriptionsModule],
  providers: [
    AudienceIngestService,
    LegacySessionImport,
    LinkLookupCache,
    LiveChatTransports,
    PlatformLiveCheck,
    PlatformSessionsRepository,
    RedisMicroBatch,
    ReturnerMemory,
    SentimentBuffer,
    SessionCleanupWorker,
    SessionRestorer,
    SessionStore,
    SessionsService,
    TwitchWebhookReceiver,
    TwitchWebhookRoute,
    ViewerCountRefresher,
    WebhookReplayGuard,
    YouTubeQuota,
  ],
})
export class SessionsModule {}
