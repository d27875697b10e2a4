import { Module } from '@nestjs/common';

import { BroadcastsModule } from '../broadcasts/broadcasts.module';
import { CamerasModule } from '../cameras/cameras.module';
import { SessionsModule } from '../sessions/sessions.module';
import { LiveEventFeed } from './live-event-feed';
import { LiveStatusServer } from './live-status.server';
import { LiveTicketController } from './live-ticket.controller';
import { LiveTicketStore } from './live-ticket.store';

/** Live status for dashboards: `/stream/events` (WebSocket) fed by one Redis subscriber per replica. */
@Module({
  controllers: [LiveTicketController],
  imports: [BroadcastsModule, CamerasModule, SessionsModule],
  providers: [LiveEventFeed, LiveStatusServer, LiveTicketStore],
  exports: [LiveEventFeed, LiveStatusServer],
})
export class LiveStatusModule {}
