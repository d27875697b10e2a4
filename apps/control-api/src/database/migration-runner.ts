import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import * as mysql2 from 'mysql2';
import { DataSource, type DataSourceOptions } from 'typeorm';

import { LockKeys } from '@lib-stream/contracts';
import { RedisLocks, ServiceSettings } from '@lib-stream/nest-kit';

/**
 * Applies pending migrations before the API takes traffic. Several replicas may start together,
 * so one at a time migrates under a Redis lock; the others find nothing left to do.
 */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly locks: RedisLocks,
    private readonly service: ServiceSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    const lockMs = Math.max(60_000, this.service.lockTimeoutMs);
    await this.locks.withLock(LockKeys.migrations(), { ttlMs: lockMs, waitMs: lockMs }, async () => {
      const applied = await this.withMigrationSource((source) => source.runMigrations({ transaction: 'each' }));
      if (applied.length > 0) this.logger.log({ msg: 'migrations applied', migrations: applied.map((m) => m.name) });
    });
  }

  /**
   * On MySQL, migrations get a DataSource of their own without the request deadlines (one-second
   * connect and query limits, see mysql-guards.ts): a schema change may rightly take longer.
   */
  private async withMigrationSource<T>(work: (source: DataSource) => Promise<T>): Promise<T> {
    if (this.dataSource.options.type !== 'mysql') return work(this.dataSource);
    const { enableQueryTimeout: _timeout, subscribers: _subscribers, extra: _extra, ...options } = this.dataSource.options;
    const source = new DataSource({ ...options, driver: mysql2, connectTimeout: 10_000, extra: { connectionLimit: 1 } } as DataSourceOptions);
    await source.initialize();
    try {
      return await work(source);
    } finally {
      await source.destroy();
    }
  }
}
