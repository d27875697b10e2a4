import { randomUUID } from 'node:crypto';

import { FakeTwitch, type SignedDelivery, type TestDatabase, bearerToken, createTestDatabase, eventSubDelivery } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi, twitchSettings } from './control-api.factory';

const SECRET = 'twitch-eventsub-secret-for-load-0005';
const DELIVERIES = 2000;
const LINES = ['PogChamp LETS GOOO', 'KEKW', 'gg wp <3', 'what game is this?', 'that was terrible', 'WHAT?! no way'];

/**
 * Readiness must not flap while a healthy MariaDB and Redis serve a chat burst: thousands of signed
 * Twitch deliveries at hundreds concurrent, with /health/ready polled throughout. The load comes
 * from this same process, so the event loop is busier than in production: a harsh version of it.
 */
describe('readiness under a webhook flood', () => {
  const twitch = new FakeTwitch();
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  let baseUrl: string;
  const broadcasterId = String(70_000_000 + Math.floor(Math.random() * 1_000_000));

  const call = (path: string, accountId: string, body: object) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { Authorization: bearerToken(accountId, ['user']), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  function chat(i: number): SignedDelivery {
    const chatter = String(2_000_000 + (i % 700));
    const text = LINES[i % LINES.length];
    return eventSubDelivery(SECRET, 'notification', 'channel.chat.message', {
      event: {
        broadcaster_user_id: broadcasterId,
        chatter_user_id: chatter,
        chatter_user_login: `viewer${chatter}`,
        message_id: randomUUID(),
        message: { text, fragments: [{ type: 'text', text }] },
        badges: [],
        source_broadcaster_user_id: null,
      },
    });
  }

  beforeAll(async () => {
    await twitch.start();
    db = await createTestDatabase('stream_ready_load');
    sut = await createControlApi({
      ...twitchSettings(twitch, db.url),
      STREAM_TWITCH_WEBHOOK_SECRET: SECRET,
      STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '100000',
    });
    await sut.app.listen(0, '127.0.0.1');
    baseUrl = (await sut.app.getUrl()).replace('[::1]', '127.0.0.1');

    const accountId = randomUUID();
    const { state } = (await (await call('/stream/platform/link', accountId, { accountId, platform: 'twitch' })).json()) as { state: string };
    const code = twitch.issueCode({ id: broadcasterId, login: `streamer${broadcasterId}`, displayName: 'Streamer' });
    expect((await call('/stream/platform/callback', accountId, { accountId, platform: 'twitch', state, code })).status).toBe(200);
    twitch.setLive(broadcasterId, `stream-${broadcasterId}`, 1234);
    expect((await call('/stream/session/start', accountId, { accountId, platform: 'twitch' })).status).toBe(200);
  });

  afterAll(async () => {
    await sut?.app.close();
    await twitch.stop();
    await db?.drop();
  });

  it.each([256, 512])('stays ready through %i concurrent deliveries', async (concurrency) => {
    const deliveries = Array.from({ length: DELIVERIES }, (_, i) => chat(i));
    const statuses = new Map<number, number>();
    const probes: { status: number; ms: number; body: string }[] = [];
    let next = 0;
    let flooding = true;

    const sender = async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++];
        const response = await fetch(`${baseUrl}/stream/webhook/twitch`, { method: 'POST', headers: delivery.headers, body: delivery.body });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    const prober = async () => {
      while (flooding) {
        const started = Date.now();
        const response = await fetch(`${baseUrl}/health/ready`);
        probes.push({ status: response.status, ms: Date.now() - started, body: await response.text() });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const started = Date.now();
    const probing = prober();
    await Promise.all(Array.from({ length: concurrency }, sender));
    const seconds = (Date.now() - started) / 1000;
    flooding = false;
    await probing;

    const latencies = probes.map((p) => p.ms).sort((a, b) => a - b);
    const notReady = probes.filter((p) => p.status !== 200);
    process.stdout.write(
      `concurrency ${concurrency}: ${DELIVERIES} deliveries in ${seconds.toFixed(1)} s (${Math.round(DELIVERIES / seconds)}/s), statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `${probes.length} readiness probes, ${notReady.length} not ready, latency p50 ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies.at(-1)} ms\n`,
    );
    expect(statuses.get(204)).toBe(DELIVERIES);
    expect(probes.length).toBeGreaterThan(3);
    expect(notReady.map((p) => p.body)).toEqual([]);
  }, 180_000);
});
