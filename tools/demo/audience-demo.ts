/**
 * See the audience path work, end to end, in one command:
 *
 *   npm run demo:audience -- [messagesPerSecond=10] [seconds=60]
 *
 * Builds and starts control-api and pulse-publisher (SQLite, the local Redis), plays Twitch with a
 * local server, links a Twitch account through the OAuth flow, opens a session, then sends signed
 * EventSub deliveries (chat, subscriptions, raids) at the chosen rate to the real webhook endpoint,
 * while a plain Redis subscriber prints each `stream.audience.pulse` as it arrives.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import Redis from 'ioredis';

import { FakeTwitch, eventSubDelivery, freePort, startBuiltApp, waitForReady } from '@lib-stream/testing';

import { controlApiEnvForFakeTwitch, openLiveTwitchSession } from '../shared/twitch-stack';
import { runMain } from '../shared/bench-kit';

const RATE = Number(process.argv[2] ?? 10);
const SECONDS = Number(process.argv[3] ?? 60);
const SECRET = 'demo-eventsub-secret-0123456789';
const ROOT = resolve(__dirname, '../..');
const LINES = ['PogChamp LETS GOOO', 'KEKW', 'gg wp <3', 'what game is this?', 'ResidentSleeper', 'that was a terrible call', 'WHAT?! no way', 'LUL he missed', 'hype hype hype', 'you are trash, uninstall'];

async function main(): Promise<void> {
  const { TS_NODE_PROJECT: _omit, ...buildEnv } = process.env;
  console.log('Building control-api and pulse-publisher...');
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'control-api', 'pulse-publisher', '--output-style=static'], { cwd: ROOT, stdio: 'ignore', env: buildEnv });
  const twitch = await new FakeTwitch().start();
  const [apiPort, pulsePort] = [await freePort(), await freePort()];
  const common = { STREAM_ENABLED: 'true', STREAM_LOG_LEVEL: 'warn', STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '5' };
  const api = startBuiltApp('control-api', { ...controlApiEnvForFakeTwitch(twitch, SECRET, apiPort), ...common });
  const publisher = startBuiltApp('pulse-publisher', { ...common, PULSE_PUBLISHER_HTTP_PORT: String(pulsePort) });
  const subscriber = new Redis();
  try {
    await waitForReady(`http://127.0.0.1:${apiPort}`);
    await waitForReady(`http://127.0.0.1:${pulsePort}`);
    const broadcasterId = String(50_000_000 + Math.floor(Math.random() * 1000));
    const session = await openLiveTwitchSession(`http://127.0.0.1:${apiPort}`, twitch, broadcasterId);
    console.log(`Session ${session.platformSessionId} is live; sending ${RATE} deliveries/s for ${SECONDS} s. Pulses every 5 s:\n`);

    await subscriber.subscribe('stream.audience.pulse');
    subscriber.on('message', (_channel: string, message: string) => {
      const pulse = JSON.parse(message).data as { platformSessionId: string; approximateViewerCount: number; sentiments: { category: string; intensity: number; viewerType: string | null }[] };
      if (pulse.platformSessionId !== session.platformSessionId) return;
      const counts = new Map<string, number>();
      for (const s of pulse.sentiments) counts.set(s.category, (counts.get(s.category) ?? 0) + 1);
      const tracked = pulse.sentiments.filter((s) => s.viewerType).length;
      const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
      console.log(`${new Date().toISOString()} pulse: ${pulse.sentiments.length} entries (${tracked} tracked), ~${pulse.approximateViewerCount} viewers — ${summary}`);
    });

    const url = `http://127.0.0.1:${apiPort}/stream/webhook/twitch`;
    const until = Date.now() + SECONDS * 1000;
    let i = 0;
    while (Date.now() < until) {
      const chatter = String(1_000_000 + (i % 300));
      const delivery =
        i % 97 === 0
          ? eventSubDelivery(SECRET, 'notification', 'channel.raid', { event: { from_broadcaster_user_id: chatter, to_broadcaster_user_id: broadcasterId, viewers: 50 + (i % 500) } })
          : i % 23 === 0
            ? eventSubDelivery(SECRET, 'notification', 'channel.subscribe', { event: { user_id: chatter, broadcaster_user_id: broadcasterId, tier: '1000', is_gift: false } })
            : eventSubDelivery(SECRET, 'notification', 'channel.chat.message', {
                event: { broadcaster_user_id: broadcasterId, chatter_user_id: chatter, message_id: randomUUID(), message: { text: LINES[i % LINES.length] }, badges: i % 5 === 0 ? [{ set_id: 'subscriber' }] : [] },
              });
      await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
      i += 1;
      await new Promise((r) => setTimeout(r, 1000 / RATE));
    }
    await new Promise((r) => setTimeout(r, 6000));
    console.log(`\nSent ${i} signed deliveries.`);
  } finally {
    await subscriber.quit();
    await Promise.all([api.stop(), publisher.stop()]);
    await twitch.stop();
  }
}

runMain(main);
