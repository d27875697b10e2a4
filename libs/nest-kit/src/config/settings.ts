/**
 * Every environment variable lib-stream reads, in one table: name, type, default, whether it is a
 * secret, and what it is for. Config loading, the masked config dump and `.env.example` all follow it.
 */
export type SettingKind = 'boolean' | 'integer' | 'number' | 'string';

interface SettingSpec<K extends SettingKind> {
  kind: K;
  default: KindValue<K>;
  description: string;
  secret?: boolean;
  /** A URL that may embed a password: only the password is treated as secret. */
  credentialUrl?: boolean;
  min?: number;
  max?: number;
  /** Extra check on a non-empty string value; returns an error message or null. */
  check?: (value: string) => string | null;
}

type KindValue<K extends SettingKind> = K extends 'boolean' ? boolean : K extends 'string' ? string : number;

const bool = (def: boolean, description: string): SettingSpec<'boolean'> => ({ kind: 'boolean', default: def, description });
const int = (def: number, description: string, min = 0, max = Number.MAX_SAFE_INTEGER): SettingSpec<'integer'> => ({
  kind: 'integer',
  default: def,
  description,
  min,
  max,
});
const num = (def: number, description: string, min: number, max: number): SettingSpec<'number'> => ({
  kind: 'number',
  default: def,
  description,
  min,
  max,
});
const str = (def: string, description: string, extra: Partial<SettingSpec<'string'>> = {}): SettingSpec<'string'> => ({
  kind: 'string',
  default: def,
  description,
  ...extra,
});
const secret = (description: string, extra: Partial<SettingSpec<'string'>> = {}): SettingSpec<'string'> =>
  str('', description, { secret: true, ...extra });

const urlWithScheme =
  (...schemes: string[]) =>
  (value: string): string | null => {
    try {
      const url = new URL(value);
      return schemes.includes(url.protocol) ? null : `must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL`;
    } catch {
      return `must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL`;
    }
  };

const H264_ENCODERS = ['libx264', 'libx264rgb', 'libopenh264', 'h264_nvenc', 'h264_qsv', 'h264_vaapi', 'h264_v4l2m2m', 'h264_omx'];

const bitrate = (value: string): string | null => (/^\d+[kKmM]?$/.test(value) ? null : 'must be a bitrate such as 128k');

export const SETTINGS = {
  // --- the specification's 30 settings ---
  STREAM_ENABLED: bool(false, 'Master feature flag for the entire stream service'),
  STREAM_TWITCH_CLIENT_ID: str('', 'Twitch OAuth application client ID'),
  STREAM_TWITCH_CLIENT_SECRET: secret('Twitch OAuth application client secret'),
  STREAM_TWITCH_WEBHOOK_SECRET: secret('Twitch EventSub webhook signing secret'),
  STREAM_YOUTUBE_CLIENT_ID: str('', 'YouTube OAuth application client ID'),
  STREAM_YOUTUBE_CLIENT_SECRET: secret('YouTube OAuth application client secret'),
  STREAM_YOUTUBE_WEBHOOK_TOKEN: secret('YouTube webhook verification token'),
  STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: int(15, 'How often sentiment pulses are published', 1, 3600),
  STREAM_SENTIMENT_MIN_BATCH_SIZE: int(5, 'Minimum sentiments before publishing a pulse', 1, 10_000),
  STREAM_SENTIMENT_MAX_BATCH_SIZE: int(200, 'Maximum sentiments per pulse (overflow drops lowest-intensity)', 1, 10_000),
  STREAM_MAX_TRACKED_VIEWERS_PER_SESSION: int(50, 'Maximum tracked viewers with opaque GUIDs per session', 0, 100_000),
  STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD: num(0.7, 'Minimum engagement score for HighEngager tracking', 0, 1),
  STREAM_TRACK_SUBSCRIBERS: bool(true, 'Whether platform subscribers get tracking GUIDs'),
  STREAM_TRACK_MODERATORS: bool(true, 'Whether platform moderators get tracking GUIDs'),
  STREAM_TRACK_RAID_LEADERS: bool(true, 'Whether raid leaders get tracking GUIDs'),
  STREAM_TRACK_RETURNERS: bool(true, 'Whether viewers seen in an earlier session get Returner tracking GUIDs (false = no keyed hashes of viewers are stored at all)'),
  STREAM_TRACKED_RETURNER_SALT_ROTATION_HOURS: int(720, 'Lifetime of the random salt that keys Returner hashes; a new salt starts a new period whose hashes cannot be linked to the last one\'s', 1, 87_600),
  STREAM_TRACKED_RETURNER_RETENTION_HOURS: int(720, 'A Returner hash is deleted this long after the viewer was last seen (and at the latest when its salt expires)', 1, 87_600),
  STREAM_TOKEN_ENCRYPTION_KEY: secret(
    'AES-256-GCM key for stored OAuth tokens and RTMP URLs: 32 bytes as 64 hex chars or base64 (openssl rand -base64 32)',
  ),
  STREAM_SESSION_HISTORY_RETENTION_HOURS: int(168, 'Hours to retain ended session records (1 week)', 0, 87_600),
  STREAM_BROADCAST_ENABLED: bool(false, 'Feature flag for RTMP broadcast capabilities'),
  STREAM_FFMPEG_PATH: str('/usr/bin/ffmpeg', 'Path to FFmpeg binary'),
  STREAM_DEFAULT_BACKGROUND_VIDEO: str('/opt/bannou/backgrounds/default.mp4', 'Default video background for audio-only broadcasts'),
  STREAM_MAX_CONCURRENT_BROADCASTS: int(10, 'Maximum simultaneous FFmpeg broadcast processes (per media worker)', 0, 1000),
  STREAM_BROADCAST_AUDIO_CODEC: str('aac', 'Audio codec for RTMP output'),
  STREAM_BROADCAST_AUDIO_BITRATE: str('128k', 'Audio bitrate for RTMP output', { check: bitrate }),
  STREAM_BROADCAST_VIDEO_CODEC: str('libopenh264', 'Video codec for RTMP output when a source must be encoded: an H.264 encoder (FLV/RTMP cannot carry VP8, so the specification\'s libvpx is refused). libopenh264 and the hardware encoders work in an LGPL FFmpeg (docker/build-ffmpeg-lgpl.sh); libx264 only in a GPL build such as Debian\'s, for development', {
    check: (value) => (H264_ENCODERS.includes(value) ? null : `must be an H.264 encoder FFmpeg can put in FLV: ${H264_ENCODERS.join(', ')}`),
  }),
  STREAM_BROADCAST_RESTART_ON_FAILURE: bool(true, 'Auto-restart FFmpeg on crash'),
  STREAM_BROADCAST_HEALTH_CHECK_INTERVAL_SECONDS: int(10, 'FFmpeg health check frequency', 1, 3600),
  STREAM_RTMP_PROBE_TIMEOUT_SECONDS: int(5, 'FFprobe timeout for RTMP URL validation', 1, 120),
  STREAM_AUTO_BROADCAST_CAMERA_ID: str('', 'Camera ID to auto-broadcast on startup (empty = disabled)'),
  STREAM_AUTO_BROADCAST_RTMP_URL: secret('RTMP destination for auto-broadcast (empty = disabled); holds a stream key', {
    check: urlWithScheme('rtmp:', 'rtmps:'),
  }),
  STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS: int(30, 'Timeout for distributed lock acquisition', 1, 3600),

  // --- platform endpoints and OAuth (real platforms by default; point them at local servers in tests/staging) ---
  STREAM_OAUTH_REDIRECT_URI: str('', 'Where Twitch/YouTube send the creator back after consent (your dashboard page); must be registered with both platforms', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_OAUTH_STATE_TTL_SECONDS: int(600, 'How long a link request (OAuth state) stays valid', 30, 86_400),
  STREAM_TWITCH_AUTH_BASE_URL: str('https://id.twitch.tv/oauth2', 'Twitch OAuth base URL (authorize, token, validate, revoke)', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_TWITCH_API_BASE_URL: str('https://api.twitch.tv/helix', 'Twitch Helix API base URL', { check: urlWithScheme('https:', 'http:') }),
  STREAM_GOOGLE_AUTH_URL: str('https://accounts.google.com/o/oauth2/v2/auth', 'Google OAuth consent page URL', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_GOOGLE_OAUTH_BASE_URL: str('https://oauth2.googleapis.com', 'Google OAuth base URL (token, revoke)', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_YOUTUBE_API_BASE_URL: str('https://www.googleapis.com/youtube/v3', 'YouTube Data API base URL', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_YOUTUBE_GRPC_TARGET: str('youtube.googleapis.com:443', 'gRPC host:port for YouTube liveChatMessages.streamList (off = poll liveChatMessages.list only)', {
    check: (value) => (value === 'off' || /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(value) ? null : 'must be host:port or off'),
  }),
  STREAM_YOUTUBE_GRPC_TLS: bool(true, 'Use TLS for STREAM_YOUTUBE_GRPC_TARGET (false only for a local fake)'),
  STREAM_YOUTUBE_QUOTA_DAILY_UNITS: int(10_000, 'YouTube Data API units this deployment\'s Google project may spend per day (Google resets at midnight Pacific); polling stretches its interval to stay under it', 1, 100_000_000),
  STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS: int(10, 'Timeout for each call to a platform API', 1, 120),
  STREAM_TOKEN_REFRESH_MARGIN_SECONDS: int(600, 'Refresh OAuth access tokens this long before they expire', 0, 86_400),

  // --- audience ingest ---
  STREAM_TWITCH_EVENTSUB_CALLBACK_URL: str('', 'Public HTTPS URL of /stream/webhook/twitch that EventSub subscriptions deliver to (empty = subscriptions not managed)', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_YOUTUBE_WEBSUB_CALLBACK_URL: str('', 'Public URL of /stream/webhook/youtube for WebSub push (empty = no WebSub subscriptions)', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_YOUTUBE_WEBSUB_HUB_URL: str('https://pubsubhubbub.appspot.com/subscribe', 'WebSub hub that YouTube channel feeds are subscribed on', {
    check: urlWithScheme('https:', 'http:'),
  }),
  STREAM_YOUTUBE_WEBSUB_SECRET: secret('Optional hub.secret: when set, pushed notifications must carry a matching X-Hub-Signature (HMAC-SHA1)'),
  STREAM_CUSTOM_WEBHOOK_SECRET: secret('HMAC-SHA256 secret that signs deliveries to /stream/webhook/custom (empty = custom webhook disabled)'),
  STREAM_WEBHOOK_MAX_AGE_SECONDS: int(600, 'Deliveries signed longer ago than this are rejected as stale (Twitch: 10 minutes)', 30, 3600),
  STREAM_SENTIMENT_CONFIDENCE_FLOOR: num(
    0.14,
    'Chat messages whose sentiment confidence (0..1) is below this get no sentiment: counted, never buffered (0.14 chosen on GoEmotions dev and our own labelled chat, tools/sentiment/choose-floor.ts)',
    0,
    1,
  ),
  STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: int(100, 'Burst protection: sentiment entries a session may buffer per second; the rest are shed and counted', 1, 100_000),
  STREAM_SENTIMENT_PULSE_PARTITIONS: int(64, 'Partitions the active sessions are split into (hash of the session id) for pulse-publisher replicas to share; every replica must use the same value', 1, 4096),
  STREAM_VIEWER_COUNT_REFRESH_SECONDS: int(60, 'How often the viewer counts of all active sessions are refreshed (Twitch Get Streams, 100 ids a call; YouTube videos.list, 50 ids a call)', 1, 3600),
  STREAM_YOUTUBE_API_KEY: secret('YouTube Data API key for videos.list viewer counts (empty = a linked creator\'s OAuth token is used)'),

  // --- infrastructure ---
  STREAM_DATABASE_URL: str('', 'MySQL/MariaDB connection URL (mysql://user:pass@host:3306/db); unset = embedded SQLite under STREAM_DATA_DIR', {
    credentialUrl: true,
    check: urlWithScheme('mysql:'),
  }),
  STREAM_REDIS_URL: str('redis://127.0.0.1:6379', 'Redis connection URL (redis:// or rediss://)', {
    credentialUrl: true,
    check: urlWithScheme('redis:', 'rediss:'),
  }),
  STREAM_REDIS_SENTINELS: str('', 'Redis Sentinel nodes as host:port,host:port; set = the master is found through them (STREAM_REDIS_URL then gives only the password, db and TLS)', {
    check: (value) =>
      value.split(',').every((node) => /^[^\s:,]+:\d{1,5}$/.test(node.trim())) ? null : 'must be host:port pairs separated by commas',
  }),
  STREAM_REDIS_SENTINEL_NAME: str('mymaster', 'Master group name the sentinels monitor (used only with STREAM_REDIS_SENTINELS)'),
  STREAM_AUTH_JWT_SECRET: secret("HS256 secret that verifies callers' bearer tokens (at least 32 characters)"),
  STREAM_AUTH_JWT_ISSUER: str('', 'Bearer tokens must carry this iss claim (empty = issuer not checked)'),
  STREAM_AUTH_JWT_AUDIENCE: str('', 'Bearer tokens must list this value in their aud claim (empty = audience not checked)'),
  STREAM_AUTH_JWT_MAX_LIFETIME_SECONDS: int(0, 'Bearer tokens valid for longer than this (exp - iat) are refused (0 = no limit)', 0, 31_536_000),
  STREAM_AUTH_JWT_CLOCK_TOLERANCE_SECONDS: int(5, 'Clock skew allowed between the token issuer and this service when checking exp and nbf', 0, 300),
  STREAM_DATA_DIR: str('.data', 'Directory for the embedded SQLite file and other local state'),
  STREAM_LOG_LEVEL: str('info', 'Lowest log level written: debug, info, warn or error', {
    check: (value) => (['debug', 'info', 'warn', 'error'].includes(value) ? null : 'must be one of debug, info, warn, error'),
  }),
  STREAM_SHUTDOWN_TIMEOUT_SECONDS: int(25, 'How long SIGTERM waits for in-flight work before exiting anyway', 1, 600),
  CONTROL_API_PORT: int(3000, 'control-api HTTP port', 1, 65_535),
  MEDIA_WORKER_HTTP_PORT: int(3001, 'media-worker health/metrics HTTP port', 1, 65_535),
  PULSE_PUBLISHER_HTTP_PORT: int(3002, 'pulse-publisher health/metrics HTTP port', 1, 65_535),
  STREAM_RTMP_INGEST_PORT: int(1935, 'media-worker RTMP ingest port for game cameras (node-media-server)', 1, 65_535),
  STREAM_RTMP_INGEST_PUBLIC_URL: str('rtmp://127.0.0.1:1935/live', 'Ingest URL handed to camera owners (what their encoder connects to; the key goes after it)', {
    check: urlWithScheme('rtmp:', 'rtmps:'),
  }),
  STREAM_MEDIA_WORKER_ADVERTISED_HOST: str('', 'Host other media workers use to read this worker\'s cameras (empty = the machine hostname, the pod name in Kubernetes)'),
  STREAM_CAMERA_OFFLINE_GRACE_SECONDS: int(10, 'A camera that disconnects stays live this long, so a quick reconnect is not an outage', 0, 300),
  STREAM_CAMERA_STALL_SECONDS: int(3, 'A publisher that sends nothing for this long counts as disconnected: the offline grace starts, and it ends unless the publisher resumes or reconnects', 1, 60),
  STREAM_FFPROBE_PATH: str('', 'Path to FFprobe (empty = next to STREAM_FFMPEG_PATH)'),
  STREAM_BROADCAST_VIDEO_BITRATE: str('2500k', 'Video bitrate when a broadcast source must be encoded (fallback image, black, non-H.264 sources)', { check: bitrate }),
  STREAM_BROADCAST_FALLBACK_SIZE: str('1280x720', 'Frame size of encoded fallbacks when the primary source\'s size is unknown', {
    check: (value) => (/^\d{2,5}x\d{2,5}$/.test(value) ? null : 'must be WIDTHxHEIGHT, such as 1280x720'),
  }),
  STREAM_BROADCAST_MAX_RESTARTS: int(5, 'Failed restarts in a row before a destination is marked failed (or, for the source, the broadcast stops with reason error)', 1, 100),
  STREAM_BROADCAST_RECOVERY_CHECK_SECONDS: int(2, 'While on a fallback, how often a better source is checked for (the cascade moves back up when it answers)', 1, 60),
  STREAM_VOICE_BROADCAST_RTMP_URL: secret('RTMP destination for consented voice-room broadcasts (voice.room.broadcast.approved); empty = voice broadcasts are ignored', {
    check: urlWithScheme('rtmp:', 'rtmps:'),
  }),
  STREAM_MEDIA_SOURCE_SCHEMES: str('rtmp,rtmps,http,https,file', 'What broadcast sources (sourceId of GameAudio, fallbacks, background video) may be: any of rtmp, rtmps, http, https, file (a path inside STREAM_MEDIA_DIR); camera URLs are always allowed', {
    check: (value) => (value.split(',').every((s) => ['rtmp', 'rtmps', 'http', 'https', 'file'].includes(s.trim().toLowerCase())) ? null : 'must list only rtmp, rtmps, http, https, file'),
  }),
  STREAM_MEDIA_ALLOWED_HOSTS: str('', 'Hosts (names or CIDR ranges, comma-separated) broadcast sources and destinations may use even though they resolve to loopback, private or link-local addresses (those are refused otherwise)', {
    check: (value) => (value.split(',').every((e) => /^[A-Za-z0-9.-]+$|^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(e.trim())) ? null : 'must be host names or CIDR ranges (10.0.0.0/8), comma-separated'),
  }),
  STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: bool(false, 'Allow loopback and private-range hosts (RFC 1918, CGNAT, IPv6 ULA) as broadcast sources and destinations; link-local and metadata addresses stay refused'),
  STREAM_MEDIA_DIR: str('', 'The only directory whose files a broadcast may read (empty = the directory of STREAM_DEFAULT_BACKGROUND_VIDEO)', {
    check: (value) => (value.startsWith('/') ? null : 'must be an absolute path'),
  }),
  STREAM_CAMERA_ANNOUNCE_TTL_SECONDS: int(30, 'An engine-announced camera expires unless it announces itself again within this time', 5, 3600),
  STREAM_RECORDINGS_DIR: str('', 'Where media workers write broadcast recordings, <broadcastId>/<recordingId>/seg-NNNNN.ts plus manifest.json (empty = "recordings" under STREAM_DATA_DIR)', {
    check: (value) => (value.startsWith('/') ? null : 'must be an absolute path'),
  }),
  STREAM_RECORDINGS_MAX_AGE_HOURS: int(168, 'Finished recordings older than this are deleted, whole (0 = no age limit)', 0, 87_600),
  STREAM_RECORDINGS_MAX_TOTAL_MB: int(0, 'When the recordings directory holds more than this, the oldest finished recordings are deleted, whole (0 = no size limit)', 0, 100_000_000),
  STREAM_RECORDINGS_MIN_FREE_MB: int(1024, 'A recording stops (reason disk_low; the broadcast goes on) when the free space where it is written falls below this', 0, 100_000_000),
  STREAM_RECORDINGS_SPACE_RECHECK_SECONDS: int(10, 'After a recording stopped for lack of space (disk_low), how often the free space is looked at again; a new recording starts once there is room', 1, 3600),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type AppConfig = {
  readonly [K in SettingName]: (typeof SETTINGS)[K]['kind'] extends 'boolean'
    ? boolean
    : (typeof SETTINGS)[K]['kind'] extends 'string'
      ? string
      : number;
};

export function settingSpec(name: SettingName): SettingSpec<SettingKind> {
  return SETTINGS[name] as SettingSpec<SettingKind>;
}

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
