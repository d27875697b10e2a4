import { Module } from '@nestjs/common';

import { CameraRegistry } from './camera-registry';
import { EngineCamerasController } from './engine-cameras.controller';
import { IngestAllowList } from './ingest-allow-list';
import { IngestServer } from './ingest.server';

@Module({
  controllers: [EngineCamerasController],
  exports: [CameraRegistry, IngestServer],
  providers: [CameraRegistry, IngestAllowList, IngestServer],
})
export class IngestModule {}
