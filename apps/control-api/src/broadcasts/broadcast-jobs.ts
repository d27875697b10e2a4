import type { Job, JobStatus, Queue } from 'bull';

import { type BroadcastJobError, ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';
import { maskStreamKeysInText } from '@lib-stream/stream-key';

export type JobOutcome<R> =
  | { kind: 'completed'; value: R }
  | { kind: 'failed'; reason: string }
  /** Still waiting when `notTakenMs` passed: the job was removed, no worker will run it. */
  | { kind: 'not-taken' }
  /** A worker took it but did not answer within `timeoutMs`. */
  | { kind: 'timeout' }
  /** The job vanished from the queue without an answer. */
  | { kind: 'gone' };

export interface JobWaitLimits {
  notTakenMs: number;
  timeoutMs: number;
}

const WATCHDOG_MS = 500;
const NOT_TAKEN_STATES: (JobStatus | 'stuck')[] = ['waiting', 'paused'];

/**
 * Runs Bull jobs that a media worker (another process) answers, and waits for the answer the way
 * `Job.finished()` does (Bull's global completed/failed events, with a state check as watchdog), but
 * every wait ends: a job nobody took in time is removed, and nothing stays subscribed afterwards
 * (`finished()` keeps its listeners and watchdog until the queue closes when the job never ends).
 */
export class JobWaiter<D, R> {
  private readonly waiting = new Map<string, (outcome: JobOutcome<R>) => void>();
  private listening = false;

  constructor(private readonly queue: Queue<D>) {}

  async run(jobId: string, data: D, limits: JobWaitLimits): Promise<JobOutcome<R>> {
    this.listen();
    const job = await this.queue.add(data, { jobId, attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
    return new Promise<JobOutcome<R>>((resolve) => {
      let settled = false;
      const settle = (outcome: JobOutcome<R>) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        clearTimeout(notTaken);
        clearTimeout(deadline);
        this.waiting.delete(jobId);
        resolve(outcome);
      };
      const check = async (): Promise<JobStatus | 'stuck' | null> => {
        const current = await this.queue.getJob(jobId);
        if (!current) {
          settle({ kind: 'gone' });
          return null;
        }
        const state = await current.getState();
        if (state === 'completed') settle({ kind: 'completed', value: current.returnvalue as R });
        if (state === 'failed') settle({ kind: 'failed', reason: current.failedReason ?? '' });
        return state;
      };
      const removeIfNotTaken = async (untaken: Job<D>) => {
        const state = await check();
        if (settled || !state || !NOT_TAKEN_STATES.includes(state)) return;
        try {
          await untaken.remove();
          settle({ kind: 'not-taken' });
        } catch {
          // A worker took it just now (an active job is locked): keep waiting for its answer.
        }
      };
      this.waiting.set(jobId, settle);
      const watchdog = setInterval(() => void check().catch(() => undefined), WATCHDOG_MS);
      const notTaken = setTimeout(() => void removeIfNotTaken(job).catch(() => undefined), limits.notTakenMs);
      const deadline = setTimeout(() => settle({ kind: 'timeout' }), limits.timeoutMs);
    });
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.queue.on('global:completed', (jobId: unknown, value: unknown) => this.waiting.get(String(jobId))?.({ kind: 'completed', value: parseReturnValue<R>(value) }));
    this.queue.on('global:failed', (jobId: unknown, reason: unknown) => this.waiting.get(String(jobId))?.({ kind: 'failed', reason: String(reason ?? '') }));
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

/**
 * A worker's failure reason is a JSON `BroadcastJobError`; anything else (a crash) becomes a 502
 * with `fallback` as message, since its text could hold anything.
 */
export function jobFailureError(reason: string, fallback: string): DomainError {
  try {
    const parsed = JSON.parse(reason) as Partial<BroadcastJobError> | null;
    const { code, statusCode, message } = parsed ?? {};
    if (typeof code === 'string' && typeof message === 'string' && typeof statusCode === 'number' && Number.isInteger(statusCode) && statusCode >= 400 && statusCode <= 599) {
      return new DomainError(code as ErrorCode, maskStreamKeysInText(message), statusCode);
    }
  } catch {
    // Not JSON: fall through.
  }
  return new DomainError(ErrorCode.ServiceUnavailable, fallback, 502);
}
