import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

import { PulseSettings } from '@lib-stream/nest-kit';

import { PartitionLeases } from './partitions/partition-leases';
import { PulseMetrics } from './pulse-metrics';
import { PulseTicker } from './pulse-ticker';

/**
 * SentimentBatchPublisher: ticks the partitions this replica leases at every interval boundary of the
 * wall clock (epoch ms / interval), so all replicas publish the same interval at the same time and the
 * delay past the boundary is the pulses' lateness. Partitions adopted in the middle of an interval get a
 * catch-up tick at once (the claim skips those their previous holder already ticked in it). Ticks never
 * overlap; one that overruns a boundary makes the next wait for the following one (missed slots skipped).
 */
@Injectable()
export class PulseScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SentimentBatchPublisher');
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private queue: Promise<unknown> = Promise.resolve();
  private running = 0;

  constructor(
    private readonly pulse: PulseSettings,
    private readonly leases: PartitionLeases,
    private readonly ticker: PulseTicker,
    private readonly metrics: PulseMetrics,
  ) {}

  private get intervalMs(): number {
    return this.pulse.intervalMs;
  }

  onApplicationBootstrap(): void {
    // Give partitions back only between ticks and not just before a boundary, so a partition is never
    // claimed for an interval by this replica and then taken from it before it was drained.
    const mayShed = () => this.running === 0 && this.intervalMs - (Date.now() % this.intervalMs) > this.leases.renewEveryMs;
    this.leases.start({ mayShed, adopted: (partitions) => this.enqueue(partitions) });
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop({ release: true });
  }

  /** Stops ticking; `release: false` leaves the leases to expire, as a crashed replica would. */
  async stop({ release }: { release: boolean }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.queue;
    await this.leases.stop({ release });
  }

  private schedule(): void {
    if (this.stopped) return;
    const boundary = (Math.floor(Date.now() / this.intervalMs) + 1) * this.intervalMs;
    this.fireAt(boundary);
  }

  /**
   * Ticks at `boundary` (epoch ms). Timers run on the monotonic clock and may fire a few ms before the
   * wall clock reaches the boundary; such a tick would claim the interval that is ending (already
   * ticked) and the new one would be skipped, so an early timer waits out the rest first.
   */
  private fireAt(boundary: number): void {
    this.timer = setTimeout(() => {
      if (Date.now() < boundary) return this.fireAt(boundary);
      this.enqueue(null);
      void this.queue.then(() => this.schedule());
    }, Math.max(1, boundary - Date.now()));
  }

  /** Queues a tick of `partitions` (null: all held) for the interval current when it starts. */
  private enqueue(partitions: number[] | null): void {
    if (this.stopped) return;
    this.running += 1;
    this.queue = this.queue.then(async () => {
      try {
        if (this.stopped) return;
        const now = new Date();
        const interval = Math.floor(now.getTime() / this.intervalMs);
        this.metrics.lag.set((now.getTime() - interval * this.intervalMs) / 1000);
        const report = await this.ticker.tick(now, { interval, partitions: partitions ?? this.leases.held() });
        if (report.cutShort) this.logger.warn({ msg: 'pulse tick ran out of time; the rest waits for the next interval', sessions: report.sessions, processed: report.processed });
      } catch (error) {
        this.logger.error({ msg: 'pulse publishing tick failed', reason: (error as Error).message });
      } finally {
        this.running -= 1;
      }
    });
  }
}
