import { Module } from '@nestjs/common';

import { CameraRegistry } from './camera-registry';
import { EngineCamerasController } from './engine-cameras.controller';
import { IngestAllowList } from './ingest-allow-list';
import { IngestServer } from './ingest.server';
import { SourceUrlCipher } from './source-url-cipher';

@Module({
  controllers: [EngineCamerasController],
  exports: [CameraRegistry, IngestServer],
  providers: [CameraRegistry, IngestAllowList, IngestServer, SourceUrlCipher],
})
export class IngestModule {}
