import { Module } from '@nestjs/common';

import { CameraCredentialsStore } from './camera-credentials.store';
import { CamerasController } from './cameras.controller';
import { CamerasService } from './cameras.service';

@Module({
  controllers: [CamerasController],
  providers: [CameraCredentialsStore, CamerasService],
})
export class CamerasModule {}
