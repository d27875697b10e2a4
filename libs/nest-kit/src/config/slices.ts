import { dirname, join } from 'node:path';

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

/** The service as a whole: its master switch, its local state, and how it behaves around start and stop. */
export class ServiceSettings {
  /** Master feature flag (STREAM_ENABLED): when false control-api refuses platform links and sessions (503) and its viewer-count and chat polling stay idle. */
  readonly enabled: boolean;
  /** Directory for local state such as the embedded SQLite file and node-media-server's files, as set (STREAM_DATA_DIR; relative = to the working directory). */
  readonly dataDir: string;
  /** How long SIGTERM waits for in-flight work before exiting anyway (STREAM_SHUTDOWN_TIMEOUT_SECONDS). */
  readonly shutdownTimeoutMs: number;
  /** How long a distributed lock is held before it expires (STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS). */
  readonly lockTimeoutMs: number;

  constructor(config: AppConfig) {
    this.enabled = config.STREAM_ENABLED;
    this.dataDir = config.STREAM_DATA_DIR;
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
  /** Ingest URL handed to camera owners, as set (STREAM_RTMP_INGEST_PUBLIC_URL); the stream key goes after it. */
  readonly publicUrl: string;
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
    this.publicUrl = config.STREAM_RTMP_INGEST_PUBLIC_URL;
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
  /** The FFmpeg binary (STREAM_FFMPEG_PATH). */
  readonly ffmpegPath: string;
  /** STREAM_FFPROBE_PATH, or (when empty) the ffprobe beside STREAM_FFMPEG_PATH. */
  readonly ffprobePath: string;
  /** Simultaneous broadcasts one media worker runs (STREAM_MAX_CONCURRENT_BROADCASTS). */
  readonly maxConcurrent: number;
  /** Audio codec and bitrate of the RTMP output when a request names none (STREAM_BROADCAST_AUDIO_CODEC, STREAM_BROADCAST_AUDIO_BITRATE). */
  readonly audioCodec: string;
  readonly audioBitrate: string;
  /** H.264 encoder and bitrate used when a source must be encoded (STREAM_BROADCAST_VIDEO_CODEC, STREAM_BROADCAST_VIDEO_BITRATE, e.g. '2500k'). */
  readonly videoCodec: string;
  readonly videoBitrate: string;
  /** Frame size in pixels of encoded fallbacks when the primary source's size is unknown (STREAM_BROADCAST_FALLBACK_SIZE, WIDTHxHEIGHT). */
  readonly fallbackWidth: number;
  readonly fallbackHeight: number;
  /** Whether a crashed FFmpeg is restarted (STREAM_BROADCAST_RESTART_ON_FAILURE). */
  readonly restartOnFailure: boolean;
  /** Failed restarts in a row before a destination (or the source) gives up (STREAM_BROADCAST_MAX_RESTARTS). */
  readonly maxRestarts: number;
  /** Video background of audio-only broadcasts, a file path (STREAM_DEFAULT_BACKGROUND_VIDEO). */
  readonly defaultBackgroundVideo: string;
  /** Camera and RTMP destination a media worker broadcasts on start ('' = none); the URL holds a stream key. */
  readonly autoBroadcastCameraId: string;
  readonly autoBroadcastRtmpUrl: string;
  /** Destination of consented voice-room broadcasts ('' = they are ignored); holds a stream key. */
  readonly voiceRtmpUrl: string;

  constructor(config: AppConfig) {
    this.enabled = config.STREAM_BROADCAST_ENABLED;
    this.ffmpegPath = config.STREAM_FFMPEG_PATH;
    this.ffprobePath = config.STREAM_FFPROBE_PATH || join(dirname(config.STREAM_FFMPEG_PATH), 'ffprobe');
    this.maxConcurrent = config.STREAM_MAX_CONCURRENT_BROADCASTS;
    this.audioCodec = config.STREAM_BROADCAST_AUDIO_CODEC;
    this.audioBitrate = config.STREAM_BROADCAST_AUDIO_BITRATE;
    this.videoCodec = config.STREAM_BROADCAST_VIDEO_CODEC;
    this.videoBitrate = config.STREAM_BROADCAST_VIDEO_BITRATE;
    // Validated as WIDTHxHEIGHT by loadConfig.
    [this.fallbackWidth, this.fallbackHeight] = config.STREAM_BROADCAST_FALLBACK_SIZE.split('x').map(Number);
    this.restartOnFailure = config.STREAM_BROADCAST_RESTART_ON_FAILURE;
    this.maxRestarts = config.STREAM_BROADCAST_MAX_RESTARTS;
    this.defaultBackgroundVideo = config.STREAM_DEFAULT_BACKGROUND_VIDEO;
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
  /** The same timeout in whole seconds, for ffprobe calls whose API takes seconds. */
  readonly probeTimeoutSeconds: number;
  /** While on a fallback, how often a better source is looked for (STREAM_BROADCAST_RECOVERY_CHECK_SECONDS). */
  readonly recoveryCheckMs: number;

  constructor(config: AppConfig) {
    this.healthCheckIntervalMs = config.STREAM_BROADCAST_HEALTH_CHECK_INTERVAL_SECONDS * SECOND_MS;
    this.probeTimeoutMs = config.STREAM_RTMP_PROBE_TIMEOUT_SECONDS * SECOND_MS;
    this.probeTimeoutSeconds = config.STREAM_RTMP_PROBE_TIMEOUT_SECONDS;
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
  /** After a disk_low stop, how often free space is looked at again (STREAM_RECORDINGS_SPACE_RECHECK_SECONDS). */
  readonly spaceRecheckMs: number;

  constructor(config: AppConfig) {
    this.dir = config.STREAM_RECORDINGS_DIR;
    this.maxAgeMs = config.STREAM_RECORDINGS_MAX_AGE_HOURS * HOUR_MS;
    this.maxTotalBytes = config.STREAM_RECORDINGS_MAX_TOTAL_MB * MEGABYTE;
    this.minFreeBytes = config.STREAM_RECORDINGS_MIN_FREE_MB * MEGABYTE;
    this.spaceRecheckMs = config.STREAM_RECORDINGS_SPACE_RECHECK_SECONDS * SECOND_MS;
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
  /** Where Twitch and Google send the creator back after consent (STREAM_OAUTH_REDIRECT_URI; '' = linking not configured). */
  readonly oauthRedirectUri: string;

  constructor(config: AppConfig) {
    this.httpTimeoutMs = config.STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS * SECOND_MS;
    this.tokenRefreshMarginMs = config.STREAM_TOKEN_REFRESH_MARGIN_SECONDS * SECOND_MS;
    this.viewerCountRefreshMs = config.STREAM_VIEWER_COUNT_REFRESH_SECONDS * SECOND_MS;
    this.oauthStateTtlMs = config.STREAM_OAUTH_STATE_TTL_SECONDS * SECOND_MS;
    this.oauthRedirectUri = config.STREAM_OAUTH_REDIRECT_URI;
    Object.freeze(this);
  }
}

/** Incoming platform webhooks. */
export class WebhookSettings {
  /** Deliveries signed longer ago (or further ahead) than this are stale (STREAM_WEBHOOK_MAX_AGE_SECONDS). */
  readonly maxAgeMs: number;
  /** Secret Twitch EventSub signs deliveries with (STREAM_TWITCH_WEBHOOK_SECRET; '' = Twitch webhooks refused). Secret. */
  readonly twitchSecret: string;
  /** hub.verify_token YouTube WebSub (un)subscribe checks must carry (STREAM_YOUTUBE_WEBHOOK_TOKEN; '' = refused). Secret. */
  readonly youtubeVerifyToken: string;
  /** hub.secret for YouTube WebSub push signatures (STREAM_YOUTUBE_WEBSUB_SECRET; '' = pushes are not signed). Secret. */
  readonly youtubeWebSubSecret: string;
  /** HMAC-SHA256 secret of /stream/webhook/custom deliveries (STREAM_CUSTOM_WEBHOOK_SECRET; '' = custom webhook disabled). Secret. */
  readonly customSecret: string;

  constructor(config: AppConfig) {
    this.maxAgeMs = config.STREAM_WEBHOOK_MAX_AGE_SECONDS * SECOND_MS;
    this.twitchSecret = config.STREAM_TWITCH_WEBHOOK_SECRET;
    this.youtubeVerifyToken = config.STREAM_YOUTUBE_WEBHOOK_TOKEN;
    this.youtubeWebSubSecret = config.STREAM_YOUTUBE_WEBSUB_SECRET;
    this.customSecret = config.STREAM_CUSTOM_WEBHOOK_SECRET;
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

/** Twitch: the OAuth application, the endpoints, and where EventSub delivers. */
export class TwitchSettings {
  /** OAuth application (STREAM_TWITCH_CLIENT_ID, STREAM_TWITCH_CLIENT_SECRET; '' = not configured). The secret is secret. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** OAuth base URL, without a trailing path (STREAM_TWITCH_AUTH_BASE_URL): /authorize, /token, /validate, /revoke go after it. */
  readonly authBaseUrl: string;
  /** Helix API base URL (STREAM_TWITCH_API_BASE_URL). */
  readonly apiBaseUrl: string;
  /** Public URL EventSub subscriptions deliver to (STREAM_TWITCH_EVENTSUB_CALLBACK_URL; '' = subscriptions not managed). */
  readonly eventSubCallbackUrl: string;

  constructor(config: AppConfig) {
    this.clientId = config.STREAM_TWITCH_CLIENT_ID;
    this.clientSecret = config.STREAM_TWITCH_CLIENT_SECRET;
    this.authBaseUrl = config.STREAM_TWITCH_AUTH_BASE_URL;
    this.apiBaseUrl = config.STREAM_TWITCH_API_BASE_URL;
    this.eventSubCallbackUrl = config.STREAM_TWITCH_EVENTSUB_CALLBACK_URL;
    Object.freeze(this);
  }
}

/** YouTube and Google: the OAuth application, the endpoints, chat streaming, the daily quota and WebSub. */
export class YouTubeSettings {
  /** OAuth application (STREAM_YOUTUBE_CLIENT_ID, STREAM_YOUTUBE_CLIENT_SECRET; '' = not configured). The secret is secret. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Google's consent page (STREAM_GOOGLE_AUTH_URL). */
  readonly googleAuthUrl: string;
  /** Google OAuth base URL (STREAM_GOOGLE_OAUTH_BASE_URL): /token and /revoke go after it. */
  readonly googleOAuthBaseUrl: string;
  /** YouTube Data API base URL (STREAM_YOUTUBE_API_BASE_URL). */
  readonly apiBaseUrl: string;
  /** Data API key for videos.list viewer counts (STREAM_YOUTUBE_API_KEY; '' = a creator's OAuth token is used). Secret. */
  readonly apiKey: string;
  /** host:port of liveChatMessages.streamList, or 'off' (STREAM_YOUTUBE_GRPC_TARGET), and whether it uses TLS (STREAM_YOUTUBE_GRPC_TLS). */
  readonly grpcTarget: string;
  readonly grpcTls: boolean;
  /** Data API units the Google project may spend per Pacific-time day (STREAM_YOUTUBE_QUOTA_DAILY_UNITS). */
  readonly quotaDailyUnits: number;
  /** Public URL of /stream/webhook/youtube for WebSub push (STREAM_YOUTUBE_WEBSUB_CALLBACK_URL; '' = no WebSub subscriptions). */
  readonly webSubCallbackUrl: string;
  /** The WebSub hub channel feeds are subscribed on (STREAM_YOUTUBE_WEBSUB_HUB_URL). */
  readonly webSubHubUrl: string;

  constructor(config: AppConfig) {
    this.clientId = config.STREAM_YOUTUBE_CLIENT_ID;
    this.clientSecret = config.STREAM_YOUTUBE_CLIENT_SECRET;
    this.googleAuthUrl = config.STREAM_GOOGLE_AUTH_URL;
    this.googleOAuthBaseUrl = config.STREAM_GOOGLE_OAUTH_BASE_URL;
    this.apiBaseUrl = config.STREAM_YOUTUBE_API_BASE_URL;
    this.apiKey = config.STREAM_YOUTUBE_API_KEY;
    this.grpcTarget = config.STREAM_YOUTUBE_GRPC_TARGET;
    this.grpcTls = config.STREAM_YOUTUBE_GRPC_TLS;
    this.quotaDailyUnits = config.STREAM_YOUTUBE_QUOTA_DAILY_UNITS;
    this.webSubCallbackUrl = config.STREAM_YOUTUBE_WEBSUB_CALLBACK_URL;
    this.webSubHubUrl = config.STREAM_YOUTUBE_WEBSUB_HUB_URL;
    Object.freeze(this);
  }
}

/**
 * How callers' bearer tokens are checked. The two durations stay in seconds: JWT claims (exp, iat, nbf)
 * and jsonwebtoken's clockTolerance are in seconds.
 */
export class AuthSettings {
  /** HS256 secret (STREAM_AUTH_JWT_SECRET). Secret. */
  readonly jwtSecret: string;
  /** Required iss claim (STREAM_AUTH_JWT_ISSUER; '' = not checked). */
  readonly issuer: string;
  /** Value the aud claim must list (STREAM_AUTH_JWT_AUDIENCE; '' = not checked). */
  readonly audience: string;
  /** Longest exp - iat accepted, in seconds (STREAM_AUTH_JWT_MAX_LIFETIME_SECONDS; 0 = no limit). */
  readonly maxLifetimeSeconds: number;
  /** Clock skew allowed on exp and nbf, in seconds (STREAM_AUTH_JWT_CLOCK_TOLERANCE_SECONDS). */
  readonly clockToleranceSeconds: number;

  constructor(config: AppConfig) {
    this.jwtSecret = config.STREAM_AUTH_JWT_SECRET;
    this.issuer = config.STREAM_AUTH_JWT_ISSUER;
    this.audience = config.STREAM_AUTH_JWT_AUDIENCE;
    this.maxLifetimeSeconds = config.STREAM_AUTH_JWT_MAX_LIFETIME_SECONDS;
    this.clockToleranceSeconds = config.STREAM_AUTH_JWT_CLOCK_TOLERANCE_SECONDS;
    Object.freeze(this);
  }
}

/** Which viewers get tracking GUIDs, and how many per session. */
export class ViewerTrackingSettings {
  /** Tracked viewers per session (STREAM_MAX_TRACKED_VIEWERS_PER_SESSION). */
  readonly maxPerSession: number;
  /** Engagement score (0..1) from which a viewer is a HighEngager (STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD). */
  readonly engagementThreshold: number;
  /** STREAM_TRACK_SUBSCRIBERS, STREAM_TRACK_MODERATORS, STREAM_TRACK_RAID_LEADERS. */
  readonly trackSubscribers: boolean;
  readonly trackModerators: boolean;
  readonly trackRaidLeaders: boolean;

  constructor(config: AppConfig) {
    this.maxPerSession = config.STREAM_MAX_TRACKED_VIEWERS_PER_SESSION;
    this.engagementThreshold = config.STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD;
    this.trackSubscribers = config.STREAM_TRACK_SUBSCRIBERS;
    this.trackModerators = config.STREAM_TRACK_MODERATORS;
    this.trackRaidLeaders = config.STREAM_TRACK_RAID_LEADERS;
    Object.freeze(this);
  }
}

/** Sentiment of chat messages before it reaches a pulse. */
export class SentimentSettings {
  /** Messages whose confidence (0..1) is below this get no sentiment (STREAM_SENTIMENT_CONFIDENCE_FLOOR). */
  readonly confidenceFloor: number;
  /** Entries a session may buffer per second; the rest are shed (STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND). */
  readonly maxEntriesPerSecond: number;

  constructor(config: AppConfig) {
    this.confidenceFloor = config.STREAM_SENTIMENT_CONFIDENCE_FLOOR;
    this.maxEntriesPerSecond = config.STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND;
    Object.freeze(this);
  }
}

/** What broadcast sources may be (media workers). Lists are trimmed, lower-cased and frozen. */
export class MediaSourceSettings {
  /** Allowed source schemes, from rtmp, rtmps, http, https, file (STREAM_MEDIA_SOURCE_SCHEMES). */
  readonly sourceSchemes: readonly string[];
  /** Host names and CIDR ranges allowed although they resolve to private addresses (STREAM_MEDIA_ALLOWED_HOSTS). */
  readonly allowedHosts: readonly string[];
  /** Loopback and private ranges allowed for every host (STREAM_MEDIA_ALLOW_PRIVATE_HOSTS). */
  readonly allowPrivateHosts: boolean;
  /** The only directory file sources may be in: STREAM_MEDIA_DIR, or the directory of STREAM_DEFAULT_BACKGROUND_VIDEO. */
  readonly mediaDir: string;

  constructor(config: AppConfig) {
    this.sourceSchemes = Object.freeze(commaList(config.STREAM_MEDIA_SOURCE_SCHEMES));
    this.allowedHosts = Object.freeze(commaList(config.STREAM_MEDIA_ALLOWED_HOSTS));
    this.allowPrivateHosts = config.STREAM_MEDIA_ALLOW_PRIVATE_HOSTS;
    this.mediaDir = config.STREAM_MEDIA_DIR || dirname(config.STREAM_DEFAULT_BACKGROUND_VIDEO);
    Object.freeze(this);
  }
}

/** control-api's database. */
export class DatabaseSettings {
  /** MySQL/MariaDB URL (STREAM_DATABASE_URL; '' = embedded SQLite). Holds a password. */
  readonly url: string;
  /** Where the embedded SQLite file goes, as set (STREAM_DATA_DIR; relative = to the working directory). */
  readonly dataDir: string;

  constructor(config: AppConfig) {
    this.url = config.STREAM_DATABASE_URL;
    this.dataDir = config.STREAM_DATA_DIR;
    Object.freeze(this);
  }
}

/** The key that seals stored OAuth tokens and RTMP URLs (and keys Returner hashes). */
export class EncryptionSettings {
  /** STREAM_TOKEN_ENCRYPTION_KEY as set: 32 bytes as 64 hex chars or base64, '' = unset. Secret; parse it with parseEncryptionKey. */
  readonly tokenKey: string;

  constructor(config: AppConfig) {
    this.tokenKey = config.STREAM_TOKEN_ENCRYPTION_KEY;
    Object.freeze(this);
  }
}

/** Where Redis is. Satisfies RedisLocation, so it can be handed to resilientRedisOptions and friends. */
export class RedisSettings {
  /** STREAM_REDIS_URL: redis:// or rediss://, may hold a password. With sentinels only its credentials, db and TLS count. */
  readonly url: string;
  /** STREAM_REDIS_SENTINELS as set: host:port,host:port ('' = no Sentinel). */
  readonly sentinels: string;
  /** Master group name the sentinels monitor (STREAM_REDIS_SENTINEL_NAME). */
  readonly sentinelName: string;

  constructor(config: AppConfig) {
    this.url = config.STREAM_REDIS_URL;
    this.sentinels = config.STREAM_REDIS_SENTINELS;
    this.sentinelName = config.STREAM_REDIS_SENTINEL_NAME;
    Object.freeze(this);
  }
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
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
  TwitchSettings,
  YouTubeSettings,
  AuthSettings,
  ViewerTrackingSettings,
  SentimentSettings,
  MediaSourceSettings,
  DatabaseSettings,
  EncryptionSettings,
  RedisSettings,
] as const;

/** Nest providers for every slice, each built once from the validated configuration. */
export function settingsSliceProviders(config: AppConfig) {
  return SETTINGS_SLICES.map((Slice) => ({ provide: Slice, useValue: new Slice(config) }));
}
