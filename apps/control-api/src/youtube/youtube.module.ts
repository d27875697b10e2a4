import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { SessionsModule } from '../sessions/sessions.module';
import { LiveChatPoller } from './live-chat.poller';

@Module({
  imports: [PlatformLinksModule, SessionsModule],
  providers: [LiveChatPoller],
})
export class YouTubeModule {}
