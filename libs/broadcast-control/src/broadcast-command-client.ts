import { Logger } from '@nestjs/common';
import type { Queue } from 'bull';

import {
  type BroadcastAssignmentJob,
  type BroadcastRuntime,
  type BroadcastSpec,
  type BroadcastStatusView,
  BroadcastStopReason,
  type BroadcastValidationJob,
  ErrorCode,
  type RecordingRuntime,
} from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

import { BroadcastState } from './broadcast-state';
import { decodeJobResult } from './job-result';
import { JobWaiter } from './job-waiter';

/** A job still waiting this long was taken by no media worker. */
const NOT_TAKEN_MS = 10_000;
/** How long stop and update wait for the owning worker to confirm. */
const CONFIRM_WAIT_MS = 15_000;
/**
 * Confirmation is read every 100 ms. Polling, not a notification: the worker writes its runtime record
 * on many occasions and announces none of them, and a keyspace notification would need a Redis setting
 * (notify-keyspace-events) that production Redis may not allow; at most 15 s per stop or update.
 */
const POLL_MS = 100;

export interface CommandClientSettings {
  /** The probe timeout in ms (BroadcastTimingSettings.probeTimeoutMs): a start or a check answers within 4 probes and 20 s. */
  probeTimeoutMs: number;
}

/** How a stop ended: recorded by the owner, finalized here (the caller announces it), or not confirmed in time. */
export type StopOutcome = 'stopped' | 'finalized' | 'unconfirmed';

/** A recording that was still being written when a stop finalized here found its worker gone (the caller announces it: worker_lost). */
export interface LostRecording extends RecordingRuntime {
  /** The worker whose disk holds it, or null when unknown. */
  workerId: string | null;
}

/**
 * control-api's side of the broadcast protocol with the media workers: new broadcasts and URL checks
 * through the Bull queues (one worker answers each job), and the wait for the owner to apply a
 * change made with `BroadcastState.requestChange`. Every failure is a DomainError the API answers with.
 */
export class BroadcastCommandClient {
  private readonly logger = new Logger('Broadcasts');
  private readonly assignments: JobWaiter<BroadcastAssignmentJob, unknown>;
  private readonly validations: JobWaiter<BroadcastValidationJob, unknown>;

  constructor(
    assignmentQueue: Queue<BroadcastAssignmentJob>,
    validationQueue: Queue<BroadcastValidationJob>,
    private readonly state: BroadcastState,
    private readonly settings: CommandClientSettings,
  ) {
    this.assignments = new JobWaiter(assignmentQueue);
    this.validations = new JobWaiter(validationQueue);
  }

  /**
   * Has a media worker validate, claim and start `spec`; resolves its status (the stored one when the
   * answer was lost but the broadcast exists). Rejects with the worker's refusal (BroadcastRefusal)
   * or a 503 naming what went wrong.
   */
  async start(spec: BroadcastSpec): Promise<BroadcastStatusView | null> {
    const view = await this.run(this.assignments, spec.broadcastId, { spec }, 'broadcast', 'the media worker could not start the broadcast');
    return view && typeof view === 'object' && (view as BroadcastStatusView).broadcastId === spec.broadcastId ? (view as BroadcastStatusView) : null;
  }

  /** Has a media worker probe new sources and destinations; rejects with its refusal, as start does. */
  async validate(job: BroadcastValidationJob, jobId: string): Promise<void> {
    await this.run(this.validations, jobId, job, 'validation', 'the media worker could not check the new URLs');
  }

  /**
   * Waits up to 15 s until the owner has applied `revision` (true), or there is nothing to wait for
   * any more: the broadcast is gone or stopped, or has no live owner (false unless applied).
   */
  async awaitApplied(broadcastId: string, revision: number): Promise<boolean> {
    let applied = false;
    await this.poll(async () => {
      const snapshot = await this.state.snapshot(broadcastId);
      applied = (snapshot?.runtime?.appliedRevision ?? 0) >= revision;
      return applied || !snapshot || snapshot.spec.desired === 'stopped' || !snapshot.ownerAlive;
    });
    return applied;
  }

  /**
   * Waits up to 15 s for the owner to record a requested stop. A broadcast nobody owns is finalized
   * here (`guardHolder` keeps adopting workers off it meanwhile): 'finalized' then, once, and the
   * caller announces the stop, and `lostRecording` when its dead owner was recording.
   */
  async awaitStopped(broadcastId: string, guardHolder: string): Promise<{ outcome: StopOutcome; lostRecording: LostRecording | null }> {
    let outcome: StopOutcome = 'unconfirmed';
    let lostRecording: LostRecording | null = null;
    await this.poll(async () => {
      const runtime = await this.state.runtime(broadcastId);
      if (runtime?.stoppedAt) outcome = 'stopped';
      else if (await this.state.ownerAlive(broadcastId)) return false;
      else {
        const spec = await this.state.spec(broadcastId);
        if (!spec) outcome = 'stopped';
        else {
          const result = await this.state.finalizeOwnerless(spec, stoppedRuntime(spec, runtime), guardHolder);
          if (result === 'owned') return false;
          outcome = result;
          if (result === 'finalized' && runtime?.recording?.state === 'recording') lostRecording = { ...runtime.recording, workerId: runtime.workerId };
        }
      }
      return true;
    });
    if (outcome === 'unconfirmed') this.logger.warn({ msg: 'the owning media worker has not confirmed the stop yet', broadcastId, waitedMs: CONFIRM_WAIT_MS });
    return { outcome, lostRecording };
  }

  private async run<D extends { takeBy?: number; correlationId?: string }>(jobs: JobWaiter<D, unknown>, jobId: string, data: D, what: 'broadcast' | 'validation', fallback: string): Promise<unknown> {
    const timeoutMs = this.settings.probeTimeoutMs * 4 + 20_000;
    const timeoutSeconds = timeoutMs / 1000;
    const outcome = await jobs.run(jobId, data, { notTakenMs: NOT_TAKEN_MS, timeoutMs });
    switch (outcome.kind) {
      case 'completed':
        return decodeJobResult(outcome.value, fallback);
      case 'failed':
        this.logger.warn({ msg: `${what} job failed`, jobId });
        throw new DomainError(ErrorCode.ServiceUnavailable, fallback);
      case 'unavailable':
        this.logger.warn({ msg: `${what} job unanswered: job queue unavailable`, jobId });
        throw new DomainError(
          ErrorCode.ServiceUnavailable,
          what === 'broadcast'
            ? 'job queue unavailable while the media worker started the broadcast; it may have started (see /stream/broadcast/status)'
            : 'job queue unavailable while the media worker checked the new URLs; retry shortly',
        );
      case 'not-taken':
        throw new DomainError(ErrorCode.ServiceUnavailable, `no media worker took the ${what} within ${NOT_TAKEN_MS / 1000} s`);
      case 'timeout':
        this.logger.warn({ msg: `${what} job unanswered`, jobId, waitedSeconds: timeoutSeconds });
        throw new DomainError(
          ErrorCode.ServiceUnavailable,
          what === 'broadcast'
            ? `the media worker did not finish starting the broadcast within ${timeoutSeconds} s; it may still start (see /stream/broadcast/status)`
            : `the media worker did not finish checking the new URLs within ${timeoutSeconds} s`,
        );
      case 'gone':
        // The answer was lost (a dropped subscription): a started broadcast shows in the store.
        if (what === 'broadcast' && (await this.state.spec(jobId))) return null;
        throw new DomainError(ErrorCode.ServiceUnavailable, fallback);
    }
  }

  /** Polls every 100 ms until `done` holds or the confirmation wait is over. */
  private async poll(done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + CONFIRM_WAIT_MS;
    for (;;) {
      if (await done()) return;
      if (Date.now() + POLL_MS > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** The runtime recorded for a stop nobody else could: the last report, marked stopped. */
function stoppedRuntime(spec: BroadcastSpec, previous: BroadcastRuntime | null): BroadcastRuntime {
  const now = new Date().toISOString();
  return {
    broadcastId: spec.broadcastId,
    workerId: null,
    appliedRevision: previous?.appliedRevision ?? 0,
    health: 'stopped',
    videoSourceType: null,
    currentVideoSource: null,
    sourceRestarts: previous?.sourceRestarts ?? 0,
    sourceFps: null,
    destinations: previous?.destinations ?? [],
    lastError: previous?.lastError ?? null,
    startedAt: previous?.startedAt ?? null,
    stoppedAt: now,
    stopReason: spec.stopReason ?? BroadcastStopReason.Manual,
    lastInterruption: previous?.lastInterruption ?? null,
    // Its owner is gone: a recording it was writing ended with it.
    recording: previous?.recording ? { ...previous.recording, state: 'stopped', stopReason: previous.recording.stopReason ?? 'worker_lost' } : null,
    updatedAt: now,
  };
}
