/**
 * Webhook benchmark: signed `channel.chat.message` deliveries per second through the whole pipeline
 * (a built control-api: signature, replay guard, link lookup, sentiment, tracking, Redis buffer)
 * beside a bare node:http server that only verifies the HMAC, measured in the same run.
 *
 *   npm run bench:webhook -- [deliveries=4000] [concurrency=32]     (needs Redis on 127.0.0.1:6379)
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { FakeTwitch, type SignedDelivery, eventSubDelivery, freePort, startBuiltApp, waitForReady } from '@lib-stream/testing';

import { controlApiEnvForFakeTwitch, openLiveTwitchSession } from '../shared/twitch-stack';
import { runMain } from '../shared/bench-kit';

const ROOT = resolve(__dirname, '../..');
const TOTAL = Number(process.argv[2] ?? 4000);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const SECRET = 'bench-eventsub-secret-0123456789';
const LINES = ['PogChamp LETS GOOO', 'KEKW', 'gg wp <3', 'what game is this?', 'ResidentSleeper', 'that was terrible', 'WHAT?! no way', 'LUL he missed', 'hype hype hype', 'you are trash'];

async function fire(url: string, deliveries: SignedDelivery[]): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < deliveries.length) {
      const delivery = deliveries[next++];
      const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
      if (response.status !== 204) throw new Error(`unexpected ${response.status} from ${url}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function chatDeliveries(broadcasterId: string): SignedDelivery[] {
  return Array.from({ length: TOTAL }, (_, i) => {
    const chatter = String(1_000_000 + (i % 500));
    const text = LINES[i % LINES.length];
    return eventSubDelivery(SECRET, 'notification', 'channel.chat.message', {
      event: {
        broadcaster_user_id: broadcasterId,
        chatter_user_id: chatter,
        chatter_user_login: `viewer${chatter}`,
        message_id: randomUUID(),
        message: { text, fragments: [{ type: 'text', text }] },
        badges: i % 7 === 0 ? [{ set_id: 'subscriber', id: '1', info: '3' }] : [],
        source_broadcaster_user_id: null,
      },
    });
  });
}

async function main(): Promise<void> {
  const { TS_NODE_PROJECT: _omit, ...buildEnv } = process.env;
  execFileSync('npx', ['nx', 'build', 'control-api', '--output-style=static'], { cwd: ROOT, stdio: 'ignore', env: buildEnv });
  const twitch = await new FakeTwitch().start();
  const [apiPort, barePort] = [await freePort(), await freePort()];
  const api = startBuiltApp('control-api', { ...controlApiEnvForFakeTwitch(twitch, SECRET, apiPort), STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '100000' });
  const bare = spawn(process.execPath, [resolve(__dirname, 'bare-webhook-server.js'), String(barePort), SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
  const redis = new Redis();
  try {
    await waitForReady(`http://127.0.0.1:${apiPort}`);
    await new Promise<void>((resolveReady) => bare.stdout?.once('data', () => resolveReady()));
    const broadcasterId = '90000001';
    const { platformSessionId } = await openLiveTwitchSession(`http://127.0.0.1:${apiPort}`, twitch, broadcasterId);

    // Warm both servers up, then measure.
    await fire(`http://127.0.0.1:${apiPort}/stream/webhook/twitch`, chatDeliveries(broadcasterId).slice(0, 200));
    await fire(`http://127.0.0.1:${barePort}/`, chatDeliveries(broadcasterId).slice(0, 200));
    const buffered = () => redis.llen(SessionKeys.buffer(platformSessionId));
    const before = await buffered();

    const pipelineStart = process.hrtime.bigint();
    const answeredIn = await fire(`http://127.0.0.1:${apiPort}/stream/webhook/twitch`, chatDeliveries(broadcasterId));
    while ((await buffered()) - before < TOTAL) await new Promise((r) => setTimeout(r, 5));
    const processedIn = Number(process.hrtime.bigint() - pipelineStart) / 1e9;
    const bareIn = await fire(`http://127.0.0.1:${barePort}/`, chatDeliveries(broadcasterId));

    const rate = (seconds: number) => Math.round(TOTAL / seconds);
    console.log(`\nSigned channel.chat.message deliveries, ${TOTAL} at concurrency ${CONCURRENCY}`);
    console.log(`  control-api, answered (204)            ${String(rate(answeredIn)).padStart(7)} /s`);
    console.log(`  control-api, processed into the buffer ${String(rate(processedIn)).padStart(7)} /s`);
    console.log(`  bare node:http, HMAC check only        ${String(rate(bareIn)).padStart(7)} /s`);
    console.log(`  ratio processed / bare: ${(rate(processedIn) / rate(bareIn)).toFixed(2)}x`);
  } catch (error) {
    process.stderr.write(api.output().split('\n').slice(-15).join('\n'));
    throw error;
  } finally {
    await api.stop('SIGTERM');
    bare.kill('SIGTERM');
    await twitch.stop();
    await redis.quit();
  }
}

runMain(main);
