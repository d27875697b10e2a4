import { randomBytes, randomUUID } from 'node:crypto';
import { type AddressInfo, connect } from 'node:net';
import Redis from 'ioredis';
import { WebSocket } from 'ws';

import { CameraKeys, type CameraRegistryEntry, ConsumedTopic, EventTopic, type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';
import { MetricsService } from '@lib-stream/nest-kit';
import { type TestDatabase, bearerToken, createTestDatabase, expectEventually, findLeaks, testRedisUrl } from '@lib-stream/testing';

import { BroadcastsService } from '../../src/broadcasts/broadcasts.service';
import { LiveEventFeed } from '../../src/live-status/live-event-feed';
import { LiveStatusServer, TOKEN_EXPIRED_CLOSE_CODE } from '../../src/live-status/live-status.server';
import { ViewerCountRefresher } from '../../src/sessions/viewer-counts/viewer-count-refresher';
import { type ControlApiUnderTest, capturedLogLines, createControlApi } from './control-api.factory';

type Frame = { type: string; [field: string]: unknown };

/** Everything every socket in this spec received, for the privacy scan at the end. */
const allFrames: string[] = [];

/** A real `ws` client that records its frames and lets a test wait for one matching a predicate. */
class Dashboard {
  readonly frames: Frame[] = [];
  private waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      allFrames.push(String(data));
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((waiter) => (waiter.match(frame) ? (waiter.resolve(frame), false) : true));
    });
  }

  /** With `Authorization: <authorization>`, or without it (null) when the URL carries a ticket. */
  static open(url: string, authorization: string | null): Promise<Dashboard> {
    const socket = new WebSocket(url, { headers: authorization === null ? {} : { Authorization: authorization } });
    const dashboard = new Dashboard(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(dashboard));
      socket.once('error', reject);
    });
  }

  /** The first frame (already received or still to come) that matches. */
  next(match: (frame: Frame) => boolean): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  async subscribe(request: object): Promise<Frame> {
    const before = this.frames.length;
    this.socket.send(JSON.stringify({ type: 'subscribe', ...request }));
    return this.next((frame) => this.frames.indexOf(frame) >= before && ['subscribed', 'error'].includes(frame.type));
  }

  events(topic?: string): Frame[] {
    return this.frames.filter((frame) => frame.type === 'event' && (topic === undefined || frame.topic === topic));
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Status and body of a refused upgrade. */
function refusedUpgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.on('open', () => reject(new Error('upgrade was accepted')));
    socket.on('error', () => undefined);
  });
}

const admin = () => bearerToken(`admin-${randomUUID()}`, ['admin']);
const developer = () => bearerToken(`dev-${randomUUID()}`, ['developer']);

// Values that must never reach a socket: an engine key, chat text, a platform user id, a tracking id.
const ENGINE_KEY = 'sk_live_engine_key_5c1d0e';
const CHAT_TEXT = 'my secret chat line 7781';
const PLATFORM_USER_ID = 'twitch-user-99188277';
const TRACKING_ID = 'trk-hmac-4f0a9c2e';
const DESTINATION_KEY = 'live_491_destination_SECRET';
const DESTINATION_URL = `rtmp://live.example.net/app/${DESTINATION_KEY}`;

describe('live status over WebSocket across two control-api replicas (/stream/events)', () => {
  let db: TestDatabase;
  let replicas: ControlApiUnderTest[];
  let urls: string[];
  let publisher: Redis;
  const dashboards: Dashboard[] = [];
  const tokens: string[] = [];
  const tickets: string[] = [];

  const open = async (replica: number, token: string) => {
    tokens.push(token);
    const dashboard = await Dashboard.open(urls[replica], token);
    dashboards.push(dashboard);
    return dashboard;
  };
  const publish = (topic: string, data: object) => publisher.publish(topic, JSON.stringify({ pattern: topic, data }));
  const sourceChanged = (broadcastId: string) =>
    publish(EventTopic.BroadcastSourceChanged, { eventId: randomUUID(), timestamp: new Date().toISOString(), broadcastId, previousSource: 'primary_stream', currentSource: 'fallback_image' });
  const httpBase = (replica: number) => urls[replica].replace(/^ws:/, 'http:').replace('/stream/events', '');
  /** POST /stream/events/ticket on a replica with the given Authorization header value. */
  const ticketFor = async (replica: number, authorization: string) => {
    tokens.push(authorization);
    const response = await fetch(`${httpBase(replica)}/stream/events/ticket`, { method: 'POST', headers: { Authorization: authorization } });
    const body = (await response.json()) as { ticket: string; expiresInSeconds: number };
    if (response.status === 200) tickets.push(body.ticket);
    return { status: response.status, body, cacheControl: response.headers.get('cache-control') };
  };
  const withTicket = (replica: number, ticket: string) => `${urls[replica]}?ticket=${encodeURIComponent(ticket)}`;
  const broadcastIds = (dashboard: Dashboard, prefix: string) => dashboard.events('broadcasts').map((f) => (f.data as { broadcastId: string }).broadcastId).filter((id) => id.startsWith(prefix));

  beforeAll(async () => {
    db = await createTestDatabase('stream_live_status');
    // No clock tolerance, so a token of two seconds expires within the spec's time.
    const env = { STREAM_ENABLED: 'true', STREAM_DATABASE_URL: db.url, STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'), STREAM_AUTH_JWT_CLOCK_TOLERANCE_SECONDS: '0' };
    replicas = [await createControlApi(env), await createControlApi(env)];
    urls = [];
    for (const replica of replicas) {
      await replica.app.listen(0, '127.0.0.1');
      await replica.app.get(LiveEventFeed).ready;
      urls.push(`ws://127.0.0.1:${(replica.app.getHttpServer().address() as AddressInfo).port}/stream/events`);
    }
    publisher = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    for (const dashboard of dashboards) dashboard.close();
    publisher?.disconnect();
    for (const replica of replicas ?? []) await replica.app.close();
    await db?.drop();
  });

  it('refuses an upgrade without a token, or with a bad one, with a 401 in the REST error shape (no stack)', async () => {
    const none = await refusedUpgrade(urls[0], {});
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'Missing bearer token (Authorization: Bearer <JWT>, or ?ticket= from POST /stream/events/ticket)' });
    const forged = await refusedUpgrade(urls[0], { Authorization: bearerToken('someone', ['admin'], 'not-the-secret-0000000000000000000000') });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Bearer token is invalid' });
    expect(forged.body).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('answers 404 to an upgrade elsewhere, even to a target URL cannot parse, and keeps serving', async () => {
    expect((await refusedUpgrade(urls[0].replace('/stream/events', '/stream/other'), { Authorization: admin() })).status).toBe(404);
    const { port } = new URL(urls[0]);
    const statusLine = await new Promise<string>((resolve, reject) => {
      const raw = connect(Number(port), '127.0.0.1', () =>
        raw.write('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'),
      );
      raw.once('data', (chunk) => (resolve(String(chunk).split('\r\n')[0]), raw.destroy()));
      raw.once('error', reject);
    });
    expect(statusLine).toBe('HTTP/1.1 404 Not Found');
    await (await open(0, admin())).subscribe({ topics: ['broadcasts'] });
  });

  it('delivers every broadcast event, in order, to admins on both replicas, after a snapshot', async () => {
    const onA = await open(0, admin());
    const onB = await open(1, admin());
    for (const dashboard of [onA, onB]) {
      const subscribed = await dashboard.subscribe({ topics: ['broadcasts', 'cameras'] });
      expect(subscribed).toMatchObject({ type: 'subscribed', topics: ['broadcasts', 'cameras'], resumed: false, snapshot: { broadcasts: [], cameras: [] } });
    }
    const sent = Array.from({ length: 30 }, (_, i) => `order-${i}`);
    for (const id of sent) await sourceChanged(id);
    await publish(ConsumedTopic.CameraStreamStarted, {
      eventId: randomUUID(),
      timestamp: new Date().toISOString(),
      cameraId: 'cam-1',
      source: 'engine',
      rtmpUrl: `rtmp://engine.example.net/live/${ENGINE_KEY}`,
      metadata: { width: 1920, height: 1080, fps: 30, streamKey: ENGINE_KEY },
    });
    for (const dashboard of [onA, onB]) {
      const camera = await dashboard.next((f) => f.type === 'event' && f.topic === 'cameras');
      expect(camera).toMatchObject({ event: 'camera.stream.started', data: { cameraId: 'cam-1', source: 'engine', metadata: { width: 1920, height: 1080, fps: 30 } } });
      expect(camera.data).not.toHaveProperty('rtmpUrl');
      expect(broadcastIds(dashboard, 'order-')).toEqual(sent);
    }
    // The same Redis message has the same cursor on both replicas (so a client may resume on either).
    expect(onA.events('broadcasts').map((f) => f.cursor)).toEqual(onB.events('broadcasts').map((f) => f.cursor));
  });

  it('gives users their own sessions only, refuses other topics with an error frame and keeps the socket open', async () => {
    const accountId = `user-${randomUUID()}`;
    const user = await open(1, bearerToken(accountId, ['user']));
    expect(await user.subscribe({ topics: ['broadcasts'] })).toMatchObject({ type: 'error', code: 'FORBIDDEN_TOPIC', message: 'Topic broadcasts requires the admin role' });
    expect(await user.subscribe({ topics: ['weather'] })).toMatchObject({ type: 'error', code: 'UNKNOWN_TOPIC' });
    expect(await user.subscribe({ topics: ['sessions'] })).toMatchObject({ type: 'subscribed', snapshot: { sessions: [] } });

    const session = (owner: string, platformSessionId: string) =>
      publish(EventTopic.PlatformSessionStarted, {
        eventId: randomUUID(),
        timestamp: new Date().toISOString(),
        platformSessionId,
        accountId: owner,
        platform: 'twitch',
        inGameSessionId: null,
        platformUserId: PLATFORM_USER_ID,
        chatText: CHAT_TEXT,
      });
    await session(`other-${randomUUID()}`, 'theirs');
    await session(accountId, 'mine');
    const mine = await user.next((f) => f.type === 'event');
    expect(mine).toMatchObject({ topic: 'sessions', event: 'stream.platform.session.started', data: { platformSessionId: 'mine', accountId } });
    expect(user.events().map((f) => (f.data as { platformSessionId: string }).platformSessionId)).toEqual(['mine']);
    expect(user.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('forwards a destination failing and the health it causes to admins, in order, as codes and a masked label (never its URL or key)', async () => {
    const onA = await open(0, admin());
    const onB = await open(1, admin());
    for (const dashboard of [onA, onB]) await dashboard.subscribe({ topics: ['broadcasts'], resource: 'health-1' });
    // As a media worker publishes them (its events carry no URL; the extra fields here must be dropped anyway).
    const header = () => ({ eventId: randomUUID(), timestamp: new Date().toISOString(), broadcastId: 'health-1' });
    const destination = (state: string, previousState: string | null, reason: string, retryCount: number) =>
      publish(EventTopic.BroadcastDestinationChanged, { ...header(), destinationId: 'd-1', index: 0, label: 'rtmp://live.example.net/app/****', state, previousState, reason, retryCount, url: DESTINATION_URL, lastError: `refused ${DESTINATION_URL}` });
    const health = (value: string, previousHealth: string | null, reason: string | null) => publish(EventTopic.BroadcastHealthChanged, { ...header(), health: value, previousHealth, reason, lastError: DESTINATION_KEY });
    await destination('connecting', null, 'started', 0);
    await health('unhealthy', null, 'no_destination_live');
    await destination('retrying', 'connecting', 'exited', 1);
    await destination('failed', 'retrying', 'exited', 2);
    await health('stopped', 'unhealthy', 'stopped');
    for (const dashboard of [onA, onB]) {
      await dashboard.next(() => dashboard.events().length >= 5);
      expect(dashboard.events().map((f) => [f.event, (f.data as { state?: string; health?: string }).state ?? (f.data as { health: string }).health])).toEqual([
        ['stream.broadcast.destination-changed', 'connecting'],
        ['stream.broadcast.health-changed', 'unhealthy'],
        ['stream.broadcast.destination-changed', 'retrying'],
        ['stream.broadcast.destination-changed', 'failed'],
        ['stream.broadcast.health-changed', 'stopped'],
      ]);
      expect(dashboard.events()[3].data).toEqual({ eventId: expect.any(String), timestamp: expect.any(String), broadcastId: 'health-1', destinationId: 'd-1', index: 0, label: 'rtmp://live.example.net/app/****', state: 'failed', previousState: 'retrying', reason: 'exited', retryCount: 2 });
      expect(dashboard.events()[1].data).toEqual({ eventId: expect.any(String), timestamp: expect.any(String), broadcastId: 'health-1', health: 'unhealthy', previousHealth: null, reason: 'no_destination_live' });
      // Kept for resuming, like every broadcast event.
      expect(dashboard.events().every((f) => typeof f.cursor === 'string')).toBe(true);
      expect(findLeaks({ frames: dashboard.frames.map((f) => JSON.stringify(f)).join('\n') }, [DESTINATION_KEY, DESTINATION_URL])).toEqual({});
    }
  });

  it('sends a changed viewer count to the session\'s owner only, as a latest-value frame outside the replay window, and the current counts on resume', async () => {
    const owner = `user-${randomUUID()}`;
    const other = `user-${randomUUID()}`;
    const platformSessionId = `viewers-${randomUUID()}`;
    const record: PlatformSessionModel = {
      platformSessionId,
      linkId: randomUUID(),
      accountId: owner,
      platform: 'twitch' as PlatformSessionModel['platform'],
      state: 'active',
      platformStreamId: null,
      inGameSessionId: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      viewerCount: 0,
      peakViewerCount: 0,
    };
    await publisher.multi().set(SessionKeys.session(platformSessionId), JSON.stringify(record)).sadd(SessionKeys.active(), platformSessionId).exec();
    try {
      const mine = await open(0, bearerToken(owner, ['user']));
      const theirs = await open(0, bearerToken(other, ['user']));
      const admins = await open(0, admin());
      await mine.subscribe({ topics: ['sessions'] });
      await theirs.subscribe({ topics: ['sessions'] });
      await admins.subscribe({ topics: ['broadcasts', 'cameras', 'pulse'] });
      const started = (accountId: string, id: string) =>
        publish(EventTopic.PlatformSessionStarted, { eventId: randomUUID(), timestamp: new Date().toISOString(), platformSessionId: id, accountId, platform: 'twitch', inGameSessionId: null });
      // A replayable event first: its cursor is where the owner resumes from later.
      await started(owner, `anchor-${randomUUID()}`);
      const anchor = await mine.next((f) => f.type === 'event');
      const feed = replicas[0].app.get(LiveEventFeed);
      const latestBefore = feed.window.latest();

      // The refresh path on the other replica: 12, the same 12 again (no event), then 15.
      const refresher = replicas[1].app.get(ViewerCountRefresher);
      await refresher.applyCounts([{ platformSessionId, viewerCount: 12 }]);
      await refresher.applyCounts([{ platformSessionId, viewerCount: 12 }]);
      await refresher.applyCounts([{ platformSessionId, viewerCount: 15 }]);
      await mine.next((f) => (f.data as { viewerCount?: number } | undefined)?.viewerCount === 15);
      const viewerFrames = mine.events().filter((f) => f.event === 'stream.platform.session.viewers');
      expect(viewerFrames.map((f) => f.data)).toEqual([
        { eventId: expect.any(String), timestamp: expect.any(String), platformSessionId, accountId: owner, platform: 'twitch', viewerCount: 12, peakViewerCount: 12 },
        { eventId: expect.any(String), timestamp: expect.any(String), platformSessionId, accountId: owner, platform: 'twitch', viewerCount: 15, peakViewerCount: 15 },
      ]);
      expect(viewerFrames.map((f) => [f.topic, f.cursor])).toEqual([['sessions', null], ['sessions', null]]);
      expect(feed.window.latest()).toBe(latestBefore);
      // The other user and an admin (no sessions topic) got none: a later event of the other user
      // arrives on the same replica after the counts, so they would have come first.
      await started(other, `theirs-${randomUUID()}`);
      await theirs.next((f) => f.type === 'event');
      expect(theirs.events().map((f) => f.event)).toEqual(['stream.platform.session.started']);
      expect(admins.events()).toEqual([]);

      // Counts change while the owner is away: resuming replays the events and then sends the current count.
      mine.close();
      await refresher.applyCounts([{ platformSessionId, viewerCount: 9 }]);
      const back = await open(1, bearerToken(owner, ['user']));
      expect(await back.subscribe({ topics: ['sessions'], since: anchor.cursor })).toMatchObject({ type: 'subscribed', resumed: true });
      const current = await back.next((f) => f.event === 'stream.platform.session.viewers');
      expect(current).toMatchObject({ topic: 'sessions', cursor: null, data: { platformSessionId, accountId: owner, viewerCount: 9, peakViewerCount: 15 } });
    } finally {
      await publisher.multi().del(SessionKeys.session(platformSessionId)).srem(SessionKeys.active(), platformSessionId).exec();
    }
  });

  it('gives developers pulse summaries: counts per category and mean intensity, never the entries', async () => {
    const dev = await open(0, developer());
    await dev.subscribe({ topics: ['pulse'] });
    await publish(EventTopic.AudiencePulse, {
      pulseId: 'pulse-1',
      streamSessionId: null,
      platformSessionId: 'ps-1',
      timestamp: new Date().toISOString(),
      intervalSeconds: 10,
      approximateViewerCount: 42,
      sentiments: [
        { category: 'hype', intensity: 0.9, trackingId: TRACKING_ID, viewerType: 'returning' },
        { category: 'hype', intensity: 0.5, trackingId: null, viewerType: null },
        { category: 'toxic', intensity: 0.4, trackingId: TRACKING_ID, viewerType: 'new' },
      ],
    });
    const pulse = await dev.next((f) => f.type === 'event');
    expect(pulse.data).toEqual({
      pulseId: 'pulse-1',
      platformSessionId: 'ps-1',
      streamSessionId: null,
      timestamp: expect.any(String),
      intervalSeconds: 10,
      approximateViewerCount: 42,
      entries: 3,
      counts: { hype: 2, toxic: 1 },
      meanIntensity: 0.6,
    });
  });

  it('resumes from a cursor on the other replica without loss, and asks for a resync when the cursor is unknown', async () => {
    const first = await open(0, admin());
    await first.subscribe({ topics: ['broadcasts'], resource: 'resume-1' });
    await sourceChanged('resume-1');
    const seen = await first.next((f) => f.type === 'event');
    first.close();

    // Published while the dashboard was away; another broadcast's event must not be replayed to it.
    await sourceChanged('resume-2');
    await sourceChanged('resume-1');
    await sourceChanged('resume-1');
    const witness = await open(1, admin());
    await witness.subscribe({ topics: ['broadcasts'], since: seen.cursor });
    await witness.next((f) => f.type === 'event' && (f.data as { broadcastId: string }).broadcastId === 'resume-1' && witness.events().length >= 3);

    const again = await open(1, admin());
    expect(await again.subscribe({ topics: ['broadcasts'], resource: 'resume-1', since: seen.cursor })).toMatchObject({ resumed: true, cursor: seen.cursor });
    await again.next(() => again.events().length >= 2);
    expect(broadcastIds(again, 'resume-')).toEqual(['resume-1', 'resume-1']);
    expect(again.events()[0].cursor).toBe(witness.events()[1].cursor);

    const stale = await open(1, admin());
    await stale.subscribe({ topics: ['broadcasts'], since: 'a-cursor-nobody-issued' });
    expect(stale.frames.map((f) => f.type)).toEqual(['resync', 'subscribed']);
    expect(stale.frames[0]).toMatchObject({ snapshotFollows: true });
    expect(stale.frames[1]).toMatchObject({ resumed: false, snapshot: { broadcasts: [] } });
  });

  it('drops the oldest frames of a paused client, tells it how many it missed, and keeps the others whole', async () => {
    const server = replicas[0].app.get(LiveStatusServer);
    server.limits = { queueLimit: 8, queueBytesLimit: 4 * 1024 * 1024, highWaterBytes: 64 * 1024 };
    const slow = await open(0, admin());
    const fast = await open(0, admin());
    await slow.subscribe({ topics: ['broadcasts'] });
    await fast.subscribe({ topics: ['broadcasts'] });
    slow.socket.pause();

    // Large frames fill the kernel's socket buffers quickly (loopback's grow to several MB); publish
    // until the server reports drops. 96 KB frames: with 32 KB ones a CI rehearsal on a loaded machine
    // had not filled them within 8 s.
    const padding = 'x'.repeat(96 * 1024);
    const sent: string[] = [];
    await expectEventually(
      async () => {
        for (let i = 0; i < 20; i += 1) {
          sent.push(`slow-${sent.length}-${padding}`);
          await sourceChanged(sent[sent.length - 1]);
        }
        await fast.next(() => broadcastIds(fast, 'slow-').length === sent.length);
        expect(server.droppedFrames()).toBeGreaterThan(0);
      },
      { timeoutMs: 20_000, intervalMs: 0 },
    );
    expect(broadcastIds(fast, 'slow-')).toEqual(sent);
    expect(fast.frames.some((f) => f.type === 'missed')).toBe(false);

    slow.socket.resume();
    const missed = await slow.next((f) => f.type === 'missed');
    expect(missed.count).toBeGreaterThan(0);
    await slow.next(() => broadcastIds(slow, 'slow-').at(-1) === sent.at(-1));
    const got = broadcastIds(slow, 'slow-');
    // What the slow client got is in order and ends with the latest; only what was dropped is missing.
    expect(got.map((id) => sent.indexOf(id))).toEqual([...got.map((id) => sent.indexOf(id))].sort((a, b) => a - b));
    expect(got.length + (missed.count as number)).toBeLessThanOrEqual(sent.length);
    const metrics = await replicas[0].app.get(MetricsService).registry.getSingleMetricAsString('lib_stream_live_status_dropped_frames_total');
    expect(metrics).toMatch(/lib_stream_live_status_dropped_frames_total\{[^}]*\} [1-9]/);
    server.limits = { queueLimit: 1000, queueBytesLimit: 4 * 1024 * 1024, highWaterBytes: 1024 * 1024 };
  }, 60_000);

  it('cuts a socket that did not answer the previous heartbeat ping, and keeps the ones that did', async () => {
    const server = replicas[1].app.get(LiveStatusServer);
    const dead = await open(1, admin());
    const healthy = await open(1, admin());
    const before = server.connectedClients();
    dead.socket.pause(); // reads nothing, so it never sees the ping nor answers it
    const closed = new Promise((resolve) => dead.socket.once('close', resolve));
    server.beat();
    await expectEventually(() => expect(server.awaitingPong()).toBe(1));
    server.beat();
    expect(server.connectedClients()).toBe(before - 1);
    dead.socket.resume();
    await closed;
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('tells subscribed clients to resync after its Redis subscription was cut, and forgets cursors from before', async () => {
    const dashboard = await open(0, admin());
    await dashboard.subscribe({ topics: ['broadcasts'], resource: 'gap-1' });
    await sourceChanged('gap-1');
    const before = await dashboard.next((f) => f.type === 'event');

    const clients = String(await publisher.client('LIST')).split('\n');
    const subscribers = clients.filter((line) => / name=\S+:live-status /.test(line)).map((line) => (/\bid=(\d+)/.exec(line) as RegExpExecArray)[1]);
    expect(subscribers).toHaveLength(2); // one per replica, however many sockets
    for (const id of subscribers) await publisher.client('KILL', 'ID', id);
    // No snapshot follows this one: the client must subscribe again.
    expect(await dashboard.next((f) => f.type === 'resync')).toMatchObject({ topics: ['broadcasts'], snapshotFollows: false });

    const late = await open(0, admin());
    expect(await late.subscribe({ topics: ['broadcasts'], resource: 'gap-2', since: before.cursor })).toMatchObject({ type: 'subscribed', resumed: false });
    expect(late.frames[0].type).toBe('resync');
    // Events flow again once ioredis has resubscribed.
    await expectEventually(async () => {
      await sourceChanged('gap-2');
      await expectEventually(() => expect(late.events()).not.toHaveLength(0), { timeoutMs: 200 });
    });
  });

  it('closes a socket when its bearer token expires (4401), so a dashboard cannot outlive its token', async () => {
    const shortLived = await open(0, bearerToken(`admin-${randomUUID()}`, ['admin'], undefined, 2));
    const code = await new Promise<number>((resolve) => shortLived.socket.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(TOKEN_EXPIRED_CLOSE_CODE);
  });

  it('lets a browser in with a single-use ticket from POST /stream/events/ticket, on any replica, with the caller\'s roles', async () => {
    const issued = await ticketFor(0, admin());
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({ ticket: expect.stringMatching(/^[\w-]{43}$/), expiresInSeconds: 30 });
    expect(issued.cacheControl).toBe('no-store');
    // Redis holds a hash of it with a TTL, never the ticket itself.
    const keys = await publisher.keys('stream:live-ticket:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(issued.body.ticket);
    expect(await publisher.get(keys[0])).not.toContain(issued.body.ticket);
    expect(await publisher.pttl(keys[0])).toBeGreaterThan(25_000);

    // Issued on one replica, used on the other: no Authorization header needed.
    const browser = await Dashboard.open(withTicket(1, issued.body.ticket), null);
    dashboards.push(browser);
    expect(await browser.subscribe({ topics: ['broadcasts'] })).toMatchObject({ type: 'subscribed', snapshot: { broadcasts: [] } });
    expect(await publisher.keys('stream:live-ticket:*')).toEqual([]);

    // Single use, on either replica.
    for (const replica of [0, 1]) {
      const reused = await refusedUpgrade(withTicket(replica, issued.body.ticket), {});
      expect(reused.status).toBe(401);
      expect(JSON.parse(reused.body)).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'Ticket is unknown, expired or already used; get a new one from POST /stream/events/ticket' });
    }
    expect((await refusedUpgrade(withTicket(0, 'not-a-ticket'), {})).status).toBe(401);
    const both = await refusedUpgrade(withTicket(0, (await ticketFor(0, admin())).body.ticket), { Authorization: admin() });
    expect(both.status).toBe(400);
    expect(JSON.parse(both.body).message).toBe('Send either Authorization or ?ticket=, not both');
  });

  it('keeps a ticket whose upgrade fails the handshake (checked before it is used up), and refuses a token with no roles with a 403', async () => {
    const { body } = await ticketFor(0, admin());
    const { port } = new URL(urls[0]);
    // No Sec-WebSocket-Key: ws would refuse this handshake, so the ticket must not be spent on it.
    const statusLine = await new Promise<string>((resolve, reject) => {
      const raw = connect(Number(port), '127.0.0.1', () =>
        raw.write(`GET /stream/events?ticket=${body.ticket} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`),
      );
      raw.once('data', (chunk) => (resolve(String(chunk).split('\r\n')[0]), raw.destroy()));
      raw.once('error', reject);
    });
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    const browser = await Dashboard.open(withTicket(0, body.ticket), null);
    dashboards.push(browser);
    expect(await browser.subscribe({ topics: ['broadcasts'] })).toMatchObject({ type: 'subscribed' });

    const noRoles = bearerToken(`nobody-${randomUUID()}`, []);
    tokens.push(noRoles);
    const refused = await refusedUpgrade(urls[0], { Authorization: noRoles });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
  });

  it('carries the roles of the token it was issued for, refuses the route without a token, and expires with that token', async () => {
    const accountId = `user-${randomUUID()}`;
    const user = await Dashboard.open(withTicket(0, (await ticketFor(1, bearerToken(accountId, ['user']))).body.ticket), null);
    dashboards.push(user);
    expect(await user.subscribe({ topics: ['broadcasts'] })).toMatchObject({ type: 'error', code: 'FORBIDDEN_TOPIC' });
    expect(await user.subscribe({ topics: ['sessions'] })).toMatchObject({ type: 'subscribed', snapshot: { sessions: [] } });

    expect((await fetch(`${httpBase(0)}/stream/events/ticket`, { method: 'POST' })).status).toBe(401);
    expect((await ticketFor(0, bearerToken(`nobody-${randomUUID()}`, []))).status).toBe(403);

    // A ticket lives no longer than its token (2 s here): unused, it is refused once the token is expired.
    const shortLived = await ticketFor(0, bearerToken(`admin-${randomUUID()}`, ['admin'], undefined, 2));
    expect(shortLived.body.expiresInSeconds).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await refusedUpgrade(withTicket(1, shortLived.body.ticket), {})).status).toBe(401);
  });

  it('gives admins a camera snapshot: every camera with its name, live or offline and metadata, never a key or URL', async () => {
    const created = await fetch(`${httpBase(0)}/stream/camera/create`, {
      method: 'POST',
      headers: { Authorization: admin(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'stage left' }),
    });
    const { camera, streamKey } = (await created.json()) as { camera: { cameraId: string }; streamKey: string };
    const offline = await (await fetch(`${httpBase(0)}/stream/camera/create`, {
      method: 'POST',
      headers: { Authorization: admin(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'stage right' }),
    })).json() as { camera: { cameraId: string }; streamKey: string };
    // What a media worker registers for a live camera, and an engine-announced one; rtmpUrlEnc holds the key.
    const entry = (cameraId: string, source: 'ingest' | 'engine'): CameraRegistryEntry => ({
      cameraId,
      source,
      state: 'live',
      liveSince: new Date().toISOString(),
      lastSeenAt: new Date().toISOString(),
      workerId: 'worker-1',
      metadata: { videoCodec: 'h264', width: 1280, height: 720, fps: 30, videoBitrateKbps: 2500, audioCodec: 'aac', audioSampleRate: 48000, audioChannels: 2, streamKey: ENGINE_KEY } as unknown as CameraRegistryEntry['metadata'],
      rtmpUrlEnc: `enc:${ENGINE_KEY}`,
      sessionId: 'ingest-session-1',
    });
    const engineId = `engine-${randomUUID()}`;
    await publisher.set(CameraKeys.registry(camera.cameraId), JSON.stringify(entry(camera.cameraId, 'ingest')), 'EX', 60);
    await publisher.set(CameraKeys.registry(engineId), JSON.stringify(entry(engineId, 'engine')), 'EX', 60);
    try {
      const dashboard = await Dashboard.open(withTicket(1, (await ticketFor(1, admin())).body.ticket), null);
      dashboards.push(dashboard);
      const subscribed = await dashboard.subscribe({ topics: ['cameras'] });
      const cameras = (subscribed.snapshot as { cameras: Record<string, unknown>[] }).cameras;
      const metadata = { videoCodec: 'h264', width: 1280, height: 720, fps: 30, videoBitrateKbps: 2500, audioCodec: 'aac', audioSampleRate: 48000, audioChannels: 2 };
      const live = { source: 'ingest', state: 'live', liveSince: expect.any(String), workerId: 'worker-1', metadata };
      expect(cameras).toEqual(
        expect.arrayContaining([
          { cameraId: camera.cameraId, name: 'stage left', ...live },
          { cameraId: offline.camera.cameraId, name: 'stage right', source: 'ingest', state: 'offline', liveSince: null, workerId: null, metadata: null },
          { cameraId: engineId, name: null, ...live, source: 'engine' },
        ]),
      );
      expect(cameras).toHaveLength(3);
      const one = await dashboard.subscribe({ topics: ['cameras'], resource: offline.camera.cameraId });
      expect((one.snapshot as { cameras: { cameraId: string }[] }).cameras.map((c) => c.cameraId)).toEqual([offline.camera.cameraId]);
      const frames = dashboard.frames.map((frame) => JSON.stringify(frame)).join('\n');
      expect(findLeaks({ frames }, [streamKey, offline.streamKey, ENGINE_KEY, 'enc:', 'rtmp://', 'ingest-session-1'])).toEqual({});
    } finally {
      await publisher.del(CameraKeys.registry(camera.cameraId), CameraKeys.registry(engineId));
    }
  });

  it('keeps the other topics of a snapshot when one topic\'s read fails, and names the failed one', async () => {
    // The broadcasts read fails once (as a database outage would); cameras must still come back.
    const list = jest.spyOn(replicas[0].app.get(BroadcastsService), 'list').mockRejectedValueOnce(new Error('database down'));
    try {
      const dashboard = await open(0, admin());
      const subscribed = await dashboard.subscribe({ topics: ['broadcasts', 'cameras'] });
      expect(subscribed).toMatchObject({ type: 'subscribed', snapshot: { broadcasts: null, cameras: expect.any(Array) }, snapshotErrorTopics: ['broadcasts'], snapshotError: expect.stringContaining('broadcasts') });
      expect(subscribed.snapshotError).not.toContain('cameras');
    } finally {
      list.mockRestore();
    }
  });

  it('serves the operator page at /ops without a token, under a Content-Security-Policy that allows no inline script', async () => {
    const page = await fetch(`${httpBase(0)}/ops`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/ops/ops.js"></script>');
    // Nothing inline: every script is a file, every style a stylesheet.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    for (const [path, type] of [['/ops/ops.js', 'text/javascript; charset=utf-8'], ['/ops/ops.css', 'text/css; charset=utf-8']]) {
      const asset = await fetch(`${httpBase(1)}${path}`);
      expect([asset.status, asset.headers.get('content-type'), asset.headers.get('x-content-type-options')]).toEqual([200, type, 'nosniff']);
    }
    expect((await fetch(`${httpBase(0)}/ops/other.js`)).status).toBe(404);
  });

  it('never puts a key, token, chat text, platform user id or tracking id on any socket', () => {
    expect(allFrames.length).toBeGreaterThan(50);
    const bareTokens = tokens.map((token) => token.replace(/^Bearer /, ''));
    expect(findLeaks({ frames: allFrames.join('\n') }, [ENGINE_KEY, CHAT_TEXT, PLATFORM_USER_ID, TRACKING_ID, DESTINATION_KEY, DESTINATION_URL, ...bareTokens, ...tickets])).toEqual({});
  });

  it('never logs a ticket', () => {
    expect(tickets.length).toBeGreaterThanOrEqual(4);
    expect(findLeaks({ logs: capturedLogLines.join('\n') }, tickets)).toEqual({});
  });
});
