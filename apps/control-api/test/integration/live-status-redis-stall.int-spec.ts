import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';

import { type TestDatabase, type TestRedisServer, bearerToken, createTestDatabase, startRedisServer } from '@lib-stream/testing';

import { LiveEventFeed } from '../../src/live-status/live-event-feed';
import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

type Frame = { type: string; [field: string]: unknown };

/** Status, Retry-After and body of an upgrade the server refused. */
function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] as string | undefined, body }));
    });
    socket.on('open', () => reject(new Error('upgrade was accepted')));
    socket.on('error', () => undefined);
  });
}

/**
 * A Redis that stops answering (SIGSTOP: the connection stays up, nothing is refused) must not hold
 * the ticket route, ticket upgrades or subscribes for as long as it stalls.
 */
describe('live status while Redis stalls (SIGSTOP)', () => {
  let server: TestRedisServer;
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  let base: string;
  const admin = bearerToken(`admin-${randomUUID()}`, ['admin']);

  const stall = () => process.kill(server.pid() as number, 'SIGSTOP');
  const resume = () => process.kill(server.pid() as number, 'SIGCONT');

  beforeAll(async () => {
    server = await startRedisServer();
    db = await createTestDatabase('stream_live_stall');
    sut = await createControlApi({ STREAM_ENABLED: 'true', STREAM_REDIS_URL: server.url, STREAM_DATABASE_URL: db.url, STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    await sut.app.listen(0, '127.0.0.1');
    await sut.app.get(LiveEventFeed).ready;
    base = `127.0.0.1:${(sut.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (server?.pid()) resume();
    await sut?.app.close();
    await db?.drop();
    await server?.dispose();
  });

  it('never gives a ticket more seconds than its token has left (the clock tolerance is not promised)', async () => {
    // The default 5 s tolerance: before, a token with 3 s left got a ticket said to last 7 s.
    const response = await fetch(`http://${base}/stream/events/ticket`, { method: 'POST', headers: { Authorization: bearerToken(`admin-${randomUUID()}`, ['admin'], undefined, 3) } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { expiresInSeconds: number }).expiresInSeconds).toBeLessThanOrEqual(3);
  });

  it('answers the ticket route and a ticket upgrade 503 with Retry-After, and a subscribe with snapshotError', async () => {
    // A ticket issued before the stall, so the upgrade has a well-formed one to look up.
    const issued = await fetch(`http://${base}/stream/events/ticket`, { method: 'POST', headers: { Authorization: admin } });
    const { ticket } = (await issued.json()) as { ticket: string };
    const socket = new WebSocket(`ws://${base}/stream/events`, { headers: { Authorization: admin } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const frames: Frame[] = [];
    const subscribed = new Promise<Frame>((resolve) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        frames.push(frame);
        if (frame.type === 'subscribed') resolve(frame);
      }),
    );

    stall();
    try {
      const route = await fetch(`http://${base}/stream/events/ticket`, { method: 'POST', headers: { Authorization: admin } });
      expect(route.status).toBe(503);
      expect(route.headers.get('retry-after')).toMatch(/^\d+$/);

      const upgrade = await refusedUpgrade(`ws://${base}/stream/events?ticket=${ticket}`);
      expect(upgrade).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      expect(JSON.parse(upgrade.body)).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });

      socket.send(JSON.stringify({ type: 'subscribe', topics: ['broadcasts', 'cameras'] }));
      const frame = await subscribed;
      expect(frame).toMatchObject({ type: 'subscribed', resumed: false, snapshotError: expect.any(String) });
    } finally {
      resume();
      socket.terminate();
    }
  }, 30_000);
});
