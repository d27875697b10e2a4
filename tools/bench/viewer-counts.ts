/**
 * Viewer-count benchmark: one refresh of N active sessions per platform (default 10,000 Twitch and
 * 10,000 YouTube) against the strict fakes, on a private Redis, with the code control-api runs
 * (ViewerCountRefresh, the Twitch and YouTube clients, the Lua write into each session record,
 * sharded the way the refresher shards: ceil(N / 2,000) shards, one after another as one replica
 * would run them). Beside it, in the same run: one call per session through the same clients, at
 * the same concurrency. Prints calls, time, quota units and the ratios. The link lookup (database,
 * decryption) is left out of both: targets are built directly.
 *
 *   npm run bench:viewers -- [sessions=10000]
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { type PlatformSessionModel, SessionKeys, StreamPlatform, shardOf } from '@lib-stream/contracts';
import { FakeGoogle, FakeTwitch, startRedisServer } from '@lib-stream/testing';

import { chunk, mapLimited } from '../../apps/control-api/src/sessions/viewer-counts/batching';
import { PlatformBackoff, backoffScope } from '../../apps/control-api/src/sessions/viewer-counts/platform-backoff';
import { TwitchStreamsClient } from '../../apps/control-api/src/sessions/viewer-counts/twitch-streams.client';
import { type RefreshTarget, ViewerCountRefresh } from '../../apps/control-api/src/sessions/viewer-counts/viewer-count-refresh';
import { SESSIONS_PER_SHARD } from '../../apps/control-api/src/sessions/viewer-counts/viewer-count-refresher';
import { writeViewerCounts } from '../../apps/control-api/src/sessions/viewer-counts/viewer-count-writes';
import { YouTubeVideosClient } from '../../apps/control-api/src/sessions/viewer-counts/youtube-videos.client';
import { runMain } from '../shared/bench-kit';

const SESSIONS = Number(process.argv[2] ?? 10_000);
/** As in the refresher: calls in flight per platform. */
const CONCURRENCY = 4;
/** Twitch's default bucket (twitch.md §2.7), for the "minutes of rate limit" column. */
const TWITCH_POINTS_PER_MINUTE = 800;

interface Row {
  mode: string;
  calls: number;
  ms: number;
  refreshed: number;
  units: number | null;
}

async function seed(redis: Redis, targets: RefreshTarget[]): Promise<void> {
  for (const part of chunk(targets, 1000)) {
    const multi = redis.multi();
    for (const t of part) {
      const session: PlatformSessionModel = { platformSessionId: t.platformSessionId, linkId: t.linkId, accountId: randomUUID(), platform: t.platform, state: 'active', platformStreamId: null, liveChatId: null, inGameSessionId: null, startedAt: new Date().toISOString(), endedAt: null, viewerCount: 0, peakViewerCount: 0 };
      multi.set(SessionKeys.session(t.platformSessionId), JSON.stringify(session)).sadd(SessionKeys.active(), t.platformSessionId);
    }
    await multi.exec();
  }
}

async function main(): Promise<void> {
  const server = await startRedisServer();
  const twitch = new FakeTwitch();
  const google = new FakeGoogle();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  try {
    await Promise.all([twitch.start(), google.start()]);
    // The fake's bucket is made large enough for the one-call-per-session run; Twitch's real one is
    // 800 points a minute, which the table turns into minutes below.
    twitch.setRateLimit(1_000_000, 60_000);
    google.dailyQuotaLimit = 1_000_000;
    const twitchTargets: RefreshTarget[] = [];
    const youtubeTargets: RefreshTarget[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const userId = String(10_000_000 + i);
      twitch.setLive(userId, `s${i}`, 100 + (i % 5000));
      twitchTargets.push({ platformSessionId: randomUUID(), platform: StreamPlatform.Twitch, platformId: userId, linkId: randomUUID() });
      const videoId = `video${String(i).padStart(6, '0')}`;
      google.setLive(`UCbench${i}`, videoId);
      google.videos.setConcurrentViewers(videoId, 50 + (i % 7000));
      youtubeTargets.push({ platformSessionId: randomUUID(), platform: StreamPlatform.YouTube, platformId: videoId, linkId: randomUUID() });
    }
    await seed(redis, [...twitchTargets, ...youtubeTargets]);

    const twitchClient = new TwitchStreamsClient({ apiBaseUrl: twitch.apiBaseUrl, authBaseUrl: twitch.authBaseUrl, clientId: twitch.clientId, clientSecret: twitch.clientSecret, timeoutMs: 10_000 });
    const videos = new YouTubeVideosClient({ apiBaseUrl: google.youtubeApiBaseUrl, apiKey: google.videos.apiKey, timeoutMs: 10_000, spend: () => Promise.resolve(), quotaResetsAt: (now) => now + 3_600_000, rateLimitPauseMs: 60_000 });
    const apply = async (updates: { platformSessionId: string; viewerCount: number }[]) => {
      await writeViewerCounts(redis, updates);
    };
    const rows: Row[] = [];

    for (const [platform, targets] of [['twitch', twitchTargets], ['youtube', youtubeTargets]] as const) {
      // Batched, sharded as the refresher shards one interval.
      const refresh = new ViewerCountRefresh({
        twitch: platform === 'twitch' ? twitchClient : null,
        youtube: platform === 'youtube' ? (ids) => videos.viewerCounts(ids) : null,
        backoff: new PlatformBackoff(redis, { twitch: backoffScope(twitch.clientId), youtube: backoffScope(google.clientId) }),
        apply,
        concurrency: CONCURRENCY,
      });
      const shards = Math.ceil(targets.length / SESSIONS_PER_SHARD);
      const byShard = Array.from({ length: shards }, () => [] as RefreshTarget[]);
      for (const t of targets) byShard[shardOf(t.platformSessionId, shards)].push(t);
      const units = google.quotaUnitsUsed;
      let started = Date.now();
      let calls = 0;
      let refreshed = 0;
      for (const shard of byShard) {
        const report = await refresh.refresh(shard, Date.now() + 60_000);
        calls += report.calls[platform];
        refreshed += report.sessions.refreshed;
      }
      rows.push({ mode: `${platform} batched (${shards} shards)`, calls, ms: Date.now() - started, refreshed, units: platform === 'youtube' ? google.quotaUnitsUsed - units : null });

      // One call per session, same clients and concurrency.
      const unitsBefore = google.quotaUnitsUsed;
      started = Date.now();
      let single = 0;
      let singleRefreshed = 0;
      await mapLimited(targets, CONCURRENCY, async (t) => {
        single += 1;
        const count = platform === 'twitch' ? (await twitchClient.viewerCounts([t.platformId])).counts.get(t.platformId) : (await videos.viewerCounts([t.platformId])).get(t.platformId)?.viewers;
        if (typeof count !== 'number') return;
        await apply([{ platformSessionId: t.platformSessionId, viewerCount: count }]);
        singleRefreshed += 1;
      });
      rows.push({ mode: `${platform} one call per session`, calls: single, ms: Date.now() - started, refreshed: singleRefreshed, units: platform === 'youtube' ? google.quotaUnitsUsed - unitsBefore : null });
    }

    console.log(`\nViewer-count refresh of ${SESSIONS} active sessions per platform against the fakes (concurrency ${CONCURRENCY}, private Redis)\n`);
    console.log('| mode | calls | time (ms) | sessions refreshed | YouTube quota units | Twitch bucket minutes at 800 points/min |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const row of rows) {
      const minutes = row.mode.startsWith('twitch') ? (row.calls / TWITCH_POINTS_PER_MINUTE).toFixed(2) : '';
      console.log(`| ${row.mode} | ${row.calls} | ${row.ms} | ${row.refreshed} | ${row.units ?? ''} | ${minutes} |`);
    }
    for (const platform of ['twitch', 'youtube']) {
      const [batched, single] = rows.filter((r) => r.mode.startsWith(platform));
      console.log(`${platform}: one-call-per-session makes ${(single.calls / batched.calls).toFixed(1)}x the calls and takes ${(single.ms / Math.max(1, batched.ms)).toFixed(1)}x the time`);
    }
    const ok = rows.every((r) => r.refreshed === SESSIONS);
    if (!ok) throw new Error('not every session was refreshed in every mode');
  } finally {
    await redis.quit().catch(() => undefined);
    await Promise.all([twitch.stop(), google.stop()]);
    await server.dispose();
  }
}

runMain(main);
