/**
 * The main job, seen from outside: chat in, anonymous pulses out (part 1 of `npm run demo`).
 *
 * Links a custom platform for a fresh demo account, opens a session, sends HMAC-signed deliveries of
 * chat, subscriptions, a raid and viewer counts to POST /stream/webhook/custom (README "Custom
 * webhook"), prints each anonymous `stream.audience.pulse` as it arrives on Redis, then the accounting:
 * events the webhook accepted, entries buffered, shed by burst protection and published in pulses.
 * Finally it stops the session and removes the link. Needs STREAM_REDIS_URL (to hear the pulses) and
 * STREAM_CUSTOM_WEBHOOK_SECRET (to sign deliveries), read as start.sh reads them.
 */
import { createHmac, randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { localSetting } from '../shared/local-settings';
import { type LocalStack, sleep } from './demo-kit';

const CHAT = [
  'LETS GOOOO what a play',
  'gg wp, that was amazing <3',
  'this is so boring',
  'no way!! did that just happen?',
  'you are trash, uninstall',
  'lol he missed again',
  'what game is this?',
  'love this stream, best streamer',
  'ugh, terrible call',
  'hype hype hype',
];

interface Pulse {
  platformSessionId: string;
  approximateViewerCount: number;
  intervalSeconds: number;
  sentiments: { category: string; intensity: number; viewerType: string | null }[];
}

/** One delivery: a few audience events; the custom webhook's JSON format (README "Custom webhook"). */
function deliveryEvents(n: number): object[] {
  const viewer = (i: number) => `demo-viewer-${i % 40}`;
  const events: object[] = [];
  for (let i = 0; i < 3; i += 1) {
    const who = n * 3 + i;
    events.push({ type: 'chat', viewerId: viewer(who), text: CHAT[(who * 7) % CHAT.length], roles: who % 5 === 0 ? ['subscriber'] : [] });
  }
  if (n % 10 === 3) events.push({ type: 'subscription', viewerId: viewer(n + 1), tier: 1, months: 3 });
  if (n % 25 === 7) events.push({ type: 'raid', viewerId: 'demo-raider', viewers: 120 });
  if (n % 8 === 0) events.push({ type: 'viewers', count: 200 + (n % 50) });
  return events;
}

/** Signs and posts one delivery: sha256=HMAC(secret, "<timestamp>.<deliveryId>." + body). */
async function deliver(baseUrl: string, secret: string, linkId: string, events: object[]): Promise<number> {
  const body = JSON.stringify({ linkId, events });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const deliveryId = randomUUID();
  const signature = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.`).update(body).digest('hex')}`;
  const response = await fetch(`${baseUrl}/stream/webhook/custom`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Stream-Timestamp': timestamp, 'X-Stream-Delivery-Id': deliveryId, 'X-Stream-Signature': signature },
    body,
  });
  const answer = (await response.json()) as { accepted?: number; code?: string; message?: string };
  if (response.status !== 202) throw new Error(`the webhook answered ${response.status} ${answer.code}: ${answer.message}`);
  return answer.accepted ?? 0;
}

function describePulse(pulse: Pulse): string {
  const counts = new Map<string, number>();
  for (const entry of pulse.sentiments) counts.set(entry.category, (counts.get(entry.category) ?? 0) + 1);
  const tracked = pulse.sentiments.filter((entry) => entry.viewerType).length;
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([category, n]) => `${category} ${n}`).join(', ');
  return `pulse: ${pulse.sentiments.length} entries (${tracked} from tracked viewers), ~${pulse.approximateViewerCount} viewers — ${summary || 'no entries'}`;
}

/** Runs the pulse part for `seconds` at `rate` deliveries/s; true when every accepted entry was published. */
export async function runPulseDemo(stack: LocalStack, seconds: number, rate: number): Promise<boolean> {
  const { baseUrl } = stack;
  const webhookSecret = localSetting('STREAM_CUSTOM_WEBHOOK_SECRET');
  if (!webhookSecret) throw new Error('STREAM_CUSTOM_WEBHOOK_SECRET is not set: start the stack once with npm start (it generates it).');
  const accountId = randomUUID();
  const api = stack.api(accountId);
  const subscriber = new Redis(localSetting('STREAM_REDIS_URL', 'redis://127.0.0.1:6379'), { lazyConnect: true, maxRetriesPerRequest: 1 });
  let sessionId: string | null = null;
  try {
    const linked = (await api('/stream/platform/link', { accountId, platform: 'custom', rtmpUrl: 'rtmp://127.0.0.1/live/demo-key' })).link as { linkId: string };
    const session = await api('/stream/session/start', { accountId, platform: 'custom' });
    sessionId = session.platformSessionId as string;
    console.log(`Demo account ${accountId}: custom link ${linked.linkId}, session ${sessionId}.`);

    const pulses: Pulse[] = [];
    await subscriber.connect();
    await subscriber.subscribe('stream.audience.pulse');
    subscriber.on('message', (_channel: string, message: string) => {
      const pulse = (JSON.parse(message) as { data: Pulse }).data;
      if (pulse.platformSessionId !== sessionId) return;
      pulses.push(pulse);
      console.log(`${new Date().toISOString().slice(11, 19)} ${describePulse(pulse)}`);
    });

    console.log(`Sending ${rate} signed deliveries/s for ${seconds} s to ${baseUrl}/stream/webhook/custom; pulses print as they arrive:\n`);
    let [sent, accepted] = [0, 0];
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      const tick = Date.now();
      accepted += await deliver(baseUrl, webhookSecret, linked.linkId, deliveryEvents(sent));
      sent += 1;
      await sleep(Math.max(0, 1000 / rate - (Date.now() - tick)));
    }

    // The last entries go out with the next pulse: wait until every buffered entry is published.
    const status = async () => api('/stream/session/status', { accountId, platformSessionId: sessionId });
    const published = () => pulses.reduce((sum, pulse) => sum + pulse.sentiments.length, 0);
    const deadline = Date.now() + 70_000;
    let last = await status();
    while (published() < Number(last.entriesAccepted) && Date.now() < deadline) {
      await sleep(1000);
      last = await status();
    }
    console.log(`
Accounting for session ${sessionId}:
  deliveries sent                ${sent}
  events accepted by the webhook ${accepted}  (viewer counts are events but not sentiment entries)
  entries buffered               ${String(last.entriesAccepted)}
  entries shed (burst limit)     ${String(last.entriesShed)}
  entries published in pulses    ${published()}  (${pulses.length} pulses)
  per category so far            ${JSON.stringify(last.sentimentDistribution)}
No chat text, viewer id or username left lib-stream: the pulses above are all a game service sees.`);
    return published() === Number(last.entriesAccepted);
  } finally {
    subscriber.disconnect();
    if (sessionId) await api('/stream/session/stop', { accountId, platformSessionId: sessionId }).catch(() => undefined);
    await api('/stream/platform/unlink', { accountId, platform: 'custom' }).catch(() => undefined);
  }
}
