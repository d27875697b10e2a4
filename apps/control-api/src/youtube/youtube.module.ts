import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { SessionsModule } from '../sessions/sessions.module';
import { LiveChatPoller } from './live-chat.poller';
import { LiveChatStreamer } from './live-chat.streamer';
import { WebSubLeaseManager } from './websub-lease.manager';
import { YouTubeWebhookController } from './youtube-webhook.controller';

@Module({
  imports: [PlatformLinksModule, SessionsModule],
  controllers: [YouTubeWebhookController],
  providers: [LiveChatPoller, LiveChatStreamer, WebSubLeaseManager],
})
export class YouTubeModule {}
