import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { WebhookSubscriptionsModule } from '../webhook-subscriptions/webhook-subscriptions.module';
import { SentimentModule } from '../sentiment/sentiment.module';
import { CustomWebhookController } from '../webhooks/custom-webhook.controller';
import { LinkLookupCache } from '../webhooks/link-lookup.cache';
import { TwitchWebhookController } from '../webhooks/twitch-webhook.controller';
import { WebhookReplayGuard } from '../webhooks/webhook-replay-guard';
import { AudienceIngestService } from './audience-ingest.service';
import { PlatformLiveCheck } from './platform-live-check';
import { SentimentBuffer } from './sentiment-buffer';
import { SessionCleanupWorker } from './session-cleanup.worker';
import { SessionStore } from './session.store';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { YouTubeQuota } from '../youtube/youtube-quota';

@Module({
  controllers: [CustomWebhookController, SessionsController, TwitchWebhookController],
  exports: [AudienceIngestService, LinkLookupCache, SessionsService, YouTubeQuota],
  imports: [PlatformLinksModule, SentimentModule, WebhookSubscriptionsModule],
  providers: [AudienceIngestService, LinkLookupCache, PlatformLiveCheck, SentimentBuffer, SessionCleanupWorker, SessionStore, SessionsService, WebhookReplayGuard, YouTubeQuota],
})
export class SessionsModule {}
