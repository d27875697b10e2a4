import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { QueueNames } from '@lib-stream/contracts';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { BroadcastStore } from './broadcast.store';
import { BroadcastsController } from './broadcasts.controller';
import { BroadcastsEnabledGuard } from './broadcasts-enabled.guard';
import { BroadcastsService } from './broadcasts.service';

@Module({
  controllers: [BroadcastsController],
  imports: [BullModule.registerQueue({ name: QueueNames.BroadcastAssignments }, { name: QueueNames.BroadcastValidations }), PlatformLinksModule],
  providers: [BroadcastStore, BroadcastsEnabledGuard, BroadcastsService],
  exports: [BroadcastsService],
})
export class BroadcastsModule {}
