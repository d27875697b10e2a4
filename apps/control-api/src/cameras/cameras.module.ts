import { Module } from '@nestjs/common';

import { BroadcastsModule } from '../broadcasts/broadcasts.module';
import { RedisLossModule } from '../redis-loss/redis-loss.module';
import { AllowListKeeper } from './allow-list-keeper';
import { CameraAllowList } from './camera-allow-list';
import { CameraLiveState } from './camera-live-state';
import { CameraLock } from './camera-lock';
import { CamerasController } from './cameras.controller';
import { CamerasRepository } from './cameras.repository';
import { CamerasService } from './cameras.service';
import { LegacyCameraImport } from './legacy-camera-import';

@Module({
  controllers: [CamerasController],
  imports: [BroadcastsModule, RedisLossModule],
  providers: [AllowListKeeper, CameraAllowList, CameraLiveState, CameraLock, CamerasRepository, CamerasService, LegacyCameraImport],
  // The live-status snapshot lists cameras as the REST list does.
  exports: [CamerasService],
})
export class CamerasModule {}
