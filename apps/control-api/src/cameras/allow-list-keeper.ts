import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';

import type { CameraCredentialsChange } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

import { RedisLossWatcher } from '../redis-loss/redis-loss-watcher';
import { CameraAllowList } from './camera-allow-list';
import { CameraLock } from './camera-lock';
import { CamerasRepository } from './cameras.repository';
import { LegacyCameraImport } from './legacy-camera-import';

/**
 * Keeps the Redis allow-list equal to the database. It rebuilds at start, after a Redis loss
 * (RedisLossWatcher), when the generation marker is missing and after a write whose Redis step
 * failed; the watcher's periodic check retries whatever is pending. Older versions' Redis-only
 * camera records are imported first.
 */
@Injectable()
export class AllowListKeeper implements OnModuleInit {
  private readonly logger = new Logger('AllowListKeeper');
  private readonly unsynced: CameraCredentialsChange[] = [];
  private rebuiltOnce = false;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly allowList: CameraAllowList,
    private readonly lock: CameraLock,
    private readonly cameras: CamerasRepository,
    private readonly legacy: LegacyCameraImport,
    private readonly watcher: RedisLossWatcher,
  ) {}

  onModuleInit(): void {
    // A failed rebuild leaves rebuiltOnce false, so the periodic check takes it up again.
    this.watcher.onLoss('camera allow-list', () => {
      this.rebuiltOnce = false;
      return this.check();
    });
    this.watcher.onCheck(() => this.check());
  }

  /** A write committed to the database but Redis missed it; the next check replays it. */
  markUnsynced(change: CameraCredentialsChange): void {
    this.unsynced.push(change);
  }

  /** One check at a time; a caller arriving meanwhile waits for the running one. */
  check(): Promise<void> {
    this.running ??= this.sync().finally(() => (this.running = null));
    return this.running;
  }

  private async sync(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      if (!(await this.needsWork())) return;
      await this.lock.tryRun(async () => {
        const imported = (await this.legacy.pending()) ? await this.legacy.run() : 0;
        // Checked again under the lock: another replica may have rebuilt meanwhile.
        if (imported === 0 && this.rebuiltOnce && this.unsynced.length === 0 && (await this.allowList.hasGeneration())) return;
        const replay = this.unsynced.splice(0);
        try {
          const result = await this.allowList.rebuild(await this.cameras.keyHashes(), replay);
          if (result.generation) this.logger.log({ msg: 'ingest allow-list rebuilt from the database', ...result });
          this.rebuiltOnce = true;
        } catch (error) {
          this.unsynced.unshift(...replay);
          throw error;
        }
      });
    } catch (error) {
      this.logger.warn({ msg: 'ingest allow-list check failed, retrying', error: (error as Error).message });
    }
  }

  private async needsWork(): Promise<boolean> {
    if (!this.rebuiltOnce || this.unsynced.length > 0) return true;
    return !(await this.allowList.hasGeneration()) || (await this.legacy.pending());
  }
}
