import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig, ServiceIdentity, StreamKitModule } from '@lib-stream/nest-kit';

import { IngestModule } from './ingest/ingest.module';
import { WorkerInfoController } from './worker/worker-info.controller';
import { WorkerInfoService } from './worker/worker-info.service';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, identity: ServiceIdentity): DynamicModule {
    return {
      module: AppModule,
      controllers: [WorkerInfoController],
      imports: [IngestModule, StreamKitModule.forRoot({ config, identity })],
      providers: [WorkerInfoService],
    };
  }
}
