import { Module } from '@nestjs/common';

import { IngestModule } from '../ingest/ingest.module';
import { AutoBroadcastStarter } from './auto-broadcast.starter';
import { BroadcastCoordinator } from './broadcast-coordinator';
import { BroadcastHealthMonitor } from './broadcast-health.monitor';
import { BroadcastStatusEvents } from './broadcast-status.events';
import { BroadcastValidator } from './broadcast-validator';
import { BroadcastStore } from './broadcast.store';
import { VoiceBroadcastsController } from './voice-broadcasts.controller';

@Module({
  imports: [IngestModule],
  controllers: [VoiceBroadcastsController],
  providers: [AutoBroadcastStarter, BroadcastCoordinator, BroadcastHealthMonitor, BroadcastStatusEvents, BroadcastStore, BroadcastValidator],
  exports: [BroadcastCoordinator],
})
export class BroadcastModule {}
