/**
 * YouTube quota benchmark: units one 3-hour live chat costs read by liveChatMessages.streamList
 * (gRPC, 5 units per connection) beside liveChatMessages.list polling (5 units per call), each by a
 * built control-api against the strict fakes in the same run. Units are counted on the fake's side.
 *
 *   npm run bench:youtube-quota -- [scale=180] [messagesPerMinute=120] [connectionMinutes=30] [pollingIntervalMillis=5041]
 *
 * Time is compressed: everything the platform times (chat length, message pacing, the polling
 * interval it asks for, how long a stream connection lives) is divided by `scale`, so 3 hours run in
 * 3 h / scale of wall time (60 s at 180×). The app's own timers are not scaled: it polls at whatever
 * `pollingIntervalMillis` the fake answers. The quota budget is set out of reach
 * (STREAM_YOUTUBE_QUOTA_DAILY_UNITS=100,000,000) so polling runs at Google's interval and its real
 * cost shows; with the default 10,000 the app would stretch polling instead (youtube.md §4).
 * `connectionMinutes` is an assumption: Google does not document how long a stream stays open; the
 * fake ends each stream after that long (OK), and the app resumes it with its page token.
 * Runs its own redis-server (startRedisServer) for each transport and removes it, so it neither reads
 * nor leaves anything in another Redis; builds control-api first.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { FakeGoogle, FakeYouTubeChatStream, TEST_JWT_SECRET, bearerToken, expectEventually, freePort, startBuiltApp, startRedisServer, waitForReady } from '@lib-stream/testing';

import { runMain } from '../shared/bench-kit';

const ROOT = resolve(__dirname, '../..');
const SCALE = Number(process.argv[2] ?? 180);
const MESSAGES_PER_MINUTE = Number(process.argv[3] ?? 120);
const CONNECTION_MINUTES = Number(process.argv[4] ?? 30);
const POLLING_INTERVAL_MS = Number(process.argv[5] ?? 5041);
const CHAT_HOURS = 3;

interface RunResult {
  calls: number;
  units: number;
  messagesSent: number;
  messagesIngested: number;
  wallSeconds: number;
}

async function runChat(transport: 'streamList' | 'polling'): Promise<RunResult> {
  const google = await new FakeGoogle().start();
  const stream = await new FakeYouTubeChatStream(google).start();
  google.pollingIntervalMillis = Math.max(1, Math.round(POLLING_INTERVAL_MS / SCALE));
  stream.closeAfterMs = (CONNECTION_MINUTES * 60_000) / SCALE;
  google.dailyQuotaLimit = Number.MAX_SAFE_INTEGER;
  const port = await freePort();
  // A Redis of its own: no session of another run or stack is read, nothing is left behind.
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const api = startBuiltApp('control-api', {
    STREAM_ENABLED: 'true',
    STREAM_LOG_LEVEL: 'warn',
    STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
    STREAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'lib-stream-bench-')),
    STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    STREAM_OAUTH_REDIRECT_URI: google.redirectUri,
    STREAM_YOUTUBE_CLIENT_ID: google.clientId,
    STREAM_YOUTUBE_CLIENT_SECRET: google.clientSecret,
    STREAM_GOOGLE_AUTH_URL: google.authorizationUrl,
    STREAM_GOOGLE_OAUTH_BASE_URL: google.baseUrl,
    STREAM_YOUTUBE_API_BASE_URL: google.youtubeApiBaseUrl,
    STREAM_YOUTUBE_GRPC_TARGET: transport === 'streamList' ? stream.target : 'off',
    STREAM_YOUTUBE_GRPC_TLS: 'false',
    STREAM_YOUTUBE_QUOTA_DAILY_UNITS: '100000000',
    STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '100000',
    CONTROL_API_PORT: String(port),
    STREAM_REDIS_URL: server.url,
  });
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForReady(baseUrl);
    const accountId = randomUUID();
    const call = async (path: string, body: object) => {
      const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { Authorization: bearerToken(accountId, ['user']), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as Record<string, string>;
    };
    const { state } = await call('/stream/platform/link', { accountId, platform: 'youtube' });
    const channelId = `UC${randomBytes(11).toString('base64url')}`;
    await call('/stream/platform/callback', { accountId, platform: 'youtube', state, code: google.issueCode({ id: channelId, title: 'bench' }) });
    const broadcast = google.setLive(channelId, `vid${randomBytes(4).toString('hex')}`);
    const { platformSessionId } = await call('/stream/session/start', { accountId, platform: 'youtube' });
    if (!platformSessionId) throw new Error('the YouTube session did not start');

    // The chat: MESSAGES_PER_MINUTE for CHAT_HOURS, in compressed time, then the stream ends.
    const chatMs = (CHAT_HOURS * 3_600_000) / SCALE;
    const total = Math.round(MESSAGES_PER_MINUTE * 60 * CHAT_HOURS);
    const started = Date.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / chatMs) * total));
      const batch = Array.from({ length: due - sent }, (_, i) => ({
        snippet: { type: 'textMessageEvent', textMessageDetails: { messageText: `gg ${sent + i}` }, displayMessage: `gg ${sent + i}` },
        authorDetails: { channelId: `UCviewer${(sent + i) % 300}` },
      }));
      if (batch.length > 0) google.pushChat(broadcast.liveChatId, batch);
      sent = due;
      await new Promise((r) => setTimeout(r, 20));
    }
    google.endChat(broadcast.liveChatId);
    await expectEventually(
      async () => {
        if ((await call('/stream/session/status', { accountId, platformSessionId })).state !== 'ended') throw new Error('the session did not end after the chat ended');
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const wallSeconds = (Date.now() - started) / 1000;
    const calls =
      transport === 'streamList'
        ? stream.connections.filter((c) => c.liveChatId === broadcast.liveChatId).length
        : google.requests.filter((r) => r.path === '/youtube/v3/liveChat/messages' && r.query.get('liveChatId') === broadcast.liveChatId).length;
    return { calls, units: calls * 5, messagesSent: total, messagesIngested: await redis.llen(SessionKeys.buffer(platformSessionId)), wallSeconds };
  } catch (error) {
    process.stderr.write(api.output().split('\n').slice(-15).join('\n'));
    throw error;
  } finally {
    await api.stop('SIGTERM');
    await redis.quit();
    await server.dispose();
    await stream.stop();
    await google.stop();
  }
}

async function main(): Promise<void> {
  // Measure the code as it is now (nx answers from its cache when nothing changed).
  const { TS_NODE_PROJECT: _omit, ...buildEnv } = process.env;
  execFileSync('npx', ['nx', 'build', 'control-api', '--output-style=static'], { cwd: ROOT, stdio: 'ignore', env: buildEnv });
  const streaming = await runChat('streamList');
  const polling = await runChat('polling');
  const expectedPolls = Math.round((CHAT_HOURS * 3_600_000) / POLLING_INTERVAL_MS);
  const row = (name: string, r: RunResult) =>
    `  ${name.padEnd(34)} ${String(r.calls).padStart(6)} ${String(r.units).padStart(8)}   ${r.messagesIngested}/${r.messagesSent} messages   (${r.wallSeconds.toFixed(1)} s wall)`;
  console.log(`\nOne ${CHAT_HOURS}-hour YouTube live chat, ${MESSAGES_PER_MINUTE} messages/min, time compressed ${SCALE}× (${((CHAT_HOURS * 3600) / SCALE).toFixed(0)} s of wall time per run)`);
  console.log(`  polling interval asked by the fake: ${POLLING_INTERVAL_MS} ms (served as ${Math.round(POLLING_INTERVAL_MS / SCALE)} ms); stream connection lifetime assumed: ${CONNECTION_MINUTES} min`);
  console.log(`  ${'transport'.padEnd(34)} ${'calls'.padStart(6)} ${'units'.padStart(8)}`);
  console.log(row('streamList (5 units / connection)', streaming));
  console.log(row('list polling (5 units / call)', polling));
  console.log(`  polling / streaming units: ${(polling.units / Math.max(1, streaming.units)).toFixed(0)}×`);
  console.log(`  (polling at exactly ${POLLING_INTERVAL_MS} ms for ${CHAT_HOURS} h would be ${expectedPolls} calls = ${expectedPolls * 5} units; the default daily budget is 10,000)`);
}

runMain(main);
