import type { ExitInfo, FfmpegProcessOptions, StopOptions } from './ffmpeg-process';
import { FfmpegProcess } from './ffmpeg-process';
import type { ProgressBlock } from './progress-parser';
import { type SourceProbe, probeDuration, probeSource } from '../validation/source-probe';

/**
 * What the runner, the destination pushers and the recorder need of one supervised ffmpeg child
 * (FfmpegProcess is the real one). The contract they rely on: nothing happens before `start()`;
 * `progress` comes once per `-progress` block; `exit` comes exactly once, and `stop()` resolves with
 * the same ExitInfo (`requested: true` when stop() came first), also when called after the exit.
 */
export interface SupervisedProcess {
  readonly label: string;
  /** The child's pid while it has one (undefined before start and after a failed spawn). */
  readonly pid: number | undefined;
  /** Epoch ms of start(), of the first and of the last progress block; null before each. */
  readonly startedAt: number | null;
  readonly firstProgressAt: number | null;
  readonly lastProgressAt: number | null;
  on(event: 'progress', listener: (block: ProgressBlock) => void): this;
  once(event: 'exit', listener: (info: ExitInfo) => void): this;
  start(): void;
  stop(options?: StopOptions): Promise<ExitInfo>;
}

/**
 * The process seam of a broadcast: every ffmpeg and ffprobe child the cascade, the pushers and the
 * recorder start goes through it, so their logic can run against scripted fakes in unit specs.
 * `realMediaProcesses` is the production one.
 */
export interface MediaProcesses {
  /** A supervised ffmpeg child, not started yet (listeners first, then start()). */
  ffmpeg(options: FfmpegProcessOptions): SupervisedProcess;
  /** ffprobe of a source URL or file; rejects with SourceProbeError (validation/source-probe.ts). */
  probe(ffprobePath: string, url: string, timeoutSeconds: number): Promise<SourceProbe>;
  /** A media file's duration in seconds, or null when it does not play. */
  duration(ffprobePath: string, path: string): Promise<number | null>;
}

export const realMediaProcesses: MediaProcesses = {
  ffmpeg: (options) => new FfmpegProcess(options),
  probe: probeSource,
  duration: probeDuration,
};
