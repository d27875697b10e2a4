import { Module } from '@nestjs/common';

import { BroadcastsModule } from '../broadcasts/broadcasts.module';
import { CameraCredentialsStore } from './camera-credentials.store';
import { CamerasController } from './cameras.controller';
import { CamerasService } from './cameras.service';

@Module({
  controllers: [CamerasController],
  imports: [BroadcastsModule],
  providers: [CameraCredentialsStore, CamerasService],
})
export class CamerasModule {}
