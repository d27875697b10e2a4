import { secretRedactor } from '@lib-stream/stream-key';

import { ConfigError, describeConfig, loadConfig } from './load-config';
import { SETTING_NAMES } from './settings';

describe(loadConfig.name, () => {
  it('gives every specified setting its documented default', () => {
    const sut = loadConfig({});
    expect(sut.STREAM_ENABLED).toBe(false);
    expect(sut.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS).toBe(15);
    expect(sut.STREAM_SENTIMENT_MIN_BATCH_SIZE).toBe(5);
    expect(sut.STREAM_SENTIMENT_MAX_BATCH_SIZE).toBe(200);
    expect(sut.STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD).toBe(0.7);
    expect(sut.STREAM_FFMPEG_PATH).toBe('/usr/bin/ffmpeg');
    // The seed says libvpx, but FLV/RTMP cannot carry VP8: the default is the H.264 encoder.
    expect(sut.STREAM_BROADCAST_VIDEO_CODEC).toBe('libopenh264');
    expect(sut.STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS).toBe(30);
    expect(sut.STREAM_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(sut.CONTROL_API_PORT).toBe(3000);
  });

  it('knows all 30 settings of the specification plus the infrastructure ones', () => {
    const specification = [
      'STREAM_ENABLED', 'STREAM_TWITCH_CLIENT_ID', 'STREAM_TWITCH_CLIENT_SECRET', 'STREAM_TWITCH_WEBHOOK_SECRET',
      'STREAM_YOUTUBE_CLIENT_ID', 'STREAM_YOUTUBE_CLIENT_SECRET', 'STREAM_YOUTUBE_WEBHOOK_TOKEN',
      'STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS', 'STREAM_SENTIMENT_MIN_BATCH_SIZE', 'STREAM_SENTIMENT_MAX_BATCH_SIZE',
      'STREAM_MAX_TRACKED_VIEWERS_PER_SESSION', 'STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD', 'STREAM_TRACK_SUBSCRIBERS',
      'STREAM_TRACK_MODERATORS', 'STREAM_TRACK_RAID_LEADERS', 'STREAM_TOKEN_ENCRYPTION_KEY', 'STREAM_SESSION_HISTORY_RETENTION_HOURS',
      'STREAM_BROADCAST_ENABLED', 'STREAM_FFMPEG_PATH', 'STREAM_DEFAULT_BACKGROUND_VIDEO', 'STREAM_MAX_CONCURRENT_BROADCASTS',
      'STREAM_BROADCAST_AUDIO_CODEC', 'STREAM_BROADCAST_AUDIO_BITRATE', 'STREAM_BROADCAST_VIDEO_CODEC',
      'STREAM_BROADCAST_RESTART_ON_FAILURE', 'STREAM_BROADCAST_HEALTH_CHECK_INTERVAL_SECONDS', 'STREAM_RTMP_PROBE_TIMEOUT_SECONDS',
      'STREAM_AUTO_BROADCAST_CAMERA_ID', 'STREAM_AUTO_BROADCAST_RTMP_URL', 'STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS',
    ];
    expect(specification).toHaveLength(30);
    expect(SETTING_NAMES).toEqual(expect.arrayContaining(specification));
    expect(SETTING_NAMES).toEqual(
      expect.arrayContaining(['STREAM_DATABASE_URL', 'STREAM_REDIS_URL', 'STREAM_AUTH_JWT_SECRET', 'CONTROL_API_PORT', 'MEDIA_WORKER_HTTP_PORT', 'PULSE_PUBLISHER_HTTP_PORT']),
    );
  });

  it('parses booleans and numbers', () => {
    const sut = loadConfig({ STREAM_ENABLED: 'true', STREAM_TRACK_MODERATORS: 'false', STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '5' });
    expect(sut.STREAM_ENABLED).toBe(true);
    expect(sut.STREAM_TRACK_MODERATORS).toBe(false);
    expect(sut.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS).toBe(5);
  });

  it('names the bad variable and its value', () => {
    expect(() => loadConfig({ STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: 'abc' })).toThrow(
      'STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS must be an integer (got "abc")',
    );
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ STREAM_ENABLED: 'maybe', CONTROL_API_PORT: '70000', STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD: '2' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'STREAM_ENABLED must be true or false (got "maybe")',
        'STREAM_TRACKED_VIEWER_ENGAGEMENT_THRESHOLD must be between 0 and 1 (got "2")',
        'CONTROL_API_PORT must be between 1 and 65535 (got "70000")',
      ]);
    }
  });

  it('never prints the value of a bad secret', () => {
    const attempt = () => loadConfig({ STREAM_AUTO_BROADCAST_RTMP_URL: 'http://example.com/app/sk_leaky_value', STREAM_DATABASE_URL: 'postgres://u:hunter2222@h/db' });
    expect(attempt).toThrow(/STREAM_AUTO_BROADCAST_RTMP_URL must be a rtmp:\/\/ or rtmps:\/\/ URL/);
    expect(attempt).toThrow(/STREAM_DATABASE_URL must be a mysql:\/\/ URL/);
    expect(attempt).not.toThrow(/sk_leaky_value|hunter2222/);
  });

  it('refuses a video codec RTMP cannot carry, naming the encoders it can', () => {
    expect(() => loadConfig({ STREAM_BROADCAST_VIDEO_CODEC: 'libvpx' })).toThrow(/STREAM_BROADCAST_VIDEO_CODEC must be an H\.264 encoder FFmpeg can put in FLV: libx264,/);
    expect(() => loadConfig({ STREAM_BROADCAST_FALLBACK_SIZE: '720p' })).toThrow('STREAM_BROADCAST_FALLBACK_SIZE must be WIDTHxHEIGHT, such as 1280x720');
  });

  it('refuses recording settings it cannot use', () => {
    expect(() => loadConfig({ STREAM_RECORDINGS_DIR: 'recordings' })).toThrow('STREAM_RECORDINGS_DIR must be an absolute path');
    expect(() => loadConfig({ STREAM_RECORDINGS_MIN_FREE_MB: '-1' })).toThrow(/STREAM_RECORDINGS_MIN_FREE_MB/);
    expect(() => loadConfig({ STREAM_RECORDINGS_MAX_AGE_HOURS: 'week' })).toThrow(/STREAM_RECORDINGS_MAX_AGE_HOURS must be an integer/);
    expect(loadConfig({ STREAM_RECORDINGS_DIR: '/srv/recordings' }).STREAM_RECORDINGS_DIR).toBe('/srv/recordings');
  });

  it('requires what the app says it needs', () => {
    expect(() => loadConfig({}, { required: ['STREAM_AUTH_JWT_SECRET'] })).toThrow('STREAM_AUTH_JWT_SECRET is required and not set');
    expect(() => loadConfig({ STREAM_AUTH_JWT_SECRET: 'short' })).toThrow('STREAM_AUTH_JWT_SECRET must be at least 32 characters');
  });

  it('rejects a minimum batch larger than the maximum', () => {
    expect(() => loadConfig({ STREAM_SENTIMENT_MIN_BATCH_SIZE: '50', STREAM_SENTIMENT_MAX_BATCH_SIZE: '10' })).toThrow(
      'STREAM_SENTIMENT_MIN_BATCH_SIZE must not exceed STREAM_SENTIMENT_MAX_BATCH_SIZE',
    );
  });

  it('registers secrets with the log redactor and masks them when described', () => {
    const config = loadConfig({
      STREAM_TWITCH_CLIENT_SECRET: 'twitch-client-secret-xyz',
      STREAM_DATABASE_URL: 'mysql://stream:db-password-123@db:3306/stream',
    });
    expect(secretRedactor.redact('secret=twitch-client-secret-xyz pw=db-password-123')).toBe('secret=**** pw=****');
    const shown = JSON.stringify(describeConfig(config));
    expect(shown).not.toMatch(/twitch-client-secret-xyz|db-password-123/);
    expect(describeConfig(config).STREAM_TWITCH_CLIENT_SECRET).toBe('(set)');
    expect(describeConfig(config).STREAM_DATABASE_URL).toBe('mysql://stream:****@db:3306/stream');
  });
});
