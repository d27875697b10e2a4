import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';

import type { CameraCredentialsChange } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

import { CameraAllowList } from './camera-allow-list';
import { CameraLock } from './camera-lock';
import { CamerasRepository } from './cameras.repository';
import { LegacyCameraImport } from './legacy-camera-import';

/** A FLUSHALL sends no event, so the generation marker is also looked at on this period. */
export const ALLOW_LIST_CHECK_INTERVAL_MS = 2000;

/**
 * Keeps the Redis allow-list equal to the database. It rebuilds at start, when the generation
 * marker has vanished (a flush, or a restart without persistence — looked at on every Redis
 * 'ready' and every couple of seconds) and after a write whose Redis step failed. Older versions'
 * Redis-only camera records are imported first.
 */
@Injectable()
export class AllowListKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AllowListKeeper');
  private readonly unsynced: CameraCredentialsChange[] = [];
  private rebuiltOnce = false;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly onReady = () => void this.check();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly allowList: CameraAllowList,
    private readonly lock: CameraLock,
    private readonly cameras: CamerasRepository,
    private readonly legacy: LegacyCameraImport,
  ) {}

  /** Before traffic: legacy records imported and the list rebuilt, unless Redis is away (then the timer does it). */
  async onApplicationBootstrap(): Promise<void> {
    await this.check();
    this.redis.on('ready', this.onReady);
    this.timer = setInterval(this.onReady, ALLOW_LIST_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
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
