import { Module } from '@nestjs/common';

import { BroadcastState } from '@lib-stream/broadcast-control';

import { IngestModule } from '../ingest/ingest.module';
import { AutoBroadcastStarter } from './auto-broadcast.starter';
import { BroadcastCoordinator } from './broadcast-coordinator';
import { BroadcastHealthMonitor } from './broadcast-health.monitor';
import { BroadcastStatusEvents } from './broadcast-status.events';
import { BroadcastValidator } from './broadcast-validator';
import { VoiceBroadcastsController } from './voice-broadcasts.controller';

@Module({
  imports: [IngestModule],
  controllers: [VoiceBroadcastsController],
  providers: [AutoBroadcastStarter, BroadcastCoordinator, BroadcastHealthMonitor, BroadcastState, BroadcastStatusEvents, BroadcastValidator],
  exports: [BroadcastCoordinator],
})
export class BroadcastModule {}
