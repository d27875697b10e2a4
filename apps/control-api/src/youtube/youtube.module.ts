import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { LiveChatTransports } from './live-chat-transport';
import { WebSubLeaseManager } from './websub-lease.manager';
import { YouTubeQuota } from './youtube-quota';

/**
 * What control-api keeps about YouTube itself: the project's daily quota (every YouTube call spends
 * from it), how each session's chat is read, and the WebSub leases of YouTube links. Sessions (live
 * check, viewer counts) and the audience's chat readers build on it; it depends on links only.
 */
@Module({
  exports: [LiveChatTransports, WebSubLeaseManager, YouTubeQuota],
  imports: [PlatformLinksModule],
  providers: [LiveChatTransports, WebSubLeaseManager, YouTubeQuota],
})
export class YouTubeModule {}
