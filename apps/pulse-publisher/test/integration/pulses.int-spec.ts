import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';

import { type BufferedSentimentEntry, type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';
import { JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { SentimentCategory, TrackedViewerType, toSentimentPulse } from '@lib-stream/privacy';
import { expectEventually, testRedisUrl, untilReady } from '@lib-stream/testing';

import { AppModule } from '../../src/app.module';
import { PartitionLeases } from '../../src/pulse/partitions/partition-leases';
import { PulseTicker } from '../../src/pulse/pulse-ticker';

const INTERVAL_SECONDS = 3600; // the replica's own schedule stays out of the way; ticks are driven here
const CATEGORIES = Object.values(SentimentCategory);

describe('pulse publishing with real Redis', () => {
  const redis = new Redis(testRedisUrl());
  const subscriber = new Redis(testRedisUrl());
  const received: { channel: string; packet: { pattern: string; data: Record<string, unknown> } }[] = [];
  let app: INestApplication;
  let ticker: PulseTicker;
  // Each driven tick claims a fresh interval, far ahead of the wall clock's, so the replica's own ticks claim nothing.
  let interval = Math.floor(Date.now() / (INTERVAL_SECONDS * 1000)) + 1000;
  const tick = () => ticker.tick(new Date(), { interval: interval++ });

  async function activeSession(inGameSessionId: string | null = null, viewerCount = 0): Promise<string> {
    const id = randomUUID();
    const session: PlatformSessionModel = {
      platformSessionId: id,
      linkId: randomUUID(),
      accountId: randomUUID(),
      platform: 'twitch' as never,
      state: 'active',
      platformStreamId: null,
      inGameSessionId,
      startedAt: new Date().toISOString(),
      endedAt: null,
      viewerCount,
      peakViewerCount: viewerCount,
    };
    await redis.multi().set(SessionKeys.session(id), JSON.stringify(session), 'EX', 600).sadd(SessionKeys.active(), id).exec();
    return id;
  }

  function entry(intensity: number, at = Date.now()): BufferedSentimentEntry {
    return { category: CATEGORIES[Math.floor(intensity * 1000) % CATEGORIES.length], intensity, trackingId: null, viewerType: null, at };
  }

  async function push(sessionId: string, entries: BufferedSentimentEntry[]): Promise<void> {
    if (entries.length) await redis.rpush(SessionKeys.buffer(sessionId), ...entries.map((e) => JSON.stringify(e)));
  }

  const pulsesFor = (sessionId: string) => received.filter((r) => r.packet.data.platformSessionId === sessionId).map((r) => r.packet.data);

  beforeAll(async () => {
    const config = loadConfig({ STREAM_REDIS_URL: testRedisUrl(), STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: String(INTERVAL_SECONDS), STREAM_SENTIMENT_MIN_BATCH_SIZE: '5', STREAM_SENTIMENT_MAX_BATCH_SIZE: '200' });
    const identity = newServiceIdentity('pulse-publisher');
    const logger = new JsonLogger({ service: 'pulse-publisher', level: 'warn', sink: { write: () => undefined } });
    app = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity), redisTransport: true }, config, identity, logger);
    await app.init();
    ticker = app.get(PulseTicker);
    await expectEventually(() => expect(app.get(PartitionLeases).held()).toHaveLength(64));
    await untilReady(subscriber);
    await subscriber.subscribe('stream.audience.pulse');
    subscriber.on('message', (channel: string, message: string) => received.push({ channel, packet: JSON.parse(message) }));
  });

  afterAll(async () => {
    await app?.close();
    await subscriber.quit();
    await redis.quit();
  });

  it('waits for the minimum batch, then publishes one pulse a plain subscriber can read', async () => {
    const inGame = randomUUID();
    const id = await activeSession(inGame, 321);
    await push(id, [entry(0.1), entry(0.2), entry(0.3)]);
    await tick();
    expect(await redis.llen(SessionKeys.buffer(id))).toBe(3);
    await push(id, [entry(0.4), { ...entry(0.5), trackingId: randomUUID(), viewerType: TrackedViewerType.Subscriber }]);
    await tick();
    await expectEventually(() => expect(pulsesFor(id)).toHaveLength(1));
    const pulse = pulsesFor(id)[0];
    expect(() => toSentimentPulse(pulse)).not.toThrow();
    expect(pulse).toMatchObject({ platformSessionId: id, streamSessionId: inGame, approximateViewerCount: 321, intervalSeconds: INTERVAL_SECONDS });
    expect((pulse.sentiments as unknown[]).length).toBe(5);
    expect(received.find((r) => r.packet.data.platformSessionId === id)?.packet.pattern).toBe('stream.audience.pulse');
    expect(await redis.llen(SessionKeys.buffer(id))).toBe(0);
  });

  it('keeps the highest intensities over the maximum and counts the rest as overflow', async () => {
    const id = await activeSession();
    await push(id, Array.from({ length: 250 }, (_, i) => entry((i + 1) / 1000)));
    const report = await tick();
    expect(report.overflow).toBeGreaterThanOrEqual(50);
    await expectEventually(() => expect(pulsesFor(id)).toHaveLength(1));
    const intensities = (pulsesFor(id)[0].sentiments as { intensity: number }[]).map((s) => s.intensity);
    expect(intensities).toHaveLength(200);
    expect(Math.min(...intensities)).toBeCloseTo(0.051);
  });

  it('expires entries that waited past two intervals (plus the lease), counted, never published', async () => {
    const id = await activeSession();
    const old = Date.now() - INTERVAL_SECONDS * 2500 - 1000; // two intervals plus the leader lease (half an interval)
    await push(id, [entry(0.9, old), entry(0.8, old), entry(0.1), entry(0.2)]);
    const report = await tick();
    expect(report.expired).toBeGreaterThanOrEqual(2);
    expect(await redis.llen(SessionKeys.buffer(id))).toBe(2);
    expect(pulsesFor(id)).toHaveLength(0);
  });

  it('accounts for every entry over a long randomized run: accepted = published + dropped', async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, () => activeSession()));
    let pushed = 0;
    let overflow = 0;
    let expired = 0;
    const seen = new Set<number>();
    let next = 1;
    for (let round = 0; round < 15; round++) {
      for (const id of sessions) {
        const n = Math.floor(Math.random() * 30);
        const batch = Array.from({ length: n }, () => entry(next++ / 1_000_000, Math.random() < 0.05 ? Date.now() - INTERVAL_SECONDS * 3000 : Date.now()));
        pushed += n;
        await push(id, batch);
      }
      const report = await tick();
      overflow += report.overflow;
      expired += report.expired;
    }
    // Whatever still waits in the buffers (below the minimum) is neither published nor dropped yet.
    let waiting = 0;
    for (const id of sessions) waiting += await redis.llen(SessionKeys.buffer(id));
    await expectEventually(() => {
      const published = sessions.flatMap(pulsesFor).flatMap((p) => p.sentiments as { intensity: number }[]);
      expect(published.length + overflow + expired + waiting).toBe(pushed);
    });
    for (const sentiment of sessions.flatMap(pulsesFor).flatMap((p) => p.sentiments as { intensity: number }[])) {
      expect(seen.has(sentiment.intensity)).toBe(false);
      seen.add(sentiment.intensity);
    }
  });

  it('exposes the publishing metrics', async () => {
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/lib_stream_pulses_published_total\{[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/lib_stream_pulse_entries_dropped_total\{reason="overflow"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/lib_stream_pulse_partitions_held\{[^}]*\} 64/);
    expect(metrics.text).toContain('lib_stream_pulse_tick_duration_seconds_bucket');
  });
});
