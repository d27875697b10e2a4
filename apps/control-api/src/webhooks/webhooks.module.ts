import { Module } from '@nestjs/common';

import { AudienceModule } from '../audience/audience.module';
import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { SessionsModule } from '../sessions/sessions.module';
import { WebhookSubscriptionsModule } from '../webhook-subscriptions/webhook-subscriptions.module';
import { YouTubeModule } from '../youtube/youtube.module';
import { CustomWebhookController } from './custom-webhook.controller';
import { LinkLookupCache } from './link-lookup.cache';
import { TwitchWebhookController } from './twitch-webhook.controller';
import { TwitchWebhookReceiver } from './twitch-webhook.receiver';
import { TwitchWebhookRoute } from './twitch-webhook.route';
import { WebhookReplayGuard } from './webhook-replay-guard';
import { YouTubeWebhookController } from './youtube-webhook.controller';

/**
 * What the platforms push to `/stream/webhook/*` (Twitch EventSub, YouTube WebSub, the custom
 * platform): signature and replay checks, then session starts and stops, and audience events.
 */
@Module({
  controllers: [CustomWebhookController, TwitchWebhookController, YouTubeWebhookController],
  imports: [AudienceModule, PlatformLinksModule, SessionsModule, WebhookSubscriptionsModule, YouTubeModule],
  providers: [LinkLookupCache, TwitchWebhookReceiver, TwitchWebhookRoute, WebhookReplayGuard],
})
export class WebhooksModule {}
