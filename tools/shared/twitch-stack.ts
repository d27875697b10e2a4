import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type FakeTwitch, TEST_JWT_SECRET, bearerToken } from '@lib-stream/testing';

/** control-api settings for a throwaway stack whose Twitch is the given local fake. */
export function controlApiEnvForFakeTwitch(twitch: FakeTwitch, webhookSecret: string, port: number): Record<string, string> {
  return {
    STREAM_ENABLED: 'true',
    STREAM_LOG_LEVEL: 'warn',
    STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
    STREAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'lib-stream-tool-')),
    STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    STREAM_OAUTH_REDIRECT_URI: 'https://dashboard.example.com/linked',
    STREAM_TWITCH_CLIENT_ID: twitch.clientId,
    STREAM_TWITCH_CLIENT_SECRET: twitch.clientSecret,
    STREAM_TWITCH_AUTH_BASE_URL: twitch.authBaseUrl,
    STREAM_TWITCH_API_BASE_URL: twitch.apiBaseUrl,
    STREAM_TWITCH_WEBHOOK_SECRET: webhookSecret,
    CONTROL_API_PORT: String(port),
  };
}

/** Links a Twitch account through the real OAuth endpoints, makes it live and opens a session. */
export async function openLiveTwitchSession(apiBaseUrl: string, twitch: FakeTwitch, broadcasterId: string): Promise<{ accountId: string; platformSessionId: string }> {
  const accountId = randomUUID();
  const call = (path: string, body: object) =>
    fetch(`${apiBaseUrl}${path}`, { method: 'POST', headers: { Authorization: bearerToken(accountId, ['user']), 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then(
      (r) => r.json() as Promise<Record<string, string>>,
    );
  const { state } = await call('/stream/platform/link', { accountId, platform: 'twitch' });
  await call('/stream/platform/callback', { accountId, platform: 'twitch', state, code: twitch.issueCode({ id: broadcasterId, login: `streamer${broadcasterId}`, displayName: 'Streamer' }) });
  twitch.setLive(broadcasterId, `stream-${broadcasterId}`, 1234);
  const { platformSessionId } = await call('/stream/session/start', { accountId, platform: 'twitch' });
  return { accountId, platformSessionId };
}
