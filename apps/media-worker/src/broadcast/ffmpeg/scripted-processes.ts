import { EventEmitter } from 'node:events';

import type { ExitInfo, ExitReason, FfmpegProcessOptions, StopOptions } from './ffmpeg-process';
import type { MediaProcesses, SupervisedProcess } from './media-processes';
import type { ProgressBlock } from './progress-parser';
import type { SourceProbe } from '../validation/source-probe';

/**
 * Test double for the process seam (media-processes.ts), for unit specs only: nothing is spawned,
 * the spec scripts what each "ffmpeg" reports. It keeps FfmpegProcess's contract and is strict about
 * it: start() twice, progress before start or after the exit, and a second exit throw.
 */
export class ScriptedProcess extends EventEmitter<{ progress: [ProgressBlock]; exit: [ExitInfo] }> implements SupervisedProcess {
  private static nextPid = 10_000;
  pid: number | undefined;
  startedAt: number | null = null;
  firstProgressAt: number | null = null;
  lastProgressAt: number | null = null;
  /** The options of every stop() call, in order. */
  readonly stops: StopOptions[] = [];
  private exitInfo: ExitInfo | null = null;
  private stopRequested = false;
  private resolveExited: (info: ExitInfo) => void = () => undefined;
  private readonly exited = new Promise<ExitInfo>((resolve) => (this.resolveExited = resolve));
  private stopHeld: Promise<void> | null = null;

  constructor(readonly options: FfmpegProcessOptions) {
    super();
  }

  get label(): string {
    return this.options.label;
  }

  /** Started, not exited. */
  get running(): boolean {
    return this.startedAt !== null && this.exitInfo === null;
  }

  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  start(): void {
    if (this.startedAt !== null || this.exitInfo) throw new Error(`${this.label}: start() called twice`);
    this.startedAt = Date.now();
    this.pid = ScriptedProcess.nextPid++;
  }

  /** One `-progress` block, as FfmpegProcess emits it (its fields default to a moving copy). */
  progress(block: Partial<ProgressBlock> = {}): void {
    if (!this.running) throw new Error(`${this.label}: progress while not running`);
    const now = Date.now();
    this.firstProgressAt ??= now;
    this.lastProgressAt = now;
    this.emit('progress', { frame: null, fps: null, totalSizeBytes: null, outTimeUs: null, speed: 1, dupFrames: 0, dropFrames: 0, bitrateKbps: null, end: false, ...block });
  }

  /** A line on the side pipe (`-segment_list pipe:3`), as ffmpeg writes it. */
  sideOutput(line: string): void {
    if (!this.options.onSideOutputLine) throw new Error(`${this.label}: has no side output pipe`);
    this.options.onSideOutputLine(line);
  }

  /** The process ends by itself (a crash, a stall the watchdog killed, the input's end…). */
  die(reason: Exclude<ExitReason, 'requested'> = 'exited', more: { code?: number | null; signal?: string | null; lastError?: string | null } = {}): void {
    if (!this.running) throw new Error(`${this.label}: exit while not running`);
    this.finish(reason, more.code ?? (reason === 'exited' ? 1 : null), more.signal ?? null, more.lastError ?? null);
  }

  /** stop() does not end the process until `release` is called (a slow SIGINT shutdown). */
  holdStop(): () => void {
    let release: () => void = () => undefined;
    this.stopHeld = new Promise<void>((resolve) => (release = resolve));
    return release;
  }

  stop(options: StopOptions = {}): Promise<ExitInfo> {
    this.stops.push(options);
    this.stopRequested = true;
    if (!this.exitInfo) {
      const end = (): void => this.finish('requested', null, this.startedAt === null ? null : 'SIGKILL', null);
      if (this.stopHeld) void this.stopHeld.then(end);
      else end();
    }
    return this.exited;
  }

  private finish(reason: ExitReason, code: number | null, signal: string | null, lastError: string | null): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal, requested: this.stopRequested, reason, lastError, ranMs: this.startedAt === null ? 0 : Date.now() - this.startedAt };
    this.resolveExited(this.exitInfo);
    this.emit('exit', this.exitInfo);
  }
}

/**
 * The seam with scripted children: every ffmpeg is a ScriptedProcess kept in `spawned`; probes and
 * durations answer what the spec set, and an unscripted one is recorded in `unscripted` (and
 * rejected), so a spec can assert that nothing unexpected was probed.
 */
export class ScriptedMediaProcesses implements MediaProcesses {
  readonly spawned: ScriptedProcess[] = [];
  readonly probes = new Map<string, SourceProbe | Error>();
  readonly durations = new Map<string, number | null>();
  readonly unscripted: string[] = [];

  ffmpeg(options: FfmpegProcessOptions): ScriptedProcess {
    const process = new ScriptedProcess(options);
    this.spawned.push(process);
    return process;
  }

  probe(_ffprobePath: string, url: string): Promise<SourceProbe> {
    const answer = this.probes.get(url);
    if (answer === undefined) {
      this.unscripted.push(`probe ${url}`);
      return Promise.reject(new Error(`unscripted probe of ${url}`));
    }
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  duration(_ffprobePath: string, path: string): Promise<number | null> {
    if (!this.durations.has(path)) {
      this.unscripted.push(`duration ${path}`);
      return Promise.resolve(null);
    }
    return Promise.resolve(this.durations.get(path) ?? null);
  }

  /** The processes whose label starts with `prefix` ('source', 'pusher', 'recorder'), oldest first. */
  labelled(prefix: string): ScriptedProcess[] {
    return this.spawned.filter((process) => process.label.startsWith(prefix));
  }

  /** The newest process whose label starts with `prefix`; throws when there is none. */
  last(prefix: string): ScriptedProcess {
    const process = this.labelled(prefix).at(-1);
    if (!process) throw new Error(`no ${prefix} process was spawned`);
    return process;
  }
}
