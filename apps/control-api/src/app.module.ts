import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';

import { AppConfig, ServiceIdentity, StreamKitModule } from '@lib-stream/nest-kit';

import { AdminModule } from './admin/admin.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { DatabaseModule } from './database/database.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, identity: ServiceIdentity): DynamicModule {
    return {
      module: AppModule,
      imports: [AdminModule, DatabaseModule.forRoot(config), StreamKitModule.forRoot({ config, identity })],
      providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }],
    };
  }
}
