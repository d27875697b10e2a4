import { loadConfig } from './load-config';
import {
  BroadcastSettings,
  BroadcastTimingSettings,
  CameraIngestSettings,
  PlatformApiSettings,
  PulseSettings,
  RecordingSettings,
  ReturnerSettings,
  ServiceSettings,
  SessionHistorySettings,
  WebhookSettings,
} from './slices';

describe('settings slices', () => {
  it('convert the defaults once: seconds and hours to milliseconds, megabytes to bytes', () => {
    const config = loadConfig({});
    expect({ ...new ServiceSettings(config) }).toEqual({ shutdownTimeoutMs: 25_000, lockTimeoutMs: 30_000 });
    expect({ ...new PulseSettings(config) }).toEqual({ intervalMs: 15_000, intervalSeconds: 15, minBatchSize: 5, maxBatchSize: 200, partitions: 64 });
    expect({ ...new CameraIngestSettings(config) }).toEqual({ rtmpPort: 1935, advertisedHost: '', offlineGraceMs: 10_000, stallMs: 3000, announceTtlMs: 30_000 });
    expect({ ...new BroadcastTimingSettings(config) }).toEqual({ healthCheckIntervalMs: 10_000, probeTimeoutMs: 5000, recoveryCheckMs: 2000 });
    expect({ ...new RecordingSettings(config) }).toEqual({ dir: '', maxAgeMs: 168 * 3_600_000, maxTotalBytes: 0, minFreeBytes: 1024 * 1024 * 1024 });
    expect({ ...new PlatformApiSettings(config) }).toEqual({ httpTimeoutMs: 10_000, tokenRefreshMarginMs: 600_000, viewerCountRefreshMs: 60_000, oauthStateTtlMs: 600_000 });
    expect({ ...new BroadcastSettings(config) }).toEqual({
      enabled: false,
      ffmpegPath: '/usr/bin/ffmpeg',
      maxConcurrent: 10,
      audioCodec: 'aac',
      audioBitrate: '128k',
      autoBroadcastCameraId: '',
      autoBroadcastRtmpUrl: '',
      voiceRtmpUrl: '',
    });
    expect({ ...new WebhookSettings(config) }).toEqual({ maxAgeMs: 600_000 });
    expect({ ...new SessionHistorySettings(config) }).toEqual({ retentionMs: 168 * 3_600_000 });
    expect({ ...new ReturnerSettings(config) }).toEqual({ enabled: true, saltRotationMs: 720 * 3_600_000, retentionMs: 720 * 3_600_000 });
  });

  it('follow the environment', () => {
    const config = loadConfig({ STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '2', STREAM_RECORDINGS_MAX_TOTAL_MB: '3', STREAM_CAMERA_STALL_SECONDS: '1' });
    expect(new PulseSettings(config).intervalMs).toBe(2000);
    expect(new RecordingSettings(config).maxTotalBytes).toBe(3 * 1024 * 1024);
    expect(new CameraIngestSettings(config).stallMs).toBe(1000);
  });

  it('are frozen', () => {
    const pulse = new PulseSettings(loadConfig({}));
    expect(() => Object.assign(pulse, { intervalMs: 1 })).toThrow(TypeError);
  });
});
