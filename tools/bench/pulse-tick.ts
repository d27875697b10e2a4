/**
 * Pulse publisher benchmark: one tick over 10,000 active sessions holding realistic buffers
 * (5–40 entries each, a few tracked), against real Redis. Prints the tick's duration beside a
 * baseline measured in the same run: the bare Redis work of reading and deleting the same buffers
 * (pipelined LRANGE + DEL) with no pulse building or publishing.
 *
 *   npm run bench:pulse -- [sessions=10000]
 */
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { SentimentCategory, TrackedViewerType } from '@lib-stream/privacy';

import { AppModule } from '../../apps/pulse-publisher/src/app.module';
import { PulseTicker } from '../../apps/pulse-publisher/src/pulse/pulse-ticker';
import { runMain } from '../shared/bench-kit';

const SESSIONS = Number(process.argv[2] ?? 10_000);
const CATEGORIES = Object.values(SentimentCategory);

async function fill(redis: Redis, ids: string[]): Promise<number> {
  let entries = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(i, i + 500)) {
      const n = 5 + Math.floor(Math.random() * 36);
      entries += n;
      const values = Array.from({ length: n }, (_, k) =>
        JSON.stringify({
          category: CATEGORIES[k % CATEGORIES.length],
          intensity: Math.round(Math.random() * 1000) / 1000,
          trackingId: k % 9 === 0 ? randomUUID() : null,
          viewerType: k % 9 === 0 ? TrackedViewerType.Subscriber : null,
          at: Date.now(),
        }),
      );
      pipeline.rpush(SessionKeys.buffer(id), ...values).set(SessionKeys.session(id), JSON.stringify({ platformSessionId: id, inGameSessionId: null, viewerCount: 1000, state: 'active' }), 'EX', 600);
    }
    await pipeline.exec();
  }
  return entries;
}

async function main(): Promise<void> {
  const redis = new Redis();
  const ids = Array.from({ length: SESSIONS }, () => randomUUID());
  const config = loadConfig({ STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '3600' });
  const identity = newServiceIdentity('pulse-publisher');
  let app: INestApplication | null = null;
  try {
    app = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity) }, config, identity, new JsonLogger({ service: 'bench', level: 'error', sink: { write: () => undefined } }));
    await app.init();
    const ticker = app.get(PulseTicker);
    await new Promise((r) => setTimeout(r, 500)); // let the leader's first (empty) tick pass

    // Baseline: read and delete the same buffers, nothing else.
    await fill(redis, ids);
    const baseStart = process.hrtime.bigint();
    for (let i = 0; i < ids.length; i += 500) {
      const pipeline = redis.pipeline();
      for (const id of ids.slice(i, i + 500)) pipeline.lrange(SessionKeys.buffer(id), 0, -1).del(SessionKeys.buffer(id));
      await pipeline.exec();
    }
    const baselineMs = Number(process.hrtime.bigint() - baseStart) / 1e6;

    const entries = await fill(redis, ids);
    await redis.sadd(SessionKeys.active(), ...ids);
    const start = process.hrtime.bigint();
    const report = await ticker.tick(new Date(), 60_000);
    const tickMs = Number(process.hrtime.bigint() - start) / 1e6;

    console.log(`\nOne pulse tick: ${SESSIONS} active sessions, ${entries} buffered entries`);
    console.log(`  tick (drain, build, shuffle, validate, publish, keep latest)  ${tickMs.toFixed(0).padStart(6)} ms  → ${report.pulses} pulses, ${report.entriesPublished} entries, ${report.overflow} overflow`);
    console.log(`  baseline (pipelined LRANGE + DEL of the same buffers)          ${baselineMs.toFixed(0).padStart(6)} ms`);
    console.log(`  ratio tick / baseline: ${(tickMs / baselineMs).toFixed(2)}x   goal: tick under 1000 ms`);
  } finally {
    await redis.srem(SessionKeys.active(), ...ids);
    for (let i = 0; i < ids.length; i += 1000) {
      await redis.del(...ids.slice(i, i + 1000).flatMap((id) => [SessionKeys.session(id), SessionKeys.buffer(id), SessionKeys.latestPulse(id)]));
    }
    await app?.close();
    await redis.quit();
  }
}

runMain(main);
