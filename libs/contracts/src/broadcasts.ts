import { createHash } from 'node:crypto';

import type { BroadcastSourceType, BroadcastStopReason, VideoSourceType } from './enums';

/**
 * Redis keys of the `stream-broadcasts` store. Nothing here holds a stream key: URLs are stored
 * encrypted (`enc`) next to their masked form, and source claims use a hash of the source.
 */
export const BroadcastKeys = {
  /** Desired state of a broadcast (JSON `BroadcastSpec`), written by control-api and the owner. */
  spec: (broadcastId: string) => `stream:bc:${broadcastId}`,
  /** Runtime state written by the owning worker every second (JSON `BroadcastRuntime`). */
  runtime: (broadcastId: string) => `stream:bc-runtime:${broadcastId}`,
  /** The owning worker's instance id, with a short TTL it renews (its lease). */
  lease: (broadcastId: string) => `stream:bc-lease:${broadcastId}`,
  /** Ids of broadcasts that should be on air. */
  active: () => 'stream:bc-active',
  /** Ids of every broadcast still kept (active and recently stopped), for list. */
  all: () => 'stream:bc-all',
  /** One broadcast per source: source key → broadcast id. */
  sourceClaim: (sourceKey: string) => `stream:bc-source:${sourceKey}`,
  /** Media worker heartbeat (JSON `MediaWorkerHeartbeat`, short TTL). */
  worker: (instanceId: string) => `stream:media-worker:${instanceId}`,
  workerPattern: () => 'stream:media-worker:*',
} as const;

/** A URL that may hold a secret: encrypted for FFmpeg, masked for everything else. */
export interface SealedUrl {
  enc: string;
  masked: string;
}

/** What the primary source of a broadcast is. */
export type BroadcastSourceRef =
  | { kind: 'camera'; cameraId: string }
  | { kind: 'url'; url: SealedUrl }
  | { kind: 'none' };

/** Bounds of `record.segmentSeconds` (the API refuses anything else with a 400). */
export const RECORD_SEGMENT_SECONDS = { min: 2, max: 600, default: 10 } as const;

/**
 * Recording of the program (what went on air, fallbacks included) into segmented MPEG-TS files on
 * the owning worker's disk (README, Broadcasts: Recordings).
 */
export interface RecordSpec {
  enabled: boolean;
  /** Target segment length in seconds; segments are cut at the next keyframe after it. */
  segmentSeconds: number;
}

/** Why a recording ended (`stream.broadcast.recording.stopped`). */
export type RecordingStopReason =
  /** The broadcast stopped. */
  | 'broadcast_stopped'
  /** An update turned recording off, or changed its segment length (a new recording follows). */
  | 'disabled'
  | 'segment_length_changed'
  /** Free space in the recordings directory fell below STREAM_RECORDINGS_MIN_FREE_MB; the broadcast goes on. */
  | 'disk_low'
  /** The worker shut down (SIGTERM) and handed the broadcast over; the adopter starts a new recording. */
  | 'handed_over'
  /** The worker died (announced by the adopter); the segment it was writing is not in the manifest. */
  | 'worker_lost'
  /** This worker lost the broadcast's lease to another. */
  | 'lease_lost'
  /** The recorder failed STREAM_BROADCAST_MAX_RESTARTS times in a row, or the directory is unusable. */
  | 'error';

export type RecordingState = 'recording' | 'stopped';

/** What the owner reports about a broadcast's recording (totals cover every recording of the broadcast). */
export interface RecordingRuntime {
  state: RecordingState;
  /** The current (or last) recording: one worker's uninterrupted run, one folder. */
  recordingId: string;
  segmentSeconds: number;
  /** Complete segments and their bytes, over all recordings of this broadcast. */
  segments: number;
  bytes: number;
  /** Set while `stopped`. */
  stopReason: RecordingStopReason | null;
}

export interface DestinationSpec {
  destinationId: string;
  url: SealedUrl;
}

/** Desired state of one broadcast. `revision` goes up with every change the owner must apply. */
export interface BroadcastSpec {
  broadcastId: string;
  sourceType: BroadcastSourceType;
  /** Camera, or a stream URL, that is the primary video (Camera broadcasts). */
  video: BroadcastSourceRef;
  /** Audio input laid over the cascade's video (GameAudio and VoiceRoom broadcasts). */
  audio: SealedUrl | null;
  /** Primary video of audio-only broadcasts. */
  backgroundVideo: SealedUrl | null;
  fallbackStream: SealedUrl | null;
  fallbackImage: SealedUrl | null;
  destinations: DestinationSpec[];
  /** Absent in specs written before recordings existed: not recorded. */
  record?: RecordSpec | null;
  audioCodec: string;
  audioBitrate: string;
  /** Hash of the source, for the one-broadcast-per-source claim. */
  sourceKey: string;
  voiceRoomId: string | null;
  /** Account that started it through the API (cleanup-by-account stops its broadcasts); null for voice and auto. */
  createdBy: string | null;
  desired: 'running' | 'stopped';
  stopReason: BroadcastStopReason | null;
  revision: number;
  createdAt: string;
}

export type BroadcastHealth = 'healthy' | 'degraded' | 'unhealthy' | 'stopped';
/**
 * Why a broadcast's health is what it is: `source_stalled` (the source makes no progress),
 * `no_destination_live`, `destination_down` (some but not all destinations live), `fallback_source`
 * (on a source below the primary), `stopped`; null when healthy. Codes only, never a message.
 */
export type BroadcastHealthReason = 'source_stalled' | 'no_destination_live' | 'destination_down' | 'fallback_source' | 'stopped';

/** `stopped`: the broadcast stopped, nothing pushes any more. */
export type DestinationState = 'connecting' | 'live' | 'retrying' | 'failed' | 'stopped';

export interface DestinationRuntime {
  destinationId: string;
  rtmpOutputUrl: string;
  state: DestinationState;
  /** Masked. */
  lastError: string | null;
  retryCount: number;
  bytesSent: number;
  liveSince: string | null;
}

/** What the owning worker reports about a broadcast; the API's status is built from it. */
export interface BroadcastRuntime {
  broadcastId: string;
  workerId: string | null;
  appliedRevision: number;
  health: BroadcastHealth;
  videoSourceType: VideoSourceType | null;
  /** Masked description of the source on air (camera id, masked URL, file name, `black`). */
  currentVideoSource: string | null;
  sourceRestarts: number;
  sourceFps: number | null;
  destinations: DestinationRuntime[];
  /** Masked. */
  lastError: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  stopReason: BroadcastStopReason | null;
  /** What the last applied update interrupted (for `update` responses). */
  lastInterruption: BroadcastInterruption | null;
  /** Null when the broadcast was never recorded (absent in runtimes of older workers). */
  recording?: RecordingRuntime | null;
  updatedAt: string;
}

export interface BroadcastInterruption {
  revision: number;
  /** Destinations whose connection was re-made (their URL changed) or newly opened/closed. */
  destinationsReconnected: number;
  destinationsAdded: number;
  destinationsRemoved: number;
  /** True when the source process was replaced (the cascade changed). */
  sourceRestarted: boolean;
  /** Expected frozen video at the destinations that stayed connected, in ms (0 when nothing changed). */
  estimatedGapMs: number;
}

/** A media worker's heartbeat: lets control-api answer 503 at once when no worker can broadcast. */
export interface MediaWorkerHeartbeat {
  instanceId: string;
  ffmpegAvailable: boolean;
  broadcastsRunning: number;
  maxBroadcasts: number;
  draining: boolean;
  updatedAt: string;
}

/** Bull job on `QueueNames.BroadcastAssignments`: one worker takes it and owns the broadcast. */
export interface BroadcastAssignmentJob {
  spec: BroadcastSpec;
  /** Epoch ms: a worker taking the job later skips it (whoever asked has been answered already). */
  takeBy?: number;
  /** The asking request's correlation id; the worker runs the job with it (its log lines and events carry it). */
  correlationId?: string;
}

/**
 * What a worker completes a broadcast job with. A refusal is a result, not a Bull failure, so the
 * job can be removed at once (no failed job kept with its spec and a stack trace) and the error
 * needs no parsing out of a message.
 */
export type BroadcastJobResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

/**
 * Options of every broadcast job: answered jobs leave nothing in Redis (the answer travels in Bull's
 * completed event), and a failed start is never retried behind the caller's back.
 */
export const BROADCAST_JOB_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: true } as const;

/**
 * Field control-api sets on a job's Bull hash when it gave up on adding it (Redis too slow): the job
 * may still land later, and the worker must then not act on it.
 */
export const BROADCAST_JOB_ABANDONED_FIELD = 'abandoned';

export const BROADCAST_LEASE_MS = 3000;
/** How long a stopped broadcast stays readable by status and list. */
export const BROADCAST_STOPPED_RETENTION_SECONDS = 3600;

/** Bull job on `QueueNames.BroadcastValidations`: any worker with FFmpeg checks new URLs for update. */
export interface BroadcastValidationJob {
  /** Epoch ms, as on assignment jobs. */
  takeBy?: number;
  /** As on assignment jobs. */
  correlationId?: string;
  /** Sources to probe with ffprobe (stream URLs, images, video files). */
  sources: { role: 'backgroundVideoUrl' | 'fallbackStreamUrl' | 'fallbackImageUrl' | 'sourceId'; url: SealedUrl }[];
  /** RTMP destinations to check for an answering server (handshake + connect, never a publish); `field` names the request field in refusals (default rtmpOutputUrl). */
  destinations: (SealedUrl & { field?: string })[];
}

/** The API view of a broadcast (seed `BroadcastStatus`, extended with destinations and the owner). */
export interface BroadcastStatusView {
  broadcastId: string;
  sourceType: BroadcastSourceType;
  /** Camera id, or the masked source URL. */
  sourceId: string | null;
  isActive: boolean;
  /** First destination, masked. */
  rtmpOutputUrl: string | null;
  currentVideoSource: string | null;
  videoSourceType: VideoSourceType | null;
  startedAt: string | null;
  durationSeconds: number | null;
  health: BroadcastHealth;
  destinations: DestinationRuntime[];
  fallbackStreamUrl: string | null;
  fallbackImageUrl: string | null;
  backgroundVideoUrl: string | null;
  workerId: string | null;
  sourceRestarts: number;
  lastError: string | null;
  stoppedAt: string | null;
  stopReason: BroadcastStopReason | null;
  revision: number;
  appliedRevision: number;
  /** Null when recording was never enabled. */
  recording: RecordingStatusView | null;
}

/** The API view of a broadcast's recording. */
export interface RecordingStatusView {
  /** What was asked (start or update). */
  enabled: boolean;
  segmentSeconds: number;
  /** `off`: enabled but no report from the owner yet. */
  state: RecordingState | 'off';
  recordingId: string | null;
  segments: number;
  bytes: number;
  stopReason: RecordingStopReason | null;
}

function recordingView(spec: BroadcastSpec, runtime: BroadcastRuntime | null, stopped: boolean): RecordingStatusView | null {
  const reported = runtime?.recording ?? null;
  const asked = spec.record ?? null;
  if (!reported && !asked) return null;
  return {
    enabled: asked?.enabled ?? false,
    segmentSeconds: reported?.segmentSeconds ?? asked?.segmentSeconds ?? RECORD_SEGMENT_SECONDS.default,
    // A stopped broadcast records nothing, whatever its owner wrote last (it may have died first).
    state: reported ? (stopped ? 'stopped' : reported.state) : 'off',
    recordingId: reported?.recordingId ?? null,
    segments: reported?.segments ?? 0,
    bytes: reported?.bytes ?? 0,
    stopReason: reported ? (reported.stopReason ?? (stopped ? 'broadcast_stopped' : null)) : null,
  };
}

/**
 * Builds the API view from the desired state and what the owner last reported. A broadcast with no
 * live owner (lease expired, waiting for adoption) shows as unhealthy.
 */
export function toBroadcastStatusView(spec: BroadcastSpec, runtime: BroadcastRuntime | null, ownerAlive: boolean, now = Date.now()): BroadcastStatusView {
  const stopped = spec.desired === 'stopped' && (runtime?.stoppedAt != null || !ownerAlive);
  const startedAt = runtime?.startedAt ?? null;
  const end = runtime?.stoppedAt ? Date.parse(runtime.stoppedAt) : now;
  const known = new Map((runtime?.destinations ?? []).map((d) => [d.destinationId, d]));
  return {
    broadcastId: spec.broadcastId,
    sourceType: spec.sourceType,
    sourceId: spec.video.kind === 'camera' ? spec.video.cameraId : spec.video.kind === 'url' ? spec.video.url.masked : (spec.audio?.masked ?? null),
    isActive: !stopped,
    rtmpOutputUrl: spec.destinations[0]?.url.masked ?? null,
    currentVideoSource: stopped ? null : (runtime?.currentVideoSource ?? null),
    videoSourceType: stopped ? null : (runtime?.videoSourceType ?? null),
    startedAt,
    durationSeconds: startedAt ? Math.max(0, Math.round((end - Date.parse(startedAt)) / 1000)) : null,
    health: stopped ? 'stopped' : ownerAlive ? (runtime?.health ?? 'unhealthy') : 'unhealthy',
    destinations: spec.destinations.map((d) => {
      const destination = known.get(d.destinationId) ?? {
          destinationId: d.destinationId,
          rtmpOutputUrl: d.url.masked,
          state: 'connecting',
          lastError: null,
          retryCount: 0,
          bytesSent: 0,
          liveSince: null,
        };
      // A stopped broadcast pushes nothing, whatever its owner wrote last (it may have died first).
      return stopped ? { ...destination, state: 'stopped' as const, liveSince: null } : destination;
    }),
    fallbackStreamUrl: spec.fallbackStream?.masked ?? null,
    fallbackImageUrl: spec.fallbackImage?.masked ?? null,
    backgroundVideoUrl: spec.backgroundVideo?.masked ?? null,
    workerId: ownerAlive ? (runtime?.workerId ?? null) : null,
    sourceRestarts: runtime?.sourceRestarts ?? 0,
    lastError: runtime?.lastError ?? null,
    stoppedAt: runtime?.stoppedAt ?? null,
    stopReason: runtime?.stopReason ?? spec.stopReason,
    revision: spec.revision,
    appliedRevision: runtime?.appliedRevision ?? 0,
    recording: recordingView(spec, runtime, stopped),
  };
}

/** The one-broadcast-per-source key: a hash, so no source URL (which may hold a key) ends up in a key name. */
export function broadcastSourceKey(source: { cameraId: string } | { url: string } | { voiceRoomId: string }): string {
  const text = 'cameraId' in source ? `camera:${source.cameraId}` : 'voiceRoomId' in source ? `voice:${source.voiceRoomId}` : source.url;
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Why a broadcast has the health the owning worker judged it, from its destinations' states
 * (null when healthy). Unhealthy with a destination live means the source stalled; degraded with
 * every destination live means it is on a fallback source.
 */
export function healthReason(health: BroadcastHealth, destinations: readonly DestinationState[]): BroadcastHealthReason | null {
  const live = destinations.filter((state) => state === 'live').length;
  switch (health) {
    case 'healthy':
      return null;
    case 'stopped':
      return 'stopped';
    case 'unhealthy':
      return live === 0 ? 'no_destination_live' : 'source_stalled';
    case 'degraded':
      return live < destinations.length ? 'destination_down' : 'fallback_source';
  }
}
