import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig, ServiceIdentity, StreamKitModule } from '@lib-stream/nest-kit';

import { BroadcastModule } from './broadcast/broadcast.module';
import { IngestModule } from './ingest/ingest.module';
import { WorkerInfoController } from './worker/worker-info.controller';
import { WorkerInfoService } from './worker/worker-info.service';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, identity: ServiceIdentity): DynamicModule {
    return {
      module: AppModule,
      controllers: [WorkerInfoController],
      imports: [IngestModule, BroadcastModule, StreamKitModule.forRoot({ config, identity })],
      providers: [WorkerInfoService],
    };
  }
}
