import type { AppConfig } from './settings';

/*
 * Typed views of the validated configuration, one per concern, each built once at start-up
 * (StreamKitModule provides every slice) so a consumer injects only what it uses. Units are
 * converted here and nowhere else: durations end in `Ms` (milliseconds), sizes in `Bytes`. The
 * environment variables, their defaults and their validation stay in settings.ts / loadConfig.
 */

const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;
const MEGABYTE = 1024 * 1024;

/** How the service itself behaves around start and stop. */
export class ServiceSettings {
  /** How long SIGTERM waits for in-flight work before exiting anyway (STREAM_SHUTDOWN_TIMEOUT_SECONDS). */
  readonly shutdownTimeoutMs: number;
  /** How long a distributed lock is held before it expires (STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS). */
  readonly lockTimeoutMs: number;

  constructor(config: AppConfig) {
    this.shutdownTimeoutMs = config.STREAM_SHUTDOWN_TIMEOUT_SECONDS * SECOND_MS;
    this.lockTimeoutMs = config.STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS * SECOND_MS;
    Object.freeze(this);
  }
}

/** Sentiment pulses: how often each session gets one and how many entries it carries. */
export class PulseSettings {
  /** Pulse interval (STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS). */
  readonly intervalMs: number;
  /** The same interval in whole seconds, for the pulse payload and info endpoints that carry seconds. */
  readonly intervalSeconds: number;
  readonly minBatchSize: number;
  readonly maxBatchSize: number;
  /** Partitions the active sessions are split into for pulse-publisher replicas. */
  readonly partitions: number;

  constructor(config: AppConfig) {
    this.intervalSeconds = config.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS;
    this.intervalMs = config.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS * SECOND_MS;
    this.minBatchSize = config.STREAM_SENTIMENT_MIN_BATCH_SIZE;
    this.maxBatchSize = config.STREAM_SENTIMENT_MAX_BATCH_SIZE;
    this.partitions = config.STREAM_SENTIMENT_PULSE_PARTITIONS;
    Object.freeze(this);
  }
}

/** Camera ingest on a media worker (node-media-server) and engine-announced cameras. */
export class CameraIngestSettings {
  /** RTMP port cameras publish to. */
  readonly rtmpPort: number;
  /** Host other media workers read this worker's cameras from ('' = the machine hostname). */
  readonly advertisedHost: string;
  /** A disconnected camera stays live this long (STREAM_CAMERA_OFFLINE_GRACE_SECONDS). */
  readonly offlineGraceMs: number;
  /** A publisher silent this long counts as disconnected (STREAM_CAMERA_STALL_SECONDS). */
  readonly stallMs: number;
  /** An engine-announced camera expires unless announced again within this (STREAM_CAMERA_ANNOUNCE_TTL_SECONDS). */
  readonly announceTtlMs: number;

  constructor(config: AppConfig) {
    this.rtmpPort = config.STREAM_RTMP_INGEST_PORT;
    this.advertisedHost = config.STREAM_MEDIA_WORKER_ADVERTISED_HOST;
    this.offlineGraceMs = config.STREAM_CAMERA_OFFLINE_GRACE_SECONDS * SECOND_MS;
    this.stallMs = config.STREAM_CAMERA_STALL_SECONDS * SECOND_MS;
    this.announceTtlMs = config.STREAM_CAMERA_ANNOUNCE_TTL_SECONDS * SECOND_MS;
    Object.freeze(this);
  }
}

/** RTMP broadcasting: whether it is on, what runs it, and the outputs' defaults. */
export class BroadcastSettings {
  /** STREAM_BROADCAST_ENABLED: the broadcast API and the media workers' broadcasting. */
  readonly enabled: boolean;
  readonly ffmpegPath: string;
  /** Simultaneous broadcasts one media worker runs. */
  readonly maxConcurrent: number;
  /** Audio codec and bitrate of the RTMP output when a request names none. */
  readonly audioCodec: string;
  readonly audioBitrate: string;
  /** Camera and RTMP destination a media worker broadcasts on start ('' = none); the URL holds a stream key. */
  readonly autoBroadcastCameraId: string;
  readonly autoBroadcastRtmpUrl: string;
  /** Destination of consented voice-room broadcasts ('' = they are ignored); holds a stream key. */
  readonly voiceRtmpUrl: string;

  constructor(config: AppConfig) {
    this.enabled = config.STREAM_BROADCAST_ENABLED;
    this.ffmpegPath = config.STREAM_FFMPEG_PATH;
    this.maxConcurrent = config.STREAM_MAX_CONCURRENT_BROADCASTS;
    this.audioCodec = config.STREAM_BROADCAST_AUDIO_CODEC;
    this.audioBitrate = config.STREAM_BROADCAST_AUDIO_BITRATE;
    this.autoBroadcastCameraId = config.STREAM_AUTO_BROADCAST_CAMERA_ID;
    this.autoBroadcastRtmpUrl = config.STREAM_AUTO_BROADCAST_RTMP_URL;
    this.voiceRtmpUrl = config.STREAM_VOICE_BROADCAST_RTMP_URL;
    Object.freeze(this);
  }
}

/** Broadcast timing on a media worker: health checks, probes, recovery. */
export class BroadcastTimingSettings {
  /** How often running broadcasts are health-checked (STREAM_BROADCAST_HEALTH_CHECK_INTERVAL_SECONDS). */
  readonly healthCheckIntervalMs: number;
  /** How long a source or destination probe may take (STREAM_RTMP_PROBE_TIMEOUT_SECONDS). */
  readonly probeTimeoutMs: number;
  /** While on a fallback, how often a better source is looked for (STREAM_BROADCAST_RECOVERY_CHECK_SECONDS). */
  readonly recoveryCheckMs: number;

  constructor(config: AppConfig) {
    this.healthCheckIntervalMs = config.STREAM_BROADCAST_HEALTH_CHECK_INTERVAL_SECONDS * SECOND_MS;
    this.probeTimeoutMs = config.STREAM_RTMP_PROBE_TIMEOUT_SECONDS * SECOND_MS;
    this.recoveryCheckMs = config.STREAM_BROADCAST_RECOVERY_CHECK_SECONDS * SECOND_MS;
    Object.freeze(this);
  }
}

/** Broadcast recordings on a media worker: where they go and when they are deleted or stopped. */
export class RecordingSettings {
  /** STREAM_RECORDINGS_DIR as set ('' = "recordings" under the data directory). */
  readonly dir: string;
  /** Finished recordings older than this are deleted (0 = no age limit). */
  readonly maxAgeMs: number;
  /** Above this total the oldest finished recordings are deleted (0 = no size limit). */
  readonly maxTotalBytes: number;
  /** A recording stops when free space falls below this. */
  readonly minFreeBytes: number;

  constructor(config: AppConfig) {
    this.dir = config.STREAM_RECORDINGS_DIR;
    this.maxAgeMs = config.STREAM_RECORDINGS_MAX_AGE_HOURS * HOUR_MS;
    this.maxTotalBytes = config.STREAM_RECORDINGS_MAX_TOTAL_MB * MEGABYTE;
    this.minFreeBytes = config.STREAM_RECORDINGS_MIN_FREE_MB * MEGABYTE;
    Object.freeze(this);
  }
}

/** Calls to the platforms (Twitch, Google/YouTube) and the timing of what control-api does with them. */
export class PlatformApiSettings {
  /** Timeout of each call to a platform API (STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS). */
  readonly httpTimeoutMs: number;
  /** OAuth access tokens are refreshed this long before they expire (STREAM_TOKEN_REFRESH_MARGIN_SECONDS). */
  readonly tokenRefreshMarginMs: number;
  /** How often the viewer counts of active sessions are refreshed (STREAM_VIEWER_COUNT_REFRESH_SECONDS). */
  readonly viewerCountRefreshMs: number;
  /** How long a link request (OAuth state) stays valid (STREAM_OAUTH_STATE_TTL_SECONDS). */
  readonly oauthStateTtlMs: number;

  constructor(config: AppConfig) {
    this.httpTimeoutMs = config.STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS * SECOND_MS;
    this.tokenRefreshMarginMs = config.STREAM_TOKEN_REFRESH_MARGIN_SECONDS * SECOND_MS;
    this.viewerCountRefreshMs = config.STREAM_VIEWER_COUNT_REFRESH_SECONDS * SECOND_MS;
    this.oauthStateTtlMs = config.STREAM_OAUTH_STATE_TTL_SECONDS * SECOND_MS;
    Object.freeze(this);
  }
}

/** Incoming platform webhooks. */
export class WebhookSettings {
  /** Deliveries signed longer ago (or further ahead) than this are stale (STREAM_WEBHOOK_MAX_AGE_SECONDS). */
  readonly maxAgeMs: number;

  constructor(config: AppConfig) {
    this.maxAgeMs = config.STREAM_WEBHOOK_MAX_AGE_SECONDS * SECOND_MS;
    Object.freeze(this);
  }
}

/** How long ended sessions and their figures are kept. */
export class SessionHistorySettings {
  /** STREAM_SESSION_HISTORY_RETENTION_HOURS; 0 keeps nothing past the end. */
  readonly retentionMs: number;

  constructor(config: AppConfig) {
    this.retentionMs = config.STREAM_SESSION_HISTORY_RETENTION_HOURS * HOUR_MS;
    Object.freeze(this);
  }
}

/** Returner tracking: the lifetime of the salt that keys viewer hashes, and of each hash. */
export class ReturnerSettings {
  /** Whether Returner hashes are kept at all (STREAM_TRACK_RETURNERS). */
  readonly enabled: boolean;
  /** A new salt (a new, unlinkable period) starts this often (STREAM_TRACKED_RETURNER_SALT_ROTATION_HOURS). */
  readonly saltRotationMs: number;
  /** A hash is deleted this long after the viewer was last seen (STREAM_TRACKED_RETURNER_RETENTION_HOURS). */
  readonly retentionMs: number;

  constructor(config: AppConfig) {
    this.enabled = config.STREAM_TRACK_RETURNERS;
    this.saltRotationMs = config.STREAM_TRACKED_RETURNER_SALT_ROTATION_HOURS * HOUR_MS;
    this.retentionMs = config.STREAM_TRACKED_RETURNER_RETENTION_HOURS * HOUR_MS;
    Object.freeze(this);
  }
}

/** Every slice class, for providing them all at once. */
export const SETTINGS_SLICES = [
  ServiceSettings,
  PulseSettings,
  CameraIngestSettings,
  BroadcastSettings,
  BroadcastTimingSettings,
  RecordingSettings,
  PlatformApiSettings,
  WebhookSettings,
  SessionHistorySettings,
  ReturnerSettings,
] as const;

/** Nest providers for every slice, each built once from the validated configuration. */
export function settingsSliceProviders(config: AppConfig) {
  return SETTINGS_SLICES.map((Slice) => ({ provide: Slice, useValue: new Slice(config) }));
}
