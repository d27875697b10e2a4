import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { FakeTwitch, type RunningApp, TEST_JWT_SECRET, bearerToken, expectEventually, freePort, startBuiltApp, testRedisUrl, waitForReady, untilReady } from '@lib-stream/testing';

// The built control-api (viewer counts refreshed every second) and pulse-publisher (a pulse a second)
// against the strict fake Twitch: a pulse's approximateViewerCount follows the channel's count.
describe('viewer counts in pulses, built apps', () => {
  const twitch = new FakeTwitch();
  const redis = new Redis(testRedisUrl());
  const subscriber = new Redis(testRedisUrl());
  const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-e2e-viewers-'));
  const apps: RunningApp[] = [];
  const pulses: { at: number; platformSessionId: string; approximateViewerCount: number }[] = [];
  const ended: string[] = [];
  let api = '';

  beforeAll(async () => {
    await twitch.start();
    await untilReady(subscriber);
    await subscriber.subscribe('stream.audience.pulse', 'stream.platform.session.ended');
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === 'stream.platform.session.ended') ended.push(message);
      else pulses.push({ at: Date.now(), ...(JSON.parse(message).data as { platformSessionId: string; approximateViewerCount: number }) });
    });
    const [apiPort, pulsePort] = [await freePort(), await freePort()];
    api = `http://127.0.0.1:${apiPort}`;
    apps.push(
      startBuiltApp('control-api', {
        STREAM_ENABLED: 'true',
        STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
        STREAM_DATA_DIR: dataDir,
        STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        STREAM_OAUTH_REDIRECT_URI: 'https://dashboard.example.com/linked',
        STREAM_TWITCH_CLIENT_ID: twitch.clientId,
        STREAM_TWITCH_CLIENT_SECRET: twitch.clientSecret,
        STREAM_TWITCH_AUTH_BASE_URL: twitch.authBaseUrl,
        STREAM_TWITCH_API_BASE_URL: twitch.apiBaseUrl,
        STREAM_VIEWER_COUNT_REFRESH_SECONDS: '1',
        CONTROL_API_PORT: String(apiPort),
      }),
      startBuiltApp('pulse-publisher', { PULSE_PUBLISHER_HTTP_PORT: String(pulsePort), STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '1', STREAM_SENTIMENT_MIN_BATCH_SIZE: '1' }),
    );
    await waitForReady(api);
    await waitForReady(`http://127.0.0.1:${pulsePort}`);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await subscriber.quit();
    await redis.quit();
    await twitch.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('approximateViewerCount follows the platform within one refresh interval, and the ended event carries the peak', async () => {
    const accountId = randomUUID();
    const userId = String(30_000_000 + Math.floor(Math.random() * 60_000_000));
    const call = async (path: string, body: object) => {
      const response = await fetch(`${api}${path}`, { method: 'POST', headers: { Authorization: bearerToken(accountId, ['user']), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as Record<string, string>;
    };
    const { state } = await call('/stream/platform/link', { accountId, platform: 'twitch' });
    await call('/stream/platform/callback', { accountId, platform: 'twitch', state, code: twitch.issueCode({ id: userId, login: `c${userId}`, displayName: 'C' }) });
    twitch.setLive(userId, 'e2e-stream', 100);
    const { platformSessionId } = await call('/stream/session/start', { accountId, platform: 'twitch' });
    expect(platformSessionId).toBeDefined();

    // Audience entries keep pulses coming (a session without entries publishes none).
    const feed = setInterval(() => void redis.rpush(SessionKeys.buffer(platformSessionId), JSON.stringify({ category: 'Excited', intensity: 0.5, trackingId: null, viewerType: null, at: Date.now() })), 200);
    try {
      await expectEventually(() => expect(pulses.some((p) => p.platformSessionId === platformSessionId && p.approximateViewerCount === 100)).toBe(true), { timeoutMs: 5000 });
      twitch.setViewerCount(userId, 4321);
      const changedAt = Date.now();
      await expectEventually(() => expect(pulses.some((p) => p.platformSessionId === platformSessionId && p.approximateViewerCount === 4321)).toBe(true), { timeoutMs: 5000 });
      const first = pulses.find((p) => p.platformSessionId === platformSessionId && p.approximateViewerCount === 4321);
      // One refresh interval (1 s) plus one pulse interval (1 s), plus slack for the two processes.
      expect((first?.at ?? Infinity) - changedAt).toBeLessThan(3000);
      twitch.setViewerCount(userId, 50);
      await expectEventually(() => expect(pulses.some((p) => p.platformSessionId === platformSessionId && p.approximateViewerCount === 50)).toBe(true), { timeoutMs: 5000 });
    } finally {
      clearInterval(feed);
    }
    await call('/stream/session/stop', { accountId, platformSessionId });
    await expectEventually(() => expect(ended.some((m) => m.includes(platformSessionId) && m.includes('"peakViewerCount":4321'))).toBe(true));
  });
});
