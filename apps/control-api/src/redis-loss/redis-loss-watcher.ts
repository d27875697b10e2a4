import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

import { RedisLossKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

/** A FLUSHALL sends no event, so the marker is also looked at on this period. */
export const REDIS_LOSS_CHECK_INTERVAL_MS = 2000;

// Reads the epoch marker, creating it when absent, in one round trip.
const EPOCH = `local v = redis.call('GET', KEYS[1]) if not v then v = ARGV[1] redis.call('SET', KEYS[1], v) end return v`;

type Work = () => Promise<void>;

/**
 * Notices that Redis lost its data (FLUSHALL, a restart without persistence) and tells the
 * subscribers that re-seed it from the database. The sign is the epoch marker vanishing; it is
 * looked at on every Redis 'ready' and every couple of seconds. Every replica runs each
 * subscriber's loss work once per epoch (and once at start), so that work must be idempotent; work
 * that throws is run again at the next check, without re-running the subscribers that succeeded.
 */
@Injectable()
export class RedisLossWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RedisLossWatcher');
  private readonly lossWork: { name: string; work: Work; handledEpoch: string | null }[] = [];
  private readonly checkWork: Work[] = [];
  private lastEpoch: string | null = null;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly onReady = () => void this.check();

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Runs `work` at start and after every loss until it resolves. Register in onModuleInit. */
  onLoss(name: string, work: Work): void {
    this.lossWork.push({ name, work, handledEpoch: null });
  }

  /** Runs `work` on every check (after any loss work): for retries a subscriber keeps pending. */
  onCheck(work: Work): void {
    this.checkWork.push(work);
  }

  /** Before traffic (migrations have run in onModuleInit): the first check, unless Redis is away (then the timer does it). */
  async onApplicationBootstrap(): Promise<void> {
    await this.check();
    this.redis.on('ready', this.onReady);
    this.timer = setInterval(this.onReady, REDIS_LOSS_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
  }

  /** One check at a time; a caller arriving meanwhile waits for the running one. */
  check(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      const epoch = String(await this.redis.eval(EPOCH, 1, RedisLossKeys.epoch(), randomUUID()));
      if (this.lastEpoch !== null && epoch !== this.lastEpoch) this.logger.warn({ msg: 'Redis lost its data (flush or restart without persistence); re-seeding it from the database' });
      this.lastEpoch = epoch;
      await this.runLossWork(epoch);
    } catch (error) {
      this.logger.warn({ msg: 'Redis loss check failed, retrying', reason: (error as Error).message });
      return;
    }
    for (const work of this.checkWork) await work().catch((error: Error) => this.logger.warn({ msg: 'Redis check work failed, retrying', reason: error.message }));
  }

  private async runLossWork(epoch: string): Promise<void> {
    for (const subscriber of this.lossWork) {
      if (subscriber.handledEpoch === epoch) continue;
      try {
        await subscriber.work();
        subscriber.handledEpoch = epoch;
      } catch (error) {
        this.logger.warn({ msg: 're-seeding Redis failed, retrying', subscriber: subscriber.name, reason: (error as Error).message });
      }
    }
  }
}
