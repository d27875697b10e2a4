import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { LockKeys } from '@lib-stream/contracts';
import { DomainError, REDIS, RedisLocks, ServiceUnavailableError } from '@lib-stream/nest-kit';

const WRITE_LOCK_MS = 15_000;
const WRITE_WAIT_MS = 3_000;
const REBUILD_LOCK_MS = 60_000;

/**
 * One camera write or allow-list rebuild at a time across replicas. Without it a rebuild that read
 * the table just before a delete could write the deleted key back into the allow-list.
 */
@Injectable()
export class CameraLock {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly locks: RedisLocks,
  ) {}

  /**
   * For create, reset and delete. While Redis is away they answer 503 and change nothing: the key
   * could not reach the media workers (a new camera would not work yet, a revoked key would keep
   * working), so "done" would not be true.
   */
  async forWrite<T>(work: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') throw unavailable();
    const lock = await this.locks.acquire(LockKeys.cameras(), { ttlMs: WRITE_LOCK_MS, waitMs: WRITE_WAIT_MS }).catch(() => {
      throw unavailable();
    });
    try {
      return await work();
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  /** For the background rebuild: skips this round (null) when someone else holds the lock. */
  async tryRun<T>(work: () => Promise<T>): Promise<T | null> {
    const lock = await this.locks.tryAcquire(LockKeys.cameras(), REBUILD_LOCK_MS);
    if (!lock) return null;
    try {
      return await work();
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}

function unavailable(): DomainError {
  return new ServiceUnavailableError('Redis');
}
