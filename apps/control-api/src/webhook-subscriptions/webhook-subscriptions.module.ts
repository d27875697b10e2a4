import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { TwitchEventSubClient } from './twitch-eventsub.client';
import { WebhookSubscriptionManager } from './webhook-subscription.manager';

@Module({
  exports: [WebhookSubscriptionManager],
  imports: [PlatformLinksModule],
  providers: [TwitchEventSubClient, WebhookSubscriptionManager],
})
export class WebhookSubscriptionsModule {}
