import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import type { DatabaseSettings } from '@lib-stream/nest-kit';

import { DatabaseProbe } from './database-probe';
import { dataSourceOptions } from './database.options';
import { MigrationRunner } from './migration-runner';

@Module({})
export class DatabaseModule {
  /** The TypeORM connection for `database` (built by the caller from the config it boots with), the probe and the migration runner. */
  static forRoot(database: DatabaseSettings): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(database), retryAttempts: 3, retryDelay: 1000 })],
      providers: [DatabaseProbe, MigrationRunner],
    };
  }
}
