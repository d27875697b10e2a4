import { Module } from '@nestjs/common';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { SentimentModule } from '../sentiment/sentiment.module';
import { SessionsModule } from '../sessions/sessions.module';
import { YouTubeModule } from '../youtube/youtube.module';
import { AudienceIngestService } from './audience-ingest.service';
import { RedisMicroBatch } from './redis-micro-batch';
import { ReturnerMemory } from './returner-ledger';
import { SentimentBuffer } from './sentiment-buffer';
import { LiveChatPoller } from './youtube-chat/live-chat.poller';
import { LiveChatStreamer } from './youtube-chat/live-chat.streamer';

/**
 * The live audience of an active session: platform events mapped to audience events (`mappers/`),
 * scored into anonymous entries with tracked viewers, and buffered for the next pulse; YouTube chat
 * read by streamList or polling. The privacy boundary: nothing identifying leaves this module.
 */
@Module({
  exports: [AudienceIngestService, RedisMicroBatch],
  imports: [PlatformLinksModule, SentimentModule, SessionsModule, YouTubeModule],
  providers: [AudienceIngestService, LiveChatPoller, LiveChatStreamer, RedisMicroBatch, ReturnerMemory, SentimentBuffer],
})
export class AudienceModule {}
