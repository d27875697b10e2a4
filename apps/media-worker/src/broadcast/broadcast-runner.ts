import { Logger } from '@nestjs/common';

import {
  type BroadcastHealth,
  type BroadcastInterruption,
  type BroadcastSpec,
  type DestinationChangeReason,
  type DestinationRuntime,
  type DestinationSpec,
  type DestinationState,
  type RecordingRuntime,
  type RecordingStopReason,
  type SealedUrl,
  VideoSourceType,
} from '@lib-stream/contracts';

import { DestinationPusher } from './destination-pusher';
import { type EncodeSettings, type ResolvedVideo, sourceArgs } from './ffmpeg/ffmpeg-args';
import type { ExitInfo } from './ffmpeg/ffmpeg-process';
import { type MediaProcesses, type SupervisedProcess, realMediaProcesses } from './ffmpeg/media-processes';
import type { ProgressBlock } from './ffmpeg/progress-parser';
import { FlapDamper, HEALTHY_RESET_MS, backoff } from './restart-policy';
import { type CascadeLevel, buildCascade, sameLevel } from './source-cascade';
import { type RecordedSegment, Recorder } from './recording/recorder';

/** No progress block for this long: the source is stuck (media.md §6: blocks come every ~1 s). */
const STALL_MS = 3000;
/** A source that has not produced anything by then is not coming (a live path nobody publishes to waits forever). */
const SOURCE_START_TIMEOUT_MS = 4000;
/**
 * Pushers see no data while the source cascade moves down; their watchdog must outlast the worst
 * switch (a source timing out, then the next one starting), or a source problem would cost the
 * destination connection.
 */
const PUSHER_STALL_MS = SOURCE_START_TIMEOUT_MS * 2;
const SWITCH_GAP_ESTIMATE_MS = 300;
/** How often a fallen-back broadcast looks at its camera in the registry. */
const CAMERA_CHECK_MS = 250;
/**
 * A relayed live stream other than our own camera: a dead publisher on a remote node-media-server
 * leaves its readers attached with no EOF (media.md §4a), so only silence tells. 150 ms without a
 * packet (30 fps video + ~43 audio packets/s) plus ~0.25 s to start the next source keeps the
 * destination frozen under 0.5 s (the 3 s watch took 2.6–3.3 s). A jittery remote stream that trips
 * it costs two short switches, and the flap damper backs it off if it keeps happening.
 */
const LIVE_STALL_MS = 150;
const LIVE_STATS_PERIOD_S = 0.05;
/** A level on air and moving this long has recovered: its flap history and the last error are cleared. */
const LEVEL_STABLE_MS = 10_000;
const RECOVERED_MS = 2000;

export interface RunnerSettings {
  ffmpegPath: string;
  ffprobePath: string;
  restartOnFailure: boolean;
  maxRestarts: number;
  recoveryCheckMs: number;
  defaultBackground: string;
  encode: EncodeSettings;
}

export interface LiveCamera {
  url: string;
  copyVideo: boolean;
  copyAudio: boolean;
  /** null: the camera sent no metadata, so its tracks are probed. */
  hasVideo: boolean | null;
  hasAudio: boolean | null;
  width: number | null;
  height: number | null;
  fps: number | null;
}

export interface RunnerDeps {
  settings: RunnerSettings;
  /** Decrypts a sealed URL (only ever handed to ffmpeg). */
  open(url: SealedUrl): string;
  /** The camera's readable URL while it is live, else null. */
  liveCamera(cameraId: string): Promise<LiveCamera | null>;
  /** The camera a sealed source URL names (its ingest URL), else null. */
  cameraForUrl(url: SealedUrl): string | null;
  bus: { open(): { token: string; url: string }; close(token: string): void; hasPublisher(token: string): boolean; forgetLastSource(token: string): void };
  /** Only real changes: called when a source of another type is actually on air (its first progress). */
  onSourceChanged(previous: VideoSourceType | null, current: VideoSourceType): void;
  /** The broadcast cannot go on (source exhausted, every destination failed): stop it with reason error. */
  onTerminal(message: string): void;
  recording: RecordingDeps;
  /** A destination's state changed (DestinationPusher's onStateChange), with its runtime after the change. */
  onDestinationState?(destination: DestinationRuntime, previous: DestinationState | null, reason: DestinationChangeReason): void;
  /** Where every ffmpeg and ffprobe child of this broadcast comes from (default: the real ones; unit specs script fakes). */
  processes?: MediaProcesses;
}

export interface RecordingDeps {
  /** STREAM_RECORDINGS_DIR, absolute. */
  dir: string;
  workerId: string;
  minFreeBytes: number;
  /** While a recording is stopped for lack of space (and still asked for), how often the space is looked at again. */
  spaceRecheckMs: number;
  onSegment(segment: RecordedSegment): void;
  onStopped(recordingId: string, reason: RecordingStopReason, totals: { segments: number; bytes: number }): void;
}

/**
 * One broadcast on this worker: the source cascade feeding the program bus and a pusher per
 * destination reading it. Sources switch break-before-make; pushers are never touched by a source
 * change, so the platform keeps one connection (media.md §4c).
 */
export class BroadcastRunner {
  private readonly logger: Logger;
  private readonly processes: MediaProcesses;
  private levels: CascadeLevel[];
  private levelIndex = -1;
  private source: SupervisedProcess | null = null;
  private sourceProgressed = false;
  private switching: Promise<void> = Promise.resolve();
  private sourceRestarts = 0;
  private sourceFailuresInRow = 0;
  private readonly levelRetryAt = new Map<number, number>();
  private readonly damper = new FlapDamper();
  /** The type last announced with onSourceChanged: what the platform really saw last. */
  private announcedType: VideoSourceType | null = null;
  /** currentVideoSource when it differs from the level's label (an audio-only camera over a picture). */
  private onAirLabel: string | null = null;
  private readonly pushers = new Map<string, DestinationPusher>();
  private recorder: Recorder | null = null;
  /** Recordings of this broadcast that ended (here or on the worker this one took it from). */
  private recordedBefore = { segments: 0, bytes: 0 };
  private previousRecordingId: string | null = null;
  /** The last recording of the worker this broadcast was taken from, as it ended there (shown until one starts here). */
  private inheritedRecording: RecordingRuntime | null = null;
  private recordingResumeTimer: NodeJS.Timeout | null = null;
  private bus: { token: string; url: string } | null = null;
  private recoveryTimer: NodeJS.Timeout | null = null;
  private recovering = false;
  /** The last camera lookup failed (see lookUpCamera). */
  private cameraLookupFailing = false;
  private sourceRetryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Ownership unproven (Redis unreachable, lease not renewed): nothing may reach the platforms. */
  private fenced = false;
  /** openSource with holdPrimary: a primary failure is reported (primaryFailure), not fallen back from. */
  private holding = false;
  private primaryFailure: string | null = null;
  private lastError: string | null = null;
  private fps: { frame: number; at: number; value: number | null } = { frame: 0, at: 0, value: null };
  private readonly fileProbes = new Map<string, Promise<{ copyVideo: boolean; hasAudio: boolean; copyAudio: boolean }>>();
  private cameraSize: { width: number; height: number; fps: number } | null = null;
  /** When the first source was seen publishing on the program bus (epoch ms; 25 ms resolution). */
  publishedAt: number | null = null;
  /** What the last applied update interrupted (reported by `update`). */
  lastInterruption: BroadcastInterruption | null = null;

  constructor(
    private spec: BroadcastSpec,
    /** When the broadcast first went on air (kept across adoptions). */
    readonly startedAt: string,
    private readonly deps: RunnerDeps,
  ) {
    this.logger = new Logger(`Broadcast ${spec.broadcastId.slice(0, 8)}`);
    this.processes = deps.processes ?? realMediaProcesses;
    this.levels = buildCascade(spec, deps.settings.defaultBackground, (url) => deps.cameraForUrl(url));
  }

  get broadcastId(): string {
    return this.spec.broadcastId;
  }

  get currentSpec(): BroadcastSpec {
    return this.spec;
  }

  /**
   * Starts the best available source and, alongside it, the pushers: node-media-server holds a
   * player that comes before the publisher and hands it the headers when they arrive, so both
   * connections are made in parallel. Resolves once the source publishes on the bus.
   * `primaryChecked`: the primary was validated a moment ago, so it is not probed a second time.
   */
  async start({ primaryChecked = false } = {}): Promise<void> {
    this.bus = this.deps.bus.open();
    await this.switchTo(primaryChecked ? 0 : await this.bestAvailableLevel(this.levels.length - 1), 'start');
    this.startDestinations();
    await this.waitForProgramPublisher(5000);
  }

  /**
   * The first half of a new broadcast's start, run beside its validation: the primary source alone,
   * publishing on the program bus (nothing reaches a platform before `startDestinations`). With
   * `holdPrimary` a failing primary does not fall down the cascade: its start-up is the check that
   * it is reachable, and the answer is why it failed (null once it publishes).
   */
  async openSource({ holdPrimary, timeoutMs }: { holdPrimary: boolean; timeoutMs: number }): Promise<string | null> {
    this.bus = this.deps.bus.open();
    this.holding = holdPrimary;
    try {
      await this.switchTo(0, 'start');
      await this.waitForProgramPublisher(timeoutMs);
      if (!this.holding) return null;
      return this.primaryFailure ?? (this.publishedAt ? null : `nothing read within ${timeoutMs} ms`);
    } finally {
      this.holding = false;
    }
  }

  /**
   * Connects every destination. Pushers read the program bus, so a platform sees a publish only once
   * a source publishes there (node-media-server hands a waiting player the headers as they arrive).
   */
  startDestinations(): void {
    for (const destination of this.spec.destinations) this.startPusher(destination);
    this.recoveryTimer ??= setInterval(() => void this.recover(), CAMERA_CHECK_MS);
    void this.syncRecording();
  }

  /**
   * Kills every process. The caller decides what the stop means (stopped, handed over, lost); the
   * recording ends with `recordingReason`. The recorder is asked to finish first, while the source still
   * feeds the bus, so its last segment is closed and listed rather than cut.
   */
  async stop(recordingReason: RecordingStopReason = 'broadcast_stopped'): Promise<void> {
    this.stopped = true;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    if (this.sourceRetryTimer) clearTimeout(this.sourceRetryTimer);
    if (this.recordingResumeTimer) clearInterval(this.recordingResumeTimer);
    const exits: Promise<unknown>[] = [];
    for (const pusher of this.pushers.values()) exits.push(pusher.stop());
    await this.recorder?.stop(recordingReason);
    await this.switching.catch(() => undefined);
    if (this.source) exits.push(this.source.stop());
    await Promise.all(exits);
    if (this.bus) this.deps.bus.close(this.bus.token);
  }

  /**
   * Stops every pusher (the platforms see this worker unpublish) and keeps the source on the bus:
   * while this worker cannot prove it still owns the broadcast, another may be taking it over, and
   * the platform must never see two publishers. `unfence` puts the destinations back.
   */
  async fence(): Promise<void> {
    if (this.fenced || this.stopped) return;
    this.fenced = true;
    const pushers = [...this.pushers.values()];
    this.pushers.clear();
    await Promise.all(pushers.map((pusher) => pusher.stop()));
  }

  /** The lease is ours again: every destination reconnects. */
  unfence(): void {
    if (!this.fenced || this.stopped) return;
    this.fenced = false;
    for (const destination of this.spec.destinations) this.startPusher(destination);
    // An update applied while fenced left the recording as it was (syncRecording waits for ownership).
    void this.syncRecording();
  }

  /** When the current source process was spawned and when it first reported progress (epoch ms), or null. */
  sourceTimes(): { spawned: number | null; firstProgress: number | null } {
    return { spawned: this.source?.startedAt ?? null, firstProgress: this.source?.firstProgressAt ?? null };
  }

  get isFenced(): boolean {
    return this.fenced;
  }

  /** Applies a changed spec; returns what it interrupted. Pushers whose destination is unchanged keep their connection. */
  async apply(next: BroadcastSpec): Promise<BroadcastInterruption> {
    this.spec = next;
    const nextIds = new Set(next.destinations.map((d) => d.destinationId));
    let removed = 0;
    let added = 0;
    let reconnected = 0;
    for (const [id, pusher] of this.pushers) {
      if (nextIds.has(id)) continue;
      removed++;
      this.pushers.delete(id);
      await pusher.stop();
    }
    for (const destination of next.destinations) {
      const current = this.pushers.get(destination.destinationId);
      if (!current) {
        added++;
        this.startPusher(destination);
      } else if (current.spec.url.enc !== destination.url.enc) {
        reconnected++;
        await current.reconnect(destination);
      }
    }
    await this.syncRecording();
    const levels = buildCascade(next, this.deps.settings.defaultBackground, (url) => this.deps.cameraForUrl(url));
    const onAir = this.levels[this.levelIndex];
    const keptIndex = levels.findIndex((level) => sameLevel(level, onAir));
    this.levels = levels;
    this.levelRetryAt.clear();
    let sourceRestarted = false;
    if (keptIndex === -1) {
      sourceRestarted = true;
      await this.switchTo(await this.bestAvailableLevel(levels.length - 1), 'update');
    } else {
      this.levelIndex = keptIndex;
    }
    this.lastInterruption = {
      revision: next.revision,
      destinationsReconnected: reconnected,
      destinationsAdded: added,
      destinationsRemoved: removed,
      sourceRestarted,
      estimatedGapMs: sourceRestarted ? SWITCH_GAP_ESTIMATE_MS : 0,
    };
    return this.lastInterruption;
  }

  health(): BroadcastHealth {
    if (this.stopped) return 'stopped';
    const sourceMoving = this.source?.lastProgressAt != null && Date.now() - this.source.lastProgressAt < STALL_MS;
    const pushers = [...this.pushers.values()];
    const live = pushers.filter((p) => p.state === 'live').length;
    if (!sourceMoving || live === 0) return 'unhealthy';
    return this.levelIndex > 0 || live < pushers.length ? 'degraded' : 'healthy';
  }

  videoSourceType(): VideoSourceType | null {
    return this.levels[this.levelIndex]?.type ?? null;
  }

  currentVideoSource(): string | null {
    return this.onAirLabel ?? this.levels[this.levelIndex]?.label ?? null;
  }

  restarts(): number {
    return this.sourceRestarts;
  }

  sourceFps(): number | null {
    return this.fps.value;
  }

  error(): string | null {
    return this.lastError;
  }

  destinations(): DestinationRuntime[] {
    return [...this.pushers.values()].map((p) => p.runtime());
  }

  /** Test and benchmark hook: the live processes' pids (source first). */
  pids(): { source: number | null; pushers: Record<string, number | null>; recorder: number | null } {
    const pushers: Record<string, number | null> = {};
    for (const [id, pusher] of this.pushers) pushers[id] = pusher.pid;
    return { source: this.source?.pid ?? null, pushers, recorder: this.recorder?.pid ?? null };
  }

  // --- recording ---

  /**
   * Continues the recording history of a broadcast taken over from another worker: its totals carry
   * on, and the new recording names the last one as `previousRecordingId`.
   */
  continueRecording(previous: RecordingRuntime | null | undefined): void {
    if (!previous) return;
    this.recordedBefore = { segments: previous.segments, bytes: previous.bytes };
    this.previousRecordingId = previous.recordingId;
    // One that was still being written ended with its worker.
    this.inheritedRecording = previous.state === 'recording' ? { ...previous, state: 'stopped', stopReason: 'worker_lost' } : previous;
  }

  /** The recording as the status shows it (totals over every recording of the broadcast), or null when never recorded. */
  recording(): RecordingRuntime | null {
    const recorder = this.recorder;
    // Not recording here (yet): the history taken over, if any, stays visible.
    if (!recorder) return this.inheritedRecording;
    const own = recorder.state === 'recording' ? recorder.totals() : { segments: 0, bytes: 0 };
    return {
      state: recorder.state,
      recordingId: recorder.recordingId,
      segmentSeconds: recorder.segmentSeconds,
      segments: this.recordedBefore.segments + own.segments,
      bytes: this.recordedBefore.bytes + own.bytes,
      stopReason: recorder.stopReason,
    };
  }

  /** Starts, ends or replaces the recorder to match the spec's `record` (a new segment length is a new recording). */
  private async syncRecording(): Promise<void> {
    if (this.stopped || this.fenced || !this.bus) return;
    const wanted = this.spec.record?.enabled ? this.spec.record.segmentSeconds : null;
    const current = this.recorder;
    if (current?.state === 'recording') {
      if (wanted === current.segmentSeconds) return;
      await current.stop(wanted === null ? 'disabled' : 'segment_length_changed');
    } else if (current && wanted === current.segmentSeconds && current.stopReason !== 'disabled') {
      return; // it stopped by itself (disk_low, error): an update asking for another segment length, or the space coming back, restarts it
    }
    if (wanted !== null && !this.stopped) await this.startRecorder(wanted);
  }

  private async startRecorder(segmentSeconds: number): Promise<void> {
    if (!this.bus) return;
    const deps = this.deps.recording;
    const recorder: Recorder = new Recorder({
      ffmpegPath: this.deps.settings.ffmpegPath,
      ffprobePath: this.deps.settings.ffprobePath,
      programUrl: this.bus.url,
      recordingsDir: deps.dir,
      broadcastId: this.broadcastId,
      workerId: deps.workerId,
      segmentSeconds,
      previousRecordingId: this.previousRecordingId,
      minFreeBytes: deps.minFreeBytes,
      stallMs: PUSHER_STALL_MS,
      restartOnFailure: this.deps.settings.restartOnFailure,
      maxRestarts: this.deps.settings.maxRestarts,
      logger: this.logger,
      onSegment: (segment) => deps.onSegment(segment),
      onStopped: (reason, totals) => {
        this.recordedBefore = { segments: this.recordedBefore.segments + totals.segments, bytes: this.recordedBefore.bytes + totals.bytes };
        deps.onStopped(recorder.recordingId, reason, totals);
        if (reason === 'disk_low') this.watchForSpace();
      },
      processes: this.processes,
    });
    this.recorder = recorder;
    this.previousRecordingId = recorder.recordingId;
    // Between two sources it waits for the next one on air, like after a switch.
    if (!this.source || !this.sourceProgressed) void recorder.cut();
    await recorder.start();
  }

  /** A recording stopped for lack of space starts again (a new recording) once there is room. */
  private watchForSpace(): void {
    if (this.recordingResumeTimer || this.stopped) return;
    this.recordingResumeTimer = setInterval(() => {
      const recorder = this.recorder;
      if (this.stopped || !recorder || recorder.state === 'recording' || recorder.stopReason !== 'disk_low' || !this.spec.record?.enabled) {
        if (this.recordingResumeTimer) clearInterval(this.recordingResumeTimer);
        this.recordingResumeTimer = null;
        return;
      }
      void Recorder.hasRoom(this.deps.recording.dir, this.deps.recording.minFreeBytes).then((room) => {
        if (!room || this.stopped || this.recorder !== recorder || !this.spec.record?.enabled) return;
        if (this.recordingResumeTimer) clearInterval(this.recordingResumeTimer);
        this.recordingResumeTimer = null;
        void this.startRecorder(this.spec.record.segmentSeconds);
      });
    }, this.deps.recording.spaceRecheckMs);
  }

  // --- source cascade ---

  /** Serialised so two failures (or a failure and a recovery) never race two sources onto the bus. */
  private switchTo(index: number, why: string): Promise<void> {
    this.switching = this.switching.then(() => this.doSwitch(index, why)).catch((error: unknown) => {
      this.logger.error({ msg: 'source switch failed', reason: (error as Error).message });
    });
    return this.switching;
  }

  private async doSwitch(index: number, why: string): Promise<void> {
    if (this.stopped) return;
    const previousType = this.levels[this.levelIndex]?.type ?? null;
    const old = this.source;
    this.source = null;
    // Break before make: the program path takes one publisher at a time.
    if (old) await old.stop();
    if (this.stopped) return;
    // The recording's segment ends here too, while the bus is silent; it resumes when the next source
    // is on air (recorder.ts: why). A pusher restarting meanwhile waits for the next source's headers.
    if (this.bus) this.deps.bus.forgetLastSource(this.bus.token);
    void this.recorder?.cut();
    const level = this.levels[index];
    const plan = await this.plan(index);
    if (!plan && this.holding) {
      this.primaryFailure = 'source not available';
      return;
    }
    if (!plan) {
      // The source vanished between the check and now: go on down.
      this.levelRetryAt.set(index, Date.now() + this.damper.failed(index, this.deps.settings.recoveryCheckMs));
      if (index < this.levels.length - 1) return this.doSwitch(index + 1, 'unavailable');
      return;
    }
    if (!this.bus) return;
    this.levelIndex = index;
    this.onAirLabel = plan.label;
    const args = sourceArgs(plan.video, plan.audioUrl, this.bus.url, this.encodeSettings(), { endWithAudio: plan.endWithAudio });
    const fast = level.input.kind === 'stream';
    const process = this.processes.ffmpeg({
      ffmpegPath: this.deps.settings.ffmpegPath,
      args,
      label: `source ${level.type}`,
      stallMs: fast ? LIVE_STALL_MS : STALL_MS,
      statsPeriodS: fast ? LIVE_STATS_PERIOD_S : 1,
      startTimeoutMs: SOURCE_START_TIMEOUT_MS,
      secrets: this.secrets(),
    });
    this.source = process;
    this.sourceProgressed = false;
    process.on('progress', (block: ProgressBlock) => this.onSourceProgress(process, index, block));
    process.once('exit', (info: ExitInfo) => this.onSourceExit(process, index, info));
    process.start();
    this.logger.log({ msg: 'source starting', videoSourceType: level.type, source: plan.label ?? level.label, from: previousType, why });
  }

  /** What the source process for level `index` reads: its own input, or for an audio-only camera that audio over the cascade's picture. */
  private async plan(index: number): Promise<SourcePlan | null> {
    const level = this.levels[index];
    const ownAudio = this.spec.audio ? this.deps.open(this.spec.audio) : null;
    if (level.input.kind !== 'camera') {
      const video = await this.resolve(level);
      return video ? { video, audioUrl: ownAudio, endWithAudio: false, label: null } : null;
    }
    const camera = await this.lookUpCamera(level.input.cameraId);
    if (!camera) return null;
    const tracks = await this.cameraTracks(camera);
    if (!tracks.video && !tracks.audio) return null;
    if (camera.width && camera.height) this.cameraSize = { width: camera.width, height: camera.height, fps: Math.round(camera.fps ?? 30) || 30 };
    if (tracks.video) {
      return { video: { kind: 'stream', url: camera.url, copyVideo: camera.copyVideo, hasAudio: tracks.audio, copyAudio: camera.copyAudio }, audioUrl: ownAudio, endWithAudio: false, label: null };
    }
    // Audio only: the camera's sound under the first picture below it that cannot go away (image,
    // file, default background or black); the process lives as long as the camera's audio.
    const backdrop = this.levels.find((candidate, i) => i > index && candidate.input.kind !== 'stream' && candidate.input.kind !== 'camera') ?? this.levels[this.levels.length - 1];
    const video = (await this.resolve(backdrop)) ?? { kind: 'black' as const };
    return { video, audioUrl: camera.url, endWithAudio: true, label: `${level.label} (audio only) over ${backdrop.label}` };
  }

  /** The camera's tracks from its metadata, or from ffprobe when it sent none. */
  private async cameraTracks(camera: LiveCamera): Promise<{ video: boolean; audio: boolean }> {
    if (camera.hasVideo !== null && camera.hasAudio !== null) return { video: camera.hasVideo, audio: camera.hasAudio };
    try {
      const probe = await this.processes.probe(this.deps.settings.ffprobePath, camera.url, 2);
      return { video: probe.video !== null, audio: probe.audio !== null };
    } catch {
      return { video: false, audio: false };
    }
  }

  private onSourceProgress(process: SupervisedProcess, index: number, block: ProgressBlock): void {
    if (process !== this.source) return;
    const now = Date.now();
    if (!this.sourceProgressed) this.onAir(index);
    this.sourceProgressed = true;
    const movingMs = now - (process.firstProgressAt ?? now);
    if (movingMs >= LEVEL_STABLE_MS) this.damper.clear(index);
    if (index === 0 && movingMs >= RECOVERED_MS) this.lastError = null;
    if (block.frame != null) {
      if (this.fps.at && block.frame >= this.fps.frame) this.fps.value = Math.round(((block.frame - this.fps.frame) * 1000 * 10) / Math.max(1, now - this.fps.at)) / 10;
      this.fps = { frame: block.frame, at: now, value: this.fps.value };
    }
    if (process.startedAt && now - process.startedAt > HEALTHY_RESET_MS) this.sourceFailuresInRow = 0;
  }

  /** The new source produces: only now has the program really changed, so only now is it announced. */
  private onAir(index: number): void {
    const type = this.levels[index]?.type;
    if (!type) return;
    this.logger.log({ msg: 'source on air', videoSourceType: type, source: this.currentVideoSource() });
    void this.recorder?.resume();
    if (type === this.announcedType) return;
    const previous = this.announcedType;
    this.announcedType = type;
    this.deps.onSourceChanged(previous, type);
  }

  private onSourceExit(process: SupervisedProcess, index: number, info: ExitInfo): void {
    if (info.requested || this.stopped || process !== this.source) return;
    this.source = null;
    this.fps = { frame: 0, at: 0, value: null };
    this.lastError = info.lastError ?? `source exited (${info.reason})`;
    this.sourceRestarts++;
    this.sourceFailuresInRow++;
    const level = this.levels[index];
    this.logger.warn({ msg: 'source ended', videoSourceType: level?.type, reason: info.reason, code: info.code, signal: info.signal, lastError: info.lastError });
    // Held at start: a primary that never produced anything is unreachable (the caller refuses the
    // start); one that did and then failed (a stall under load) falls back like any other.
    if (this.holding && !this.sourceProgressed) {
      this.primaryFailure = this.lastError;
      return;
    }
    const crashedWhileFine = info.signal !== null && info.reason === 'exited' && this.sourceProgressed;
    const last = index >= this.levels.length - 1;
    if (!crashedWhileFine && !last) {
      // The source itself failed: move down now, and look at it again later (later still when it keeps failing).
      const retryIn = this.damper.failed(index, this.deps.settings.recoveryCheckMs);
      this.levelRetryAt.set(index, Date.now() + retryIn);
      if (retryIn > this.deps.settings.recoveryCheckMs) this.logger.warn({ msg: 'source keeps failing: backing off', videoSourceType: level?.type, failures: this.damper.count(index), retryInMs: retryIn });
      void this.switchTo(index + 1, `fallback after ${info.reason}`);
      return;
    }
    // The process died (not its input), or black failed: restart in place with backoff.
    if (!this.deps.settings.restartOnFailure || this.sourceFailuresInRow > this.deps.settings.maxRestarts) {
      this.deps.onTerminal(`source failed ${this.sourceFailuresInRow} times in a row: ${this.lastError}`);
      return;
    }
    const delay = backoff(this.sourceFailuresInRow);
    this.sourceRetryTimer = setTimeout(() => void this.switchTo(index, `restart after ${info.reason}`), delay);
  }

  /** While on a fallback: move back up as soon as a better source answers. */
  private async recover(): Promise<void> {
    if (this.stopped || this.recovering || this.levelIndex <= 0) return;
    this.recovering = true;
    try {
      const best = await this.bestAvailableLevel(this.levelIndex - 1, true);
      if (best < this.levelIndex && !this.stopped) await this.switchTo(best, 'better source is back');
    } finally {
      this.recovering = false;
    }
  }

  /** The best level at or above `worst` whose source answers now (black and files always do). */
  private async bestAvailableLevel(worst: number, onlyBetter = false): Promise<number> {
    for (let index = 0; index <= worst; index++) {
      const retryAt = this.levelRetryAt.get(index) ?? 0;
      if (retryAt > Date.now()) continue;
      const level = this.levels[index];
      if (await this.isAvailable(level)) return index;
      // A camera is a Redis read: look often. Anything else costs an ffprobe: look every recovery interval.
      this.levelRetryAt.set(index, Date.now() + (level.input.kind === 'camera' ? CAMERA_CHECK_MS : this.deps.settings.recoveryCheckMs));
    }
    return onlyBetter ? Number.MAX_SAFE_INTEGER : worst;
  }

  private async isAvailable(level: CascadeLevel): Promise<boolean> {
    switch (level.input.kind) {
      case 'camera':
        return (await this.lookUpCamera(level.input.cameraId)) !== null;
      case 'stream':
        return this.processes.probe(this.deps.settings.ffprobePath, this.deps.open(level.input.url), 2)
          .then(() => true)
          .catch(() => false);
      default:
        return true;
    }
  }

  /**
   * The camera while it is live, else null; also null while it cannot be looked up (Redis away), said
   * once until a lookup works again. Rejecting instead, the lookup failed recover's timer unhandled
   * (every 250 ms on a fallback: the worker exited), and a switch to a camera level stopped the old
   * source and then put nothing on air, leaving the broadcast without a source.
   */
  private async lookUpCamera(cameraId: string): Promise<LiveCamera | null> {
    try {
      const camera = await this.deps.liveCamera(cameraId);
      this.cameraLookupFailing = false;
      return camera;
    } catch (error) {
      if (!this.cameraLookupFailing) this.logger.warn({ msg: 'camera lookup failed: taken as not live until it answers', cameraId, reason: (error as Error).message });
      this.cameraLookupFailing = true;
      return null;
    }
  }

  private async resolve(level: CascadeLevel): Promise<ResolvedVideo | null> {
    const input = level.input;
    switch (input.kind) {
      case 'camera':
        return null; // planned in plan(): it may be audio only
      case 'stream':
        // RTMP sources are H.264/AAC in FLV in practice; copy them (FFmpeg 5.1 cannot read anything else there).
        return { kind: 'stream', url: this.deps.open(input.url), copyVideo: true, hasAudio: true, copyAudio: true };
      case 'file':
      case 'default-file': {
        const path = input.kind === 'file' ? this.deps.open(input.url) : input.path;
        return { kind: 'file', path, ...(await this.fileCodecs(path)) };
      }
      case 'image':
        return { kind: 'image', path: this.deps.open(input.url) };
      case 'black':
        return { kind: 'black' };
    }
  }

  /** A looped file is copied when it already is H.264/AAC, else encoded. */
  private fileCodecs(path: string): Promise<{ copyVideo: boolean; hasAudio: boolean; copyAudio: boolean }> {
    let probe = this.fileProbes.get(path);
    if (!probe) {
      probe = this.processes.probe(this.deps.settings.ffprobePath, path, 5)
        .then((result) => ({
          copyVideo: result.video?.codec === 'h264',
          hasAudio: result.audio !== null,
          copyAudio: result.audio?.codec === 'aac',
        }))
        .catch(() => ({ copyVideo: false, hasAudio: false, copyAudio: false }));
      this.fileProbes.set(path, probe);
    }
    return probe;
  }

  /** Fallbacks are encoded like the camera so the platform sees steady sequence headers. */
  private encodeSettings(): EncodeSettings {
    const base = this.deps.settings.encode;
    const size = this.cameraSize;
    return {
      ...base,
      audioCodec: this.spec.audioCodec || base.audioCodec,
      audioBitrate: this.spec.audioBitrate || base.audioBitrate,
      ...(size ? { width: even(size.width), height: even(size.height), fps: size.fps } : {}),
    };
  }

  private async waitForProgramPublisher(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stopped && !this.primaryFailure && this.bus && !this.deps.bus.hasPublisher(this.bus.token) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (this.bus && this.deps.bus.hasPublisher(this.bus.token)) this.publishedAt = Date.now();
  }

  // --- destinations ---

  private startPusher(destination: DestinationSpec): void {
    if (this.stopped || this.fenced || !this.bus) return;
    const pusher: DestinationPusher = new DestinationPusher(destination, {
      ffmpegPath: this.deps.settings.ffmpegPath,
      programUrl: this.bus.url,
      destinationUrl: (): string => this.deps.open(pusher.spec.url),
      secrets: () => this.secrets(),
      stallMs: PUSHER_STALL_MS,
      restartOnFailure: this.deps.settings.restartOnFailure,
      maxRestarts: this.deps.settings.maxRestarts,
      logger: this.logger,
      onFailed: () => {
        if ([...this.pushers.values()].every((p) => p.state === 'failed')) this.deps.onTerminal(`every destination failed: ${pusher.lastError}`);
      },
      onStateChange: (previous, reason) => this.deps.onDestinationState?.(pusher.runtime(), previous, reason),
      processes: this.processes,
    });
    this.pushers.set(destination.destinationId, pusher);
    pusher.start();
  }

  /** Every full URL this broadcast handles, scrubbed from ffmpeg's stderr before anything reads it. */
  private secrets(): string[] {
    const sealed = [this.spec.audio, this.spec.backgroundVideo, this.spec.fallbackStream, this.spec.fallbackImage, ...this.spec.destinations.map((d) => d.url)];
    if (this.spec.video.kind === 'url') sealed.push(this.spec.video.url);
    const urls = sealed.filter((url): url is SealedUrl => url !== null).map((url) => this.deps.open(url));
    // The key part alone as well: ffmpeg sometimes prints only the path.
    return [...urls, ...urls.map((url) => url.split('/').pop() ?? '').filter((tail) => tail.length >= 6)];
  }
}

interface SourcePlan {
  video: ResolvedVideo;
  audioUrl: string | null;
  /** The audio is the live input: the process ends with it. */
  endWithAudio: boolean;
  /** currentVideoSource when not the level's own label. */
  label: string | null;
}

function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
