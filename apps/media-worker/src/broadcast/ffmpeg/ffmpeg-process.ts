import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';

import { maskStreamKeysInText, STREAM_KEY_MASK } from '@lib-stream/stream-key';

import { boundToParent } from './parent-death';
import { type ProgressBlock, ProgressParser } from './progress-parser';

/** Prepended to every command line: machine-readable progress once a second, only warnings and errors on stderr. */
export const FFMPEG_SUPERVISION_ARGS = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-progress', 'pipe:1', '-stats_period', '1'];

export type ExitReason = 'requested' | 'stalled' | 'start_timeout' | 'exited' | 'spawn_failed' | 'input_ended';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** stop() was called before the exit was seen. */
  requested: boolean;
  reason: ExitReason;
  /** Last meaningful stderr line, scrubbed of secrets and stream keys. */
  lastError: string | null;
  ranMs: number;
}

export interface FfmpegProcessOptions {
  ffmpegPath: string;
  /** The caller's args; FFMPEG_SUPERVISION_ARGS are prepended. */
  args: string[];
  /** For logs and errors; never secret. */
  label: string;
  /** No progress block for this long after the first one → SIGKILL (reason 'stalled'). */
  stallMs: number;
  /** No first progress block this long after spawn → SIGKILL (reason 'start_timeout'). */
  startTimeoutMs: number;
  /** Exact strings (destination URLs, stream keys) scrubbed from stderr, on top of maskStreamKeysInText. */
  secrets?: string[];
  /** Seconds between progress blocks (default 1); shorter lets a short stallMs catch a dead live input sooner. */
  statsPeriodS?: number;
  /**
   * Lines ffmpeg writes to `pipe:3` (e.g. `-segment_list pipe:3`), one call per complete line. Given:
   * the child gets a fourth stdio pipe.
   */
  onSideOutputLine?: (line: string) => void;
}

/** How stop() ends the process. */
export interface StopOptions {
  /**
   * SIGINT first: ffmpeg finishes the file it writes (trailer, last segment listed), then exits; a
   * second SIGINT at half of `graceMs`, SIGKILL at `graceMs`.
   */
  graceful?: boolean;
  graceMs?: number;
  /** When the second SIGINT goes (default: half of graceMs); short when the input is known to be silent. */
  interruptAfterMs?: number;
}

interface FfmpegProcessEvents {
  progress: [ProgressBlock];
  exit: [ExitInfo];
}

const WATCHDOG_INTERVAL_MS = 250;
const DEFAULT_GRACE_MS = 3000;
const STDERR_TAIL_LINES = 20;
// A runaway line without a newline is processed anyway rather than buffered without bound.
const MAX_PARTIAL_LINE = 16 * 1024;
// A stalled RTMP input ends with this and exit code 0 (media.md §4a, §6): a failure, not an end of input.
const IO_ERROR = /Input\/output error/i;
// Generic trailers that would hide the real cause as "last error".
const NOT_MEANINGFUL = /^(Conversion failed!|Exiting normally\b)/;

/**
 * One supervised ffmpeg child (media.md §6): parses `-progress`, kills it with SIGKILL when it never
 * starts or stops reporting, and emits `exit` exactly once with a classified reason. stderr is kept
 * only as a short, scrubbed tail.
 */
export class FfmpegProcess extends EventEmitter<FfmpegProcessEvents> {
  private child: ChildProcess | null = null;
  private readonly parser = new ProgressParser();
  private readonly secrets: string[];
  private stderrPartial = '';
  private sidePartial = '';
  private readonly tail: string[] = [];
  private lastError: string | null = null;
  private sawIoError = false;
  private stopRequested = false;
  private killReason: 'requested' | 'stalled' | 'start_timeout' | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private exitInfo: ExitInfo | null = null;
  private resolveExited: (info: ExitInfo) => void = () => undefined;
  private readonly exited = new Promise<ExitInfo>((resolve) => (this.resolveExited = resolve));
  private _startedAt: number | null = null;
  private _firstProgressAt: number | null = null;
  private _lastProgressAt: number | null = null;
  private _lastProgress: ProgressBlock | null = null;

  constructor(private readonly options: FfmpegProcessOptions) {
    super();
    // Longest first, so a URL is replaced whole before a key inside it.
    this.secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  get label(): string {
    return this.options.label;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.pid !== undefined && this.exitInfo === null;
  }
  get startedAt(): number | null {
    return this._startedAt;
  }
  get firstProgressAt(): number | null {
    return this._firstProgressAt;
  }
  get lastProgressAt(): number | null {
    return this._lastProgressAt;
  }
  get lastProgress(): ProgressBlock | null {
    return this._lastProgress;
  }

  stderrTail(): string[] {
    return [...this.tail];
  }

  start(): void {
    if (this.child || this.exitInfo) throw new Error(`ffmpeg ${this.options.label}: start() called twice`);
    this._startedAt = Date.now();
    const supervision = FFMPEG_SUPERVISION_ARGS.map((arg, i, all) => (all[i - 1] === '-stats_period' ? String(this.options.statsPeriodS ?? 1) : arg));
    // Bound to the worker's life: a SIGKILLed worker must not leave an FFmpeg publishing (parent-death.ts).
    const side = this.options.onSideOutputLine;
    const child = spawn(...boundToParent(this.options.ffmpegPath, [...supervision, ...this.options.args]), { stdio: side ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (side) {
      const pipe = child.stdio[3] as NodeJS.ReadableStream;
      pipe.setEncoding('utf8');
      pipe.on('data', (chunk: string) => {
        const lines = (this.sidePartial + chunk).split('\n');
        this.sidePartial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) side(line.trim());
      });
    }
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.parser.push(chunk).forEach((block) => this.onProgress(block)));
    child.stderr?.setEncoding('utf8'); // decodes multi-byte characters split across chunks
    child.stderr?.on('data', (chunk: string) => this.onStderr(chunk));
    child.on('error', (error) => {
      // Without a pid it never ran (ENOENT, EACCES…). Later errors (a failed kill) are followed by 'close'.
      // The message is scrubbed: never keep the error object, its spawnargs hold the destination URLs.
      if (child.pid === undefined) this.finish(null, null, 'spawn_failed', this.scrub(error.message));
    });
    // 'close' (not 'exit') so that the last progress block and stderr lines are read before classifying.
    child.on('close', (code, signal) => {
      if (this.stderrPartial) this.onStderrLine(this.stderrPartial);
      this.stderrPartial = '';
      const cleanEnd = code === 0 && this._lastProgress?.end === true && !this.sawIoError;
      this.finish(code, signal, this.killReason ?? (cleanEnd ? 'input_ended' : 'exited'), this.lastError);
    });
    this.watchdog = setInterval(() => this.checkWatchdog(), Math.min(WATCHDOG_INTERVAL_MS, Math.max(25, this.options.stallMs / 4)));
  }

  /**
   * SIGKILL (SIGTERM does not unblock a stalled RTMP read, media.md §4a), or with `graceful` SIGINT
   * and SIGKILL after the grace; resolves once it has exited. Idempotent.
   */
  stop({ graceful = false, graceMs = DEFAULT_GRACE_MS, interruptAfterMs = graceMs / 2 }: StopOptions = {}): Promise<ExitInfo> {
    this.stopRequested = true;
    if (!this.exitInfo) {
      if (!this.child) this.finish(null, null, 'requested', null); // never started: nothing to wait for
      else if (!graceful) this.kill('requested');
      else if (!this.killReason) {
        this.killReason = 'requested';
        // FFmpeg checks the first SIGINT between packets; the second also interrupts a blocked read
        // (its I/O interrupt callback needs more signals than the one that ended start-up).
        this.child.kill('SIGINT');
        // Not at once: two pending SIGINTs would merge into one.
        const again = setTimeout(() => this.child?.kill('SIGINT'), interruptAfterMs);
        const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
        void this.exited.then(() => {
          clearTimeout(again);
          clearTimeout(timer);
        });
      }
    }
    return this.exited;
  }

  private kill(reason: 'requested' | 'stalled' | 'start_timeout'): void {
    if (this.killReason || this.exitInfo || !this.child) return;
    this.killReason = reason;
    this.child.kill('SIGKILL');
  }

  private checkWatchdog(): void {
    const now = Date.now();
    if (this._lastProgressAt === null) {
      if (now - (this._startedAt ?? now) >= this.options.startTimeoutMs) this.kill('start_timeout');
    } else if (now - this._lastProgressAt >= this.options.stallMs) {
      this.kill('stalled');
    }
  }

  private onProgress(block: ProgressBlock): void {
    const now = Date.now();
    this._firstProgressAt ??= now;
    this._lastProgressAt = now;
    this._lastProgress = block;
    this.emit('progress', block);
  }

  /** Only complete lines are scrubbed and kept, so a secret split across two chunks is still matched whole. */
  private onStderr(chunk: string): void {
    const lines = (this.stderrPartial + chunk).split(/\r\n|\n|\r/);
    this.stderrPartial = lines.pop() ?? '';
    if (this.stderrPartial.length > MAX_PARTIAL_LINE) {
      lines.push(this.stderrPartial);
      this.stderrPartial = '';
    }
    lines.forEach((line) => this.onStderrLine(line));
  }

  private onStderrLine(raw: string): void {
    const line = this.scrub(raw).trim();
    if (!line) return;
    this.tail.push(line);
    if (this.tail.length > STDERR_TAIL_LINES) this.tail.shift();
    if (IO_ERROR.test(line)) this.sawIoError = true;
    if (!NOT_MEANINGFUL.test(line)) this.lastError = line;
  }

  private scrub(text: string): string {
    const withoutSecrets = this.secrets.reduce((acc, secret) => acc.split(secret).join(STREAM_KEY_MASK), text);
    return maskStreamKeysInText(withoutSecrets);
  }

  private finish(code: number | null, signal: string | null, reason: ExitReason, lastError: string | null): void {
    if (this.exitInfo) return;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    const ranMs = this._startedAt === null ? 0 : Date.now() - this._startedAt;
    this.exitInfo = { code, signal, requested: this.stopRequested, reason, lastError, ranMs };
    this.resolveExited(this.exitInfo);
    this.emit('exit', this.exitInfo);
  }
}
