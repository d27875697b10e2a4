import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import type { AppConfig } from '@lib-stream/nest-kit';

import { DatabaseProbe } from './database-probe';
import { dataSourceOptions } from './database.options';
import { MigrationRunner } from './migration-runner';

@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(config), retryAttempts: 3, retryDelay: 1000 })],
      providers: [DatabaseProbe, MigrationRunner],
    };
  }
}
