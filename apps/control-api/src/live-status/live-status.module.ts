import { Module } from '@nestjs/common';

import { BroadcastsModule } from '../broadcasts/broadcasts.module';
import { SessionsModule } from '../sessions/sessions.module';
import { LiveEventFeed } from './live-event-feed';
import { LiveStatusServer } from './live-status.server';

/** Live status for dashboards: `/stream/events` (WebSocket) fed by one Redis subscriber per replica. */
@Module({
  imports: [BroadcastsModule, SessionsModule],
  providers: [LiveEventFeed, LiveStatusServer],
  exports: [LiveEventFeed, LiveStatusServer],
})
export class LiveStatusModule {}
