import type { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';

import type { RecordingStopReason } from '@lib-stream/contracts';

import { recorderArgs } from '../ffmpeg/ffmpeg-args';
import type { ExitInfo } from '../ffmpeg/ffmpeg-process';
import { type MediaProcesses, type SupervisedProcess, realMediaProcesses } from '../ffmpeg/media-processes';
import type { ProgressBlock } from '../ffmpeg/progress-parser';
import { HEALTHY_RESET_MS, backoff } from '../restart-policy';
import { type ManifestSegment, type RecordingManifest, writeManifest } from './manifest';
import { parseSegmentListLine } from './segment-list';

/** How often the free space under the recording is looked at (one statfs). */
const DISK_CHECK_MS = 2000;
/** SIGINT, then a second SIGINT at half of this (it interrupts a blocked read), then SIGKILL. */
const STOP_GRACE_MS = 3000;
/**
 * A broadcast id becomes a folder name under the recordings directory: one plain path segment (ids
 * are UUIDs), so a spec that reached Redis some other way cannot write outside it (`..`, `/`).
 */
const SAFE_FOLDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A complete segment as announced: its manifest entry plus where it is, relative to the recordings directory. */
export interface RecordedSegment extends ManifestSegment {
  recordingId: string;
  path: string;
}

export interface RecorderOptions {
  ffmpegPath: string;
  ffprobePath: string;
  programUrl: string;
  /** STREAM_RECORDINGS_DIR (absolute). */
  recordingsDir: string;
  broadcastId: string;
  workerId: string;
  segmentSeconds: number;
  previousRecordingId: string | null;
  /** Below this many free bytes where the recording is written, it stops with `disk_low`. */
  minFreeBytes: number;
  /** No progress this long: the recorder is restarted (the bus is silent while the cascade moves down). */
  stallMs: number;
  restartOnFailure: boolean;
  maxRestarts: number;
  logger: Logger;
  onSegment: (segment: RecordedSegment) => void;
  /** Once, when the recording has ended for good (after its last segment was announced). */
  onStopped: (reason: RecordingStopReason, totals: { segments: number; bytes: number }) => void;
  /** Where its ffmpeg and ffprobe children come from (default: the real ones; unit specs script fakes). */
  processes?: MediaProcesses;
}

/**
 * One recording of a broadcast: a copy ffmpeg reading the program bus (one more reader, like a
 * destination pusher) into MPEG-TS segments under `<recordingsDir>/<broadcastId>/<recordingId>/`, with
 * a manifest rewritten after each segment. A segment is complete when FFmpeg lists it on its segment
 * list (written after the file is closed).
 *
 * Source switches: FFmpeg 5.1 keeps writing the first source's SPS/PPS into MPEG-TS after the bus
 * brings new H.264 headers, and the frames after the switch do not decode (measured). A reader that
 * joins the bus between two sources can also get the old source's headers: node-media-server may
 * read the old publisher's last bytes (its headers, when it published only a moment) after its
 * process has exited. So at a switch the runner calls `cut()`: the process is killed while the bus
 * is silent, the segment it was writing is kept (it holds every packet up to the switch, see
 * recorderArgs), and the recorder is paused. When the new source is on air (its first progress, so
 * node-media-server holds its headers and first GOP) the runner calls `resume()`: a new process,
 * next sequence number, same recording. A segment thus never mixes two sources. A crashed
 * recorder's segment is kept the same way and the recorder restarts with backoff (not while paused).
 */
export class Recorder {
  readonly recordingId = randomUUID();
  readonly dir: string;
  state: 'recording' | 'stopped' = 'recording';
  stopReason: RecordingStopReason | null = null;
  lastError: string | null = null;
  private process: SupervisedProcess | null = null;
  private readonly manifest: RecordingManifest;
  private nextSequence = 0;
  private bytes = 0;
  /**
   * The wall clock (epoch ms) of the current process's media time 0: its first progress report's time
   * minus the media time it had written by then. The first packets it gets are node-media-server's
   * cached GOP, which happened before it joined, and this puts them back where they belong.
   */
  private clock: number | null = null;
  /** The current process's listed segments so far (0: none yet). */
  private listedByProcess = 0;
  private spawnedAt = 0;
  private cutting: Promise<void> = Promise.resolve();
  /** Segment list lines are handled one at a time, in order, so the manifest is written in order. */
  private chain: Promise<void> = Promise.resolve();
  private failuresInRow = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private diskTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  /** Between a cut and the next source on air: no process may join the bus. */
  private paused = false;
  /** The folder and manifest exist (start() got that far): a process may be spawned. */
  private ready = false;
  private readonly processes: MediaProcesses;

  constructor(private readonly options: RecorderOptions) {
    this.processes = options.processes ?? realMediaProcesses;
    this.dir = join(options.recordingsDir, options.broadcastId, this.recordingId);
    this.manifest = {
      broadcastId: options.broadcastId,
      recordingId: this.recordingId,
      previousRecordingId: options.previousRecordingId,
      workerId: options.workerId,
      format: 'mpegts',
      segmentSeconds: options.segmentSeconds,
      startedAt: new Date().toISOString(),
      endedAt: null,
      stopReason: null,
      segments: [],
    };
  }

  get segmentSeconds(): number {
    return this.options.segmentSeconds;
  }

  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  totals(): { segments: number; bytes: number } {
    return { segments: this.manifest.segments.length, bytes: this.bytes };
  }

  /** Creates the folder and its manifest and starts recording; a full disk or an unusable directory stops it at once. */
  async start(): Promise<void> {
    try {
      if (!SAFE_FOLDER.test(this.options.broadcastId)) throw new Error('the broadcast id is not usable as a folder name');
      await mkdir(this.dir, { recursive: true });
      if (await this.diskLow()) return void (await this.stop('disk_low'));
      await writeManifest(this.dir, this.manifest);
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.logger.error({ msg: 'recording could not start', recordingId: this.recordingId, reason: this.lastError });
      return void (await this.stop('error'));
    }
    if (this.stopping) return;
    this.diskTimer = setInterval(() => void this.checkDisk(), DISK_CHECK_MS);
    this.ready = true;
    this.spawn();
    this.options.logger.log({ msg: 'recording started', recordingId: this.recordingId, segmentSeconds: this.options.segmentSeconds });
  }

  /**
   * Ends the recording: FFmpeg is asked to finish (SIGINT) so the segment it writes is closed and
   * listed, that segment is announced, the manifest gets `endedAt`, then `onStopped`. Idempotent.
   */
  stop(reason: RecordingStopReason): Promise<void> {
    this.stopping ??= this.finish(reason);
    return this.stopping;
  }

  /**
   * A source switch: the process is killed now (the bus is silent between two sources), the segment
   * it was writing is kept as the last one before the switch, and no process starts (a crash retry
   * neither) until `resume()`. Also before `start()`, to start paused.
   */
  cut(): Promise<void> {
    if (this.stopping) return this.cutting;
    this.paused = true;
    const old = this.process;
    if (!old) return this.cutting;
    this.process = null;
    this.cutting = this.cutting.then(async () => {
      await old.stop();
      await this.keepPartialSegment();
    });
    return this.cutting;
  }

  /** The next source is on air: after a cut, recording goes on in a new process (else nothing happens). */
  async resume(): Promise<void> {
    if (!this.paused) return;
    this.paused = false;
    await this.cutting;
    if (this.paused || this.stopping) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.spawn();
  }

  private async finish(reason: RecordingStopReason): Promise<void> {
    if (this.diskTimer) clearInterval(this.diskTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.cutting;
    await this.process?.stop({ graceful: true, graceMs: STOP_GRACE_MS });
    // A last segment FFmpeg could not close and list (its input stalled: killed, or interrupted by the
    // second SIGINT, which also fails the trailer) is kept like a crashed one's; a listed one is not touched.
    await this.keepPartialSegment();
    this.state = 'stopped';
    this.stopReason = reason;
    this.manifest.endedAt = new Date().toISOString();
    this.manifest.stopReason = reason;
    await writeManifest(this.dir, this.manifest).catch((error: Error) => this.options.logger.warn({ msg: 'recording manifest not written', recordingId: this.recordingId, reason: error.message }));
    this.options.logger.log({ msg: 'recording stopped', recordingId: this.recordingId, reason, segments: this.manifest.segments.length, bytes: this.bytes });
    this.options.onStopped(reason, this.totals());
  }

  private spawn(): void {
    this.retryTimer = null;
    // One process at a time: start(), resume() and a crash retry may each get here.
    if (this.stopping || this.paused || this.process || !this.ready) return;
    this.clock = null;
    this.listedByProcess = 0;
    this.spawnedAt = Date.now();
    const process: SupervisedProcess = this.processes.ffmpeg({
      ffmpegPath: this.options.ffmpegPath,
      args: recorderArgs(this.options.programUrl, this.dir, this.options.segmentSeconds, this.nextSequence),
      label: `recorder ${this.recordingId.slice(0, 8)}`,
      stallMs: this.options.stallMs,
      startTimeoutMs: this.options.stallMs,
      // Also from a process being cut or stopped: its last segment is listed as it exits.
      onSideOutputLine: (line) => {
        this.chain = this.chain.then(() => this.onListed(line));
      },
    });
    this.process = process;
    process.on('progress', (block: ProgressBlock) => {
      if (this.process === process && this.clock === null && block.outTimeUs !== null && block.outTimeUs >= 0) this.clock = Date.now() - block.outTimeUs / 1000;
      if (process.startedAt && Date.now() - process.startedAt > HEALTHY_RESET_MS) this.failuresInRow = 0;
    });
    process.once('exit', (info: ExitInfo) => this.onExit(process, info));
    process.start();
  }

  private async onListed(line: string): Promise<void> {
    const entry = parseSegmentListLine(line);
    if (!entry) return;
    let sizeBytes: number;
    try {
      sizeBytes = (await stat(join(this.dir, entry.file))).size;
    } catch {
      return; // deleted already (retention never touches a recording being written; an operator might)
    }
    this.listedByProcess++;
    await this.add(entry.sequence, entry.file, (this.clock ?? this.spawnedAt) + Math.round(entry.start * 1000), entry.end - entry.start, sizeBytes);
  }

  private async add(sequence: number, file: string, startedAtMs: number, durationSeconds: number, sizeBytes: number): Promise<void> {
    const previous = this.manifest.segments.at(-1);
    // Never before the end of the previous segment (the anchors are estimates).
    const floor = previous ? Date.parse(previous.startedAt) + Math.round(previous.durationSeconds * 1000) : 0;
    const segment: ManifestSegment = {
      sequence,
      file,
      startedAt: new Date(Math.max(startedAtMs, floor)).toISOString(),
      durationSeconds: Math.round(durationSeconds * 1000) / 1000,
      sizeBytes,
    };
    this.manifest.segments.push(segment);
    this.bytes += sizeBytes;
    this.nextSequence = sequence + 1;
    await writeManifest(this.dir, this.manifest).catch((error: Error) => this.options.logger.warn({ msg: 'recording manifest not written', recordingId: this.recordingId, reason: error.message }));
    this.options.onSegment({ ...segment, recordingId: this.recordingId, path: join(this.options.broadcastId, this.recordingId, file) });
  }

  /**
   * After a process was killed: the segment it was writing (never listed) is kept when it plays, as
   * the next segment, with the duration ffprobe reads; an empty or unreadable one is removed.
   */
  private async keepPartialSegment(): Promise<void> {
    await this.chain;
    const file = `seg-${String(this.nextSequence).padStart(5, '0')}.ts`;
    const path = join(this.dir, file);
    const sizeBytes = await stat(path).then((info) => info.size, () => null);
    if (sizeBytes === null) return;
    const duration = sizeBytes > 0 ? await this.processes.duration(this.options.ffprobePath, path) : null;
    if (!duration) {
      await rm(path, { force: true });
      return;
    }
    // It follows the process's last listed segment (the floor in add), or began with the process.
    await this.add(this.nextSequence, file, this.listedByProcess ? 0 : (this.clock ?? this.spawnedAt), duration, sizeBytes);
  }

  private onExit(process: SupervisedProcess, info: ExitInfo): void {
    if (this.process !== process || info.requested || this.stopping) return;
    this.process = null;
    this.cutting = this.cutting.then(() => this.keepPartialSegment());
    this.lastError = info.lastError ?? `recorder exited (${info.reason})`;
    this.failuresInRow++;
    this.options.logger.warn({ msg: 'recorder ended', recordingId: this.recordingId, reason: info.reason, code: info.code, signal: info.signal, lastError: this.lastError });
    if (!this.options.restartOnFailure || this.failuresInRow > this.options.maxRestarts) {
      void this.stop('error');
      return;
    }
    // Its last lines and segment come first: the next process starts after them, at the next sequence.
    void this.cutting.then(() => {
      if (!this.stopping) this.retryTimer = setTimeout(() => this.spawn(), backoff(this.failuresInRow));
    });
  }

  private async checkDisk(): Promise<void> {
    if (this.stopping) return;
    if (await this.diskLow()) {
      this.options.logger.warn({ msg: 'recording stopped: free space below STREAM_RECORDINGS_MIN_FREE_MB', recordingId: this.recordingId });
      await this.stop('disk_low');
    }
  }

  private async diskLow(): Promise<boolean> {
    try {
      return !(await Recorder.hasRoom(this.dir, this.options.minFreeBytes, true));
    } catch {
      return false; // the directory is gone or unreadable: FFmpeg's own write errors tell
    }
  }

  /** Whether the file system holding `dir` has at least `minFreeBytes` available to this process (statfs). */
  static async hasRoom(dir: string, minFreeBytes: number, throwOnError = false): Promise<boolean> {
    try {
      const fs = await statfs(dir);
      return fs.bavail * fs.bsize >= minFreeBytes;
    } catch (error) {
      if (throwOnError) throw error;
      return false;
    }
  }
}
