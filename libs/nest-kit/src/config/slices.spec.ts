import { loadConfig } from './load-config';
import {
  AuthSettings,
  BroadcastSettings,
  BroadcastTimingSettings,
  CameraIngestSettings,
  DatabaseSettings,
  EncryptionSettings,
  MediaSourceSettings,
  PlatformApiSettings,
  PulseSettings,
  RecordingSettings,
  RedisSettings,
  ReturnerSettings,
  SentimentSettings,
  ServiceSettings,
  SessionHistorySettings,
  TwitchSettings,
  ViewerTrackingSettings,
  WebhookSettings,
  YouTubeSettings,
} from './slices';

describe('settings slices', () => {
  it('convert the defaults once: seconds and hours to milliseconds, megabytes to bytes', () => {
    const config = loadConfig({});
    expect({ ...new ServiceSettings(config) }).toEqual({ enabled: false, dataDir: '.data', shutdownTimeoutMs: 25_000, lockTimeoutMs: 30_000 });
    expect({ ...new PulseSettings(config) }).toEqual({ intervalMs: 15_000, intervalSeconds: 15, minBatchSize: 5, maxBatchSize: 200, partitions: 64 });
    expect({ ...new CameraIngestSettings(config) }).toEqual({ rtmpPort: 1935, publicUrl: 'rtmp://127.0.0.1:1935/live', advertisedHost: '', offlineGraceMs: 10_000, stallMs: 3000, announceTtlMs: 30_000 });
    expect({ ...new BroadcastTimingSettings(config) }).toEqual({ healthCheckIntervalMs: 10_000, probeTimeoutMs: 5000, probeTimeoutSeconds: 5, recoveryCheckMs: 2000 });
    expect({ ...new RecordingSettings(config) }).toEqual({ dir: '', maxAgeMs: 168 * 3_600_000, maxTotalBytes: 0, minFreeBytes: 1024 * 1024 * 1024, spaceRecheckMs: 10_000 });
    expect({ ...new PlatformApiSettings(config) }).toEqual({ httpTimeoutMs: 10_000, tokenRefreshMarginMs: 600_000, viewerCountRefreshMs: 60_000, oauthStateTtlMs: 600_000, oauthRedirectUri: '' });
    expect({ ...new BroadcastSettings(config) }).toEqual({
      enabled: false,
      ffmpegPath: '/usr/bin/ffmpeg',
      ffprobePath: '/usr/bin/ffprobe',
      maxConcurrent: 10,
      audioCodec: 'aac',
      audioBitrate: '128k',
      videoCodec: 'libopenh264',
      videoBitrate: '2500k',
      fallbackWidth: 1280,
      fallbackHeight: 720,
      restartOnFailure: true,
      maxRestarts: 5,
      defaultBackgroundVideo: '/opt/bannou/backgrounds/default.mp4',
      autoBroadcastCameraId: '',
      autoBroadcastRtmpUrl: '',
      voiceRtmpUrl: '',
    });
    expect({ ...new WebhookSettings(config) }).toEqual({ maxAgeMs: 600_000, twitchSecret: '', youtubeVerifyToken: '', youtubeWebSubSecret: '', customSecret: '' });
    expect({ ...new SessionHistorySettings(config) }).toEqual({ retentionMs: 168 * 3_600_000 });
    expect({ ...new ReturnerSettings(config) }).toEqual({ enabled: true, saltRotationMs: 720 * 3_600_000, retentionMs: 720 * 3_600_000 });
    expect({ ...new TwitchSettings(config) }).toEqual({
      clientId: '',
      clientSecret: '',
      authBaseUrl: 'https://id.twitch.tv/oauth2',
      apiBaseUrl: 'https://api.twitch.tv/helix',
      eventSubCallbackUrl: '',
    });
    expect({ ...new YouTubeSettings(config) }).toEqual({
      clientId: '',
      clientSecret: '',
      googleAuthUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      googleOAuthBaseUrl: 'https://oauth2.googleapis.com',
      apiBaseUrl: 'https://www.googleapis.com/youtube/v3',
      apiKey: '',
      grpcTarget: 'youtube.googleapis.com:443',
      grpcTls: true,
      quotaDailyUnits: 10_000,
      webSubCallbackUrl: '',
      webSubHubUrl: 'https://pubsubhubbub.appspot.com/subscribe',
    });
    expect({ ...new AuthSettings(config) }).toEqual({ jwtSecret: '', issuer: '', audience: '', maxLifetimeSeconds: 0, clockToleranceSeconds: 5 });
    expect({ ...new ViewerTrackingSettings(config) }).toEqual({ maxPerSession: 50, engagementThreshold: 0.7, trackSubscribers: true, trackModerators: true, trackRaidLeaders: true });
    expect({ ...new SentimentSettings(config) }).toEqual({ confidenceFloor: 0.14, maxEntriesPerSecond: 100 });
    expect({ ...new MediaSourceSettings(config) }).toEqual({
      sourceSchemes: ['rtmp', 'rtmps', 'http', 'https', 'file'],
      allowedHosts: [],
      allowPrivateHosts: false,
      mediaDir: '/opt/bannou/backgrounds',
    });
    expect({ ...new DatabaseSettings(config) }).toEqual({ url: '', dataDir: '.data' });
    expect({ ...new EncryptionSettings(config) }).toEqual({ tokenKey: '' });
    expect({ ...new RedisSettings(config) }).toEqual({ url: 'redis://127.0.0.1:6379', sentinels: '', sentinelName: 'mymaster' });
  });

  it('follow the environment', () => {
    const config = loadConfig({ STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '2', STREAM_RECORDINGS_MAX_TOTAL_MB: '3', STREAM_CAMERA_STALL_SECONDS: '1' });
    expect(new PulseSettings(config).intervalMs).toBe(2000);
    expect(new RecordingSettings(config).maxTotalBytes).toBe(3 * 1024 * 1024);
    expect(new CameraIngestSettings(config).stallMs).toBe(1000);
    const broadcast = new BroadcastSettings(loadConfig({ STREAM_FFMPEG_PATH: '/opt/ff/bin/ffmpeg', STREAM_BROADCAST_FALLBACK_SIZE: '640x360' }));
    expect(broadcast).toMatchObject({ ffprobePath: '/opt/ff/bin/ffprobe', fallbackWidth: 640, fallbackHeight: 360 });
    expect(new BroadcastSettings(loadConfig({ STREAM_FFPROBE_PATH: '/usr/local/bin/ffprobe' })).ffprobePath).toBe('/usr/local/bin/ffprobe');
    const media = new MediaSourceSettings(loadConfig({ STREAM_MEDIA_SOURCE_SCHEMES: ' RTMP, file ', STREAM_MEDIA_ALLOWED_HOSTS: 'Media.Internal,10.0.0.0/8', STREAM_MEDIA_DIR: '/srv/media' }));
    expect({ ...media }).toMatchObject({ sourceSchemes: ['rtmp', 'file'], allowedHosts: ['media.internal', '10.0.0.0/8'], mediaDir: '/srv/media' });
  });

  it('are frozen', () => {
    const pulse = new PulseSettings(loadConfig({}));
    expect(() => Object.assign(pulse, { intervalMs: 1 })).toThrow(TypeError);
    const media = new MediaSourceSettings(loadConfig({}));
    expect(() => (media.sourceSchemes as string[]).push('ftp')).toThrow(TypeError);
  });
});
