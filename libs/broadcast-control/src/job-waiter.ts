import type { Job, JobStatus, Queue } from 'bull';
import type Redis from 'ioredis';

import { BROADCAST_JOB_ABANDONED_FIELD, BROADCAST_JOB_OPTIONS, ErrorCode } from '@lib-stream/contracts';
import { DomainError, currentCorrelationId, handleSubscribeRejections, withDeadline } from '@lib-stream/nest-kit';

import { broadcastCommands } from './broadcast-scripts';

export type JobOutcome<R> =
  | { kind: 'completed'; value: R }
  /** The worker's handler threw (a crash): its message could hold anything, so it is not passed on. */
  | { kind: 'failed' }
  /** Still waiting when `notTakenMs` passed: the job was removed, no worker will run it. */
  | { kind: 'not-taken' }
  /** A worker took it but did not answer within `timeoutMs`. */
  | { kind: 'timeout' }
  /** The job vanished from the queue and no answer came. */
  | { kind: 'gone' }
  /** Redis stopped answering while we waited; the job is marked abandoned for when it returns. */
  | { kind: 'unavailable' };

export interface JobWaitLimits {
  notTakenMs: number;
  timeoutMs: number;
}

/** Every Bull call on a request path answers within this, or the request gets a 503. */
export const QUEUE_CALL_MS = 1000;
const WATCHDOG_MS = 500;
/** An answered job is removed in the same script that publishes the answer: give the event this long to arrive. */
const GONE_GRACE_MS = 1000;
const NOT_TAKEN_STATES: (JobStatus | 'stuck')[] = ['waiting', 'paused', 'delayed'];

export function queueUnavailable(): DomainError {
  return new DomainError(ErrorCode.ServiceUnavailable, 'job queue unavailable: Redis did not answer in time; retry shortly');
}

class QueueTimeout extends Error {}

/** `promise`, or a QueueTimeout after `ms` (nest-kit's withDeadline); a late rejection is swallowed. */
function within<T>(promise: Promise<T>, ms = QUEUE_CALL_MS): Promise<T> {
  promise.catch(() => undefined);
  return withDeadline(promise, ms, () => new QueueTimeout());
}

/**
 * Runs Bull jobs that a media worker (another process) answers. Jobs are removed as soon as they are
 * answered (`BROADCAST_JOB_OPTIONS`), so the answer is taken from Bull's global completed event,
 * which the same Redis script publishes; a state check every 500 ms is the watchdog. Every wait ends:
 * a job nobody took in time is removed, Redis going silent ends it with `unavailable`, and nothing
 * stays subscribed afterwards.
 */
export class JobWaiter<D extends { takeBy?: number; correlationId?: string }, R> {
  private readonly waiting = new Map<string, (outcome: JobOutcome<R>) => void>();
  private subscribed: Promise<unknown> | null = null;

  constructor(private readonly queue: Queue<D>) {}

  /**
   * Adds the job (with the current correlation id, which the worker restores while it runs the job)
   * and waits for its outcome; throws a 503 when Redis cannot take the job within 1 s.
   */
  async run(jobId: string, data: D, limits: JobWaitLimits): Promise<JobOutcome<R>> {
    // Subscribed before adding: an answer published before we listen would be lost with the job.
    await within(this.listen()).catch(() => {
      throw queueUnavailable();
    });
    const correlationId = currentCorrelationId();
    const job = await this.add(jobId, { ...data, takeBy: Date.now() + limits.notTakenMs, ...(correlationId ? { correlationId } : {}) });
    return new Promise<JobOutcome<R>>((resolve) => {
      let settled = false;
      let checking = false;
      let failingSince: number | null = null;
      let goneSince: number | null = null;
      const settle = (outcome: JobOutcome<R>) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        clearTimeout(notTaken);
        clearTimeout(deadline);
        this.waiting.delete(jobId);
        if (outcome.kind === 'unavailable' || outcome.kind === 'timeout') this.abandon(jobId);
        resolve(outcome);
      };
      const state = async (): Promise<JobStatus | 'stuck' | 'gone'> => {
        const current = await within(this.queue.getJob(jobId));
        if (!current) return 'gone';
        const status = await within(current.getState());
        if (status === 'completed') settle({ kind: 'completed', value: current.returnvalue as R });
        if (status === 'failed') settle({ kind: 'failed' });
        return status;
      };
      const check = async () => {
        if (checking || settled) return;
        checking = true;
        const startedAt = Date.now();
        try {
          const status = await state();
          failingSince = null;
          if (status !== 'gone') return;
          goneSince ??= startedAt;
          if (Date.now() - goneSince >= GONE_GRACE_MS) settle({ kind: 'gone' });
        } catch {
          failingSince ??= startedAt;
          if (Date.now() - failingSince >= QUEUE_CALL_MS) settle({ kind: 'unavailable' });
        } finally {
          checking = false;
        }
      };
      const removeIfNotTaken = async (untaken: Job<D>) => {
        const status = await state();
        if (settled || !NOT_TAKEN_STATES.includes(status as JobStatus)) return;
        try {
          await within(untaken.remove());
          settle({ kind: 'not-taken' });
        } catch {
          // A worker took it just now (an active job is locked), or Redis is slow: the watchdog goes on,
          // and a worker taking it after `takeBy` skips it.
        }
      };
      this.waiting.set(jobId, settle);
      const watchdog = setInterval(() => void check(), WATCHDOG_MS);
      const notTaken = setTimeout(() => void removeIfNotTaken(job).catch(() => undefined), limits.notTakenMs);
      const deadline = setTimeout(() => settle({ kind: 'timeout' }), limits.timeoutMs);
    });
  }

  private async add(jobId: string, data: D): Promise<Job<D>> {
    // A command issued while disconnected would wait in ioredis's offline queue and add the job later.
    if (this.queue.client.status !== 'ready') throw queueUnavailable();
    try {
      return await within(this.queue.add(data, { ...BROADCAST_JOB_OPTIONS, jobId }));
    } catch {
      // The add may still reach Redis (a slow or frozen server): the mark, sent after it on the same
      // connection, lands after it, before a worker could have validated and claimed anything.
      this.abandon(jobId);
      throw queueUnavailable();
    }
  }

  /** Tells a worker that takes the job later that nobody waits for it any more. Fire and forget. */
  private abandon(jobId: string): void {
    void broadcastCommands(this.queue.client).broadcastAbandonJob(this.queue.toKey(jobId), BROADCAST_JOB_ABANDONED_FIELD).catch(() => undefined);
  }

  private listen(): Promise<unknown> {
    if (!this.subscribed) {
      // Bull's event subscriber (`eclient`, made on first use) re-subscribes after reconnects on its own.
      const bull = this.queue as unknown as { eclient: Redis; _registerEvent(event: string): Promise<unknown> };
      handleSubscribeRejections(bull.eclient);
      this.queue.on('global:completed', (jobId: unknown, value: unknown) => this.waiting.get(String(jobId))?.({ kind: 'completed', value: parseReturnValue<R>(value) }));
      this.queue.on('global:failed', (jobId: unknown) => this.waiting.get(String(jobId))?.({ kind: 'failed' }));
      // Bull's own Job.finished() waits on the same internal promise: it settles once SUBSCRIBE is done.
      this.subscribed = Promise.all([bull._registerEvent('global:completed'), bull._registerEvent('global:failed')]);
    }
    return this.subscribed;
  }
}

function parseReturnValue<R>(value: unknown): R {
  if (typeof value !== 'string') return value as R;
  try {
    return JSON.parse(value) as R;
  } catch {
    return value as R;
  }
}

/** Past its `takeBy`: whoever asked has had their answer (503) already. For the worker taking a job. */
export function jobExpired(data: { takeBy?: number }): boolean {
  return typeof data.takeBy === 'number' && Date.now() > data.takeBy;
}

/** Whether the asker gave up on the job while adding it (see JobWaiter): a worker must then not act on it. */
export async function jobAbandoned(job: Job): Promise<boolean> {
  return (await job.queue.client.hexists(job.queue.toKey(String(job.id)), BROADCAST_JOB_ABANDONED_FIELD)) === 1;
}
