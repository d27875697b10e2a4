import { Module } from '@nestjs/common';

import { RedisLossWatcher } from './redis-loss-watcher';

/** One watcher per process, shared by everything that re-seeds Redis from the database. */
@Module({
  exports: [RedisLossWatcher],
  providers: [RedisLossWatcher],
})
export class RedisLossModule {}
