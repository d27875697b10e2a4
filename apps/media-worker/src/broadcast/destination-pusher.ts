import type { Logger } from '@nestjs/common';

import type { DestinationChangeReason, DestinationRuntime, DestinationSpec, DestinationState } from '@lib-stream/contracts';

import { pusherArgs } from './ffmpeg/ffmpeg-args';
import type { ExitInfo } from './ffmpeg/ffmpeg-process';
import { type MediaProcesses, type SupervisedProcess, realMediaProcesses } from './ffmpeg/media-processes';
import type { ProgressBlock } from './ffmpeg/progress-parser';
import { HEALTHY_RESET_MS, backoff } from './restart-policy';

/** Sending this long after a failure: the destination has recovered. */
const RECOVERED_MS = 2000;

export interface PusherOptions {
  ffmpegPath: string;
  programUrl: string;
  /** Opens the destination URL for ffmpeg's arguments only. */
  destinationUrl: () => string;
  secrets: () => string[];
  stallMs: number;
  restartOnFailure: boolean;
  maxRestarts: number;
  logger: Logger;
  /** Called when this destination gives up (state `failed`). */
  onFailed: () => void;
  /** Called on every change of `state`, after it changed, and for the first state (previous null). */
  onStateChange?: (previous: DestinationState | null, reason: DestinationChangeReason) => void;
  /** Where its ffmpeg children come from (default: the real ones; unit specs script fakes). */
  processes?: MediaProcesses;
}

/**
 * One destination of a broadcast: a copy ffmpeg from the program bus to the platform, restarted with
 * backoff when it fails, `failed` after too many failures in a row. Nothing outside it ever touches
 * its connection, so one failing destination never disturbs the others or the source.
 */
export class DestinationPusher {
  private process: SupervisedProcess | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  state: DestinationState = 'connecting';
  lastError: string | null = null;
  retryCount = 0;
  private failuresInRow = 0;
  private bytesSent = 0;
  private liveSince: string | null = null;
  /** Whether onStateChange has been told a state yet (the first one goes out with previous null). */
  private announced = false;

  constructor(
    public spec: DestinationSpec,
    private readonly options: PusherOptions,
  ) {}

  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  start(reason: DestinationChangeReason = 'started'): void {
    this.retryTimer = null;
    if (this.stopped) return;
    this.setState(this.retryCount > 0 ? 'retrying' : 'connecting', reason);
    const process = (this.options.processes ?? realMediaProcesses).ffmpeg({
      ffmpegPath: this.options.ffmpegPath,
      args: pusherArgs(this.options.programUrl, this.options.destinationUrl()),
      label: `pusher ${this.spec.destinationId.slice(0, 8)}`,
      stallMs: this.options.stallMs,
      startTimeoutMs: this.options.stallMs,
      secrets: this.options.secrets(),
    });
    this.process = process;
    const sentBefore = this.bytesSent;
    process.on('progress', (block: ProgressBlock) => this.onProgress(process, block, sentBefore));
    process.once('exit', (info: ExitInfo) => this.onExit(process, info));
    process.start();
  }

  /** A new URL for the same destination: reconnect now, with a fresh restart budget. */
  async reconnect(spec: DestinationSpec): Promise<void> {
    this.spec = spec;
    this.clearRetry();
    const old = this.process;
    this.process = null;
    await old?.stop();
    this.failuresInRow = 0;
    this.start('url_changed');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearRetry();
    await this.process?.stop();
    this.setState('stopped', 'stopped');
    this.liveSince = null;
  }

  runtime(): DestinationRuntime {
    return {
      destinationId: this.spec.destinationId,
      rtmpOutputUrl: this.spec.url.masked,
      state: this.state,
      lastError: this.lastError,
      retryCount: this.retryCount,
      bytesSent: this.bytesSent,
      liveSince: this.liveSince,
    };
  }

  /** Live once bytes reach the platform (a refused publish dies before any progress block). */
  private onProgress(process: SupervisedProcess, block: ProgressBlock, sentBefore: number): void {
    if (this.process !== process || block.totalSizeBytes == null) return;
    this.bytesSent = sentBefore + block.totalSizeBytes;
    if (block.totalSizeBytes > 0 && this.state !== 'live') {
      this.liveSince = new Date().toISOString();
      this.setState('live', 'sending');
      this.options.logger.log({ msg: 'destination live', destinationId: this.spec.destinationId, destination: this.spec.url.masked });
    }
    // Recovered once it has kept sending a while (a refused publish also gets its header bytes out
    // first): the status then shows the destination as it is now; the failures stay in the logs.
    if (this.state === 'live' && this.liveSince && Date.now() - Date.parse(this.liveSince) >= RECOVERED_MS && (this.retryCount || this.lastError)) {
      this.retryCount = 0;
      this.lastError = null;
    }
    if (process.startedAt && Date.now() - process.startedAt > HEALTHY_RESET_MS) this.failuresInRow = 0;
  }

  private onExit(process: SupervisedProcess, info: ExitInfo): void {
    if (this.process !== process || info.requested || this.stopped) return;
    const logger = this.options.logger;
    this.process = null;
    this.liveSince = null;
    this.lastError = info.lastError ?? `pusher exited (${info.reason})`;
    this.failuresInRow++;
    logger.warn({ msg: 'destination lost', destinationId: this.spec.destinationId, reason: info.reason, code: info.code, signal: info.signal, lastError: this.lastError });
    if (!this.options.restartOnFailure || this.failuresInRow > this.options.maxRestarts) {
      this.setState('failed', exitReason(info));
      logger.error({ msg: 'destination failed', destinationId: this.spec.destinationId, failures: this.failuresInRow });
      this.options.onFailed();
      return;
    }
    this.retryCount++;
    this.setState('retrying', exitReason(info));
    this.retryTimer = setTimeout(() => this.start(), backoff(this.failuresInRow));
  }

  private setState(state: DestinationState, reason: DestinationChangeReason): void {
    const previous = this.announced ? this.state : null;
    if (previous === state) return;
    this.announced = true;
    this.state = state;
    this.options.onStateChange?.(previous, reason);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

/** An unrequested exit as a change reason (`requested` cannot reach here: onExit returns for it). */
function exitReason(info: ExitInfo): DestinationChangeReason {
  return info.reason === 'requested' ? 'exited' : info.reason;
}
