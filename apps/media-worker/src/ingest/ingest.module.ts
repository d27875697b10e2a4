import { Module } from '@nestjs/common';

import { CameraRegistry } from './camera-registry';
import { EngineCamerasController } from './engine-cameras.controller';
import { IngestAllowList } from './ingest-allow-list';
import { IngestServer } from './ingest.server';
import { NmsAdapter } from './nms-adapter';
import { ProgramBus } from './program-bus';
import { SourceUrlCipher } from './source-url-cipher';

@Module({
  controllers: [EngineCamerasController],
  exports: [CameraRegistry, IngestAllowList, IngestServer, ProgramBus, SourceUrlCipher],
  providers: [CameraRegistry, IngestAllowList, IngestServer, NmsAdapter, ProgramBus, SourceUrlCipher],
})
export class IngestModule {}
