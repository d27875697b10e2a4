import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

import { LockKeys } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, type Lock, RedisLocks } from '@lib-stream/nest-kit';

import { PulseMetrics } from './pulse-metrics';
import { PulseTicker } from './pulse-ticker';

/** The leader's lease: half an interval (at least 1.5 s), so a takeover is quicker than an entry's expiry. */
export function leaderLeaseMs(config: AppConfig): number {
  return Math.max(1500, Math.floor((config.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS * 1000) / 2));
}

/**
 * SentimentBatchPublisher: one active leader across replicas through `stream:lock:sentiment-publisher`,
 * held with a short lease renewed every third of it. Followers retry as
 * often, so a dead leader is replaced within one interval plus the lease. Ticks follow a fixed
 * schedule from when leadership began; a tick that overruns skips the slots it missed (no drift).
 */
@Injectable()
export class PulseLeader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SentimentBatchPublisher');
  private lock: Lock | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking: Promise<unknown> = Promise.resolve();
  private nextTickAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly locks: RedisLocks,
    private readonly ticker: PulseTicker,
    private readonly metrics: PulseMetrics,
  ) {}

  private get intervalMs(): number {
    return this.config.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS * 1000;
  }

  private get leaseMs(): number {
    return leaderLeaseMs(this.config);
  }

  isLeader(): boolean {
    return this.lock !== null;
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    // Hand over at once instead of making the next leader wait for the lease to run out.
    await this.lock?.release().catch(() => false);
    this.lock = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.step(), delayMs);
  }

  private async step(): Promise<void> {
    const renewEvery = Math.max(500, Math.floor(this.leaseMs / 3));
    try {
      if (!this.lock) {
        this.lock = await this.locks.tryAcquire(LockKeys.sentimentPublisher(), this.leaseMs);
        if (this.lock) {
          this.logger.log({ msg: 'became the pulse publishing leader' });
          this.nextTickAt = Date.now();
        }
      } else if (!(await this.lock.extend(this.leaseMs))) {
        this.logger.warn({ msg: 'lost pulse publishing leadership' });
        this.lock = null;
      }
      this.metrics.leader.set(this.lock ? 1 : 0);
      if (this.lock && Date.now() >= this.nextTickAt) {
        const lateMs = Date.now() - this.nextTickAt;
        this.metrics.lag.set(lateMs / 1000);
        const tick = this.ticker.tick(new Date());
        this.ticking = tick;
        await tick;
        const missed = Math.floor((Date.now() - this.nextTickAt) / this.intervalMs);
        this.nextTickAt += (missed + 1) * this.intervalMs;
      }
    } catch (error) {
      this.logger.error({ msg: 'pulse publishing step failed', reason: (error as Error).message });
    }
    const untilTick = this.lock ? Math.max(0, this.nextTickAt - Date.now()) : renewEvery;
    this.schedule(Math.min(renewEvery, untilTick));
  }
}
