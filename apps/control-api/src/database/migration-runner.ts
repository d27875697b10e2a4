import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { LockKeys } from '@lib-stream/contracts';
import { APP_CONFIG, AppConfig, HealthRegistry, RedisLocks } from '@lib-stream/nest-kit';

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
    private readonly health: HealthRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
    const lockMs = Math.max(60_000, this.config.STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS * 1000);
    await this.locks.withLock(LockKeys.migrations(), { ttlMs: lockMs, waitMs: lockMs }, async () => {
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) this.logger.log({ msg: 'migrations applied', migrations: applied.map((m) => m.name) });
    });
  }
}
