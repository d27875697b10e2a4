import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { BroadcastState } from '@lib-stream/broadcast-control';
import { QueueNames } from '@lib-stream/contracts';

import { PlatformLinksModule } from '../platform-links/platform-links.module';
import { BroadcastAccountCleanup } from './broadcast-account-cleanup';
import { BroadcastsController } from './broadcasts.controller';
import { BroadcastsEnabledGuard } from './broadcasts-enabled.guard';
import { BroadcastsService } from './broadcasts.service';

@Module({
  controllers: [BroadcastsController],
  imports: [BullModule.registerQueue({ name: QueueNames.BroadcastAssignments }, { name: QueueNames.BroadcastValidations }), PlatformLinksModule],
  providers: [BroadcastAccountCleanup, BroadcastState, BroadcastsEnabledGuard, BroadcastsService],
  exports: [BroadcastsService],
})
export class BroadcastsModule {}
