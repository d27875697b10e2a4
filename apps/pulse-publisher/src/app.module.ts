import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig, ServiceIdentity, StreamKitModule } from '@lib-stream/nest-kit';

import { PublisherInfoController } from './publisher/publisher-info.controller';
import { PulseModule } from './pulse/pulse.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, identity: ServiceIdentity): DynamicModule {
    return {
      module: AppModule,
      controllers: [PublisherInfoController],
      imports: [PulseModule, StreamKitModule.forRoot({ config, identity })],
    };
  }
}
