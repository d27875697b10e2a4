import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { Job, Queue } from 'bull';

import { QueueNames } from '@lib-stream/contracts';
import { PlatformApiSettings, currentCorrelationId, withCorrelationId } from '@lib-stream/nest-kit';

import { PlatformLinksRepository } from './platform-links.repository';
import { TokenRefreshService } from './token-refresh.service';

const SCAN_INTERVAL_MS = 60_000;
const TWITCH_VALIDATION_PERIOD_MS = 60 * 60 * 1000;
/**
 * A job that failed all its attempts stays this long (its id then holds back the next scan's
 * retry of that link), holding the link id and the error's class name only.
 */
const FAILED_KEPT_SECONDS = 3600;

interface LinkJob {
  linkId: string;
  /** The scan's correlation id: the attempts' log lines carry it. */
  correlationId?: string;
}

/**
 * TokenRefreshWorker. Every replica scans each minute and enqueues what is due; Bull job ids
 * (one per link and expiry / validation hour) collapse the replicas' duplicates into one job,
 * and one worker takes it. The job holds nothing but the link id and the scan's correlation id (one
 * per scan, restored while the job runs); a failure stores only the error's
 * class name, never its message or stack (file paths), see {@link TokenRefreshProcessor}.
 */
@Injectable()
export class TokenRefreshScheduler {
  private readonly logger = new Logger('TokenRefreshWorker');

  constructor(
    @InjectQueue(QueueNames.TokenRefresh) private readonly queue: Queue<LinkJob>,
    private readonly api: PlatformApiSettings,
    private readonly links: PlatformLinksRepository,
  ) {}

  @Interval('token-refresh-scan', SCAN_INTERVAL_MS)
  scan(): Promise<number> {
    return withCorrelationId(undefined, () => this.enqueueDue());
  }

  private async enqueueDue(): Promise<number> {
    const correlationId = currentCorrelationId();
    try {
      const jobs = { attempts: 5, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: true, removeOnFail: { age: FAILED_KEPT_SECONDS } };
      const horizon = new Date(Date.now() + this.api.tokenRefreshMarginMs);
      const expiring = await this.links.findExpiring(horizon);
      for (const link of expiring) {
        await this.queue.add('refresh', { linkId: link.id, correlationId }, { ...jobs, jobId: `refresh:${link.id}:${link.tokenExpiresAt?.getTime() ?? 0}` });
      }
      const hour = Math.floor(Date.now() / TWITCH_VALIDATION_PERIOD_MS);
      const unvalidated = await this.links.findTwitchToValidate(new Date(Date.now() - TWITCH_VALIDATION_PERIOD_MS));
      for (const link of unvalidated) {
        await this.queue.add('validate', { linkId: link.id, correlationId }, { ...jobs, jobId: `validate:${link.id}:${hour}` });
      }
      return expiring.length + unvalidated.length;
    } catch (error) {
      this.logger.error({ msg: 'token refresh scan failed', reason: (error as Error).message });
      return 0;
    }
  }
}

@Processor(QueueNames.TokenRefresh)
export class TokenRefreshProcessor {
  private readonly logger = new Logger('TokenRefreshWorker');

  constructor(private readonly refresher: TokenRefreshService) {}

  @Process('refresh')
  refresh(job: Job<LinkJob>): Promise<string> {
    return this.bare(job, () => this.refresher.refresh(job.data.linkId));
  }

  @Process('validate')
  validate(job: Job<LinkJob>): Promise<string> {
    return this.bare(job, () => this.refresher.validate(job.data.linkId));
  }

  /** Runs one attempt with the scan's correlation id (a new one for a job without). */
  private bare(job: Job<LinkJob>, work: () => Promise<string>): Promise<string> {
    return withCorrelationId(job.data.correlationId, () => this.attempt(job, work));
  }

  /**
   * Bull writes a failed attempt's message and stack into the job hash in Redis: the details go to
   * the log, Bull gets an error with the class name only and no stack.
   */
  private async attempt(job: Job<LinkJob>, work: () => Promise<string>): Promise<string> {
    try {
      return await work();
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      this.logger.warn({ msg: 'token refresh attempt failed', job: job.name, linkId: job.data.linkId, attempt: job.attemptsMade + 1, error: name, reason: (error as Error)?.message });
      const bare = new Error(name);
      bare.stack = '';
      throw bare;
    }
  }
}
