import { Module } from '@nestjs/common';

import { CameraRegistry } from './camera-registry';
import { EngineCamerasController } from './engine-cameras.controller';
import { IngestAllowList } from './ingest-allow-list';
import { IngestServer } from './ingest.server';
import { NmsAdapter } from './nms-adapter';
import { ProgramBus } from './program-bus';

@Module({
  controllers: [EngineCamerasController],
  exports: [CameraRegistry, IngestAllowList, IngestServer, ProgramBus],
  providers: [CameraRegistry, IngestAllowList, IngestServer, NmsAdapter, ProgramBus],
})
export class IngestModule {}
