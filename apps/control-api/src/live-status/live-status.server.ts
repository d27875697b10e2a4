import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Counter, Gauge } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

import { ErrorCode, EventTopic, healthReason } from '@lib-stream/contracts';
import { AuthSettings, DomainError, MetricsService, OUTAGE_RETRY_AFTER_SECONDS, ServiceUnavailableError } from '@lib-stream/nest-kit';

import { acceptedUntilMs, principalFromToken } from '../auth/bearer-token';
import type { Principal } from '../auth/principal';
import { BroadcastsService } from '../broadcasts/broadcasts.service';
import { CamerasService } from '../cameras/cameras.service';
import { SessionsService } from '../sessions/sessions.service';
import { DEFAULT_DELIVERY_LIMITS, type DeliveryLimits, LiveClient, MAX_PENDING_MESSAGES } from './live-client';
import { LiveEventFeed } from './live-event-feed';
import { LiveTicketStore, type TicketHolder } from './live-ticket.store';
import { withRedisDeadline } from './redis-deadline';
import { type LiveEvent, type LiveTopic, ROLE_FOR_TOPIC, cameraMetadata, isLiveTopic } from './live-topics';
import { LiveStatusErrors } from './live-status.errors';

export const LIVE_STATUS_PATH = '/stream/events';
const HEARTBEAT_MS = 30_000;
/** Client messages are small JSON commands. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
const MAX_ID_LENGTH = 128;
/** setTimeout's limit (~24.8 days); a later expiry is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Close code for an expired token (4000-4999 are the application's; 4401 mirrors HTTP 401). */
export const TOKEN_EXPIRED_CLOSE_CODE = 4401;

/**
 * `/stream/events`: live status for dashboards over WebSocket (protocol in the README, "Live status
 * over WebSocket").
 *
 * A plain `ws` server on the Nest HTTP server's `upgrade` event rather than a Nest gateway: the
 * bearer token is checked before the handshake, so a refused upgrade is an HTTP 401 with the usual
 * error body (Nest's WsAdapter accepts the socket first and only guards messages), and it needs no
 * further packages.
 */
@Injectable()
export class LiveStatusServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LiveStatus');
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  private readonly clients = new Set<LiveClient>();
  private heartbeat: NodeJS.Timeout | null = null;
  private httpServer: Server | null = null;
  /** Per-client lag limits; replaceable (tests use small ones to make a slow client quickly). */
  limits: DeliveryLimits = { ...DEFAULT_DELIVERY_LIMITS };
  private readonly dropped: Counter;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthSettings,
    private readonly feed: LiveEventFeed,
    private readonly broadcasts: BroadcastsService,
    private readonly sessions: SessionsService,
    private readonly cameras: CamerasService,
    private readonly tickets: LiveTicketStore,
    metrics: MetricsService,
  ) {
    const registers = [metrics.registry];
    this.dropped = new Counter({ name: 'lib_stream_live_status_dropped_frames_total', help: 'Frames dropped for dashboards that read too slowly (each told with a missed frame)', registers });
    const clients = this.clients;
    new Gauge({
      name: 'lib_stream_live_status_sockets',
      help: 'Dashboards connected to /stream/events on this replica',
      registers,
      collect() {
        this.set(clients.size);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
    this.feed.onEvent((event) => this.fanOut(event));
    this.feed.onGap(() => this.resyncAll());
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.httpServer?.off('upgrade', this.onUpgrade);
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    this.wss.close();
  }

  /** Sockets open on this replica. */
  connectedClients(): number {
    return this.clients.size;
  }

  /** Sockets pinged by the last heartbeat that have not answered yet. */
  awaitingPong(): number {
    return [...this.clients].filter((client) => !client.alive).length;
  }

  /** Frames dropped for slow clients on this replica since it started (connected clients only). */
  droppedFrames(): number {
    let total = 0;
    for (const client of this.clients) total += client.droppedTotal;
    return total;
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const target = parseTarget(request.url);
    if (target?.pathname !== LIVE_STATUS_PATH) {
      refuse(socket, 404, ErrorCode.NotFound, 'No WebSocket endpoint here; live status is at /stream/events');
      return;
    }
    // Checked before the ticket is used up: a request ws would refuse must not cost the caller its ticket.
    const badHandshake = handshakeProblem(request);
    if (badHandshake) {
      refuse(socket, 400, ErrorCode.ValidationFailed, badHandshake);
      return;
    }
    void this.authenticate(request.headers.authorization, target.searchParams).then(
      (caller) => {
        // The client may have gone while a ticket was looked up.
        if (socket.destroyed) return;
        // As the ticket route: a token with none of the roles could subscribe to nothing.
        if (!caller.principal.roles.some((role) => TOPIC_ROLES.has(role))) {
          refuse(socket, 403, ErrorCode.Forbidden, 'The token has none of the roles admin, user or developer');
          return;
        }
        this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, caller.principal, caller.expiresAtMs));
      },
      (error: unknown) => {
        const refusal = error instanceof DomainError ? error : LiveStatusErrors.invalidToken();
        const headers: Record<string, string> = refusal instanceof ServiceUnavailableError ? { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) } : {};
        refuse(socket, refusal.statusCode, refusal.code, refusal.message, headers);
      },
    );
  };

  /**
   * Either the REST rule (JwtAuthGuard): `Authorization: Bearer <JWT>`, verified by
   * principalFromToken; or, for browsers, `?ticket=` from POST /stream/events/ticket, used once.
   * Also when the caller's token stops being accepted (exp plus the clock tolerance, ms since the
   * epoch). Throws a DomainError naming the problem (the ticket itself is never in a message or log).
   */
  private async authenticate(header: string | undefined, query: URLSearchParams): Promise<TicketHolder> {
    const tickets = query.getAll('ticket');
    if (tickets.length > 0) {
      if (header !== undefined) throw LiveStatusErrors.tokenAndTicket();
      if (tickets.length > 1 || !/^[\w-]{43}$/.test(tickets[0])) throw LiveStatusErrors.malformedTicket();
      let holder: TicketHolder | null;
      try {
        holder = await this.tickets.consume(tickets[0]);
      } catch (error) {
        this.logger.warn({ msg: 'live status ticket lookup failed', error: (error as Error)?.name });
        throw new ServiceUnavailableError('Redis', { cause: error });
      }
      if (!holder) throw LiveStatusErrors.unknownTicket();
      return holder;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw LiveStatusErrors.missingCredentials();
    const principal = principalFromToken(match[1], this.auth);
    return { principal, expiresAtMs: acceptedUntilMs(match[1], this.auth) };
  }

  private accept(ws: WebSocket, principal: Principal, expiresAtMs: number): void {
    const client = new LiveClient(ws, principal, () => this.limits, () => this.dropped.inc());
    this.clients.add(client);
    // A socket lives no longer than its token: the dashboard reconnects with a fresh one (and `since`).
    let expiry: NodeJS.Timeout | null = null;
    const closeAtExpiry = () => {
      const left = expiresAtMs - Date.now();
      if (left <= 0) return ws.close(TOKEN_EXPIRED_CLOSE_CODE, 'Bearer token expired');
      expiry = setTimeout(closeAtExpiry, Math.min(left, MAX_TIMER_MS));
      expiry.unref();
    };
    closeAtExpiry();
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => {
      const queued = client.serially(
        () => this.onMessage(client, data, isBinary),
        (error) => {
          // Only the class: a message could name hosts; the client gets no detail either.
          this.logger.warn({ msg: 'live status message failed', error: (error as Error)?.name });
          sendError(client, 'INTERNAL', 'The message could not be handled');
        },
      );
      if (!queued) sendError(client, 'TOO_MANY_REQUESTS', `At most ${MAX_PENDING_MESSAGES} messages may wait for an answer; wait for subscribed before sending more`);
    });
    ws.on('close', () => {
      if (expiry) clearTimeout(expiry);
      this.clients.delete(client);
    });
    ws.on('error', () => ws.terminate());
  }

  private fanOut(event: LiveEvent): void {
    let text: string | null = null;
    for (const client of this.clients) if (client.wants(event)) client.sendText((text ??= JSON.stringify(eventFrame(event))));
  }

  /** After a Redis gap: every subscribed client must take a new snapshot (subscribe again). */
  private resyncAll(): void {
    for (const client of this.clients) {
      if (client.subscriptions.size === 0) continue;
      client.send({ type: 'resync', topics: [...client.subscriptions.keys()], snapshotFollows: false, message: 'Events may have been missed while Redis was unreachable; subscribe again for a fresh snapshot' });
    }
  }

  /** One heartbeat (every HEARTBEAT_MS): cut sockets that missed the previous ping, ping the rest. */
  beat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.socket.terminate();
        this.clients.delete(client);
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  private async onMessage(client: LiveClient, data: RawData, isBinary: boolean): Promise<void> {
    let message: unknown;
    try {
      message = isBinary ? undefined : JSON.parse(String(data));
    } catch {
      message = undefined;
    }
    if (typeof message !== 'object' || message === null) return sendError(client, 'BAD_REQUEST', 'Messages are JSON objects in text frames');
    const { type } = message as { type?: unknown };
    if (type === 'subscribe') return this.subscribe(client, message as Record<string, unknown>);
    if (type === 'unsubscribe') return this.unsubscribe(client, message as Record<string, unknown>);
    return sendError(client, 'BAD_REQUEST', 'type must be "subscribe" or "unsubscribe"');
  }

  private async subscribe(client: LiveClient, message: Record<string, unknown>): Promise<void> {
    const topics = this.allowedTopics(client, message.topics);
    if (!topics) return;
    const { resource, since } = message;
    if (resource !== undefined && !isShortId(resource)) return sendError(client, 'BAD_REQUEST', `resource must be a string of 1 to ${MAX_ID_LENGTH} characters`);
    if (since !== undefined && !isShortId(since)) return sendError(client, 'BAD_REQUEST', `since must be a cursor from an earlier frame`);
    for (const topic of topics) client.subscriptions.set(topic, (resource as string | undefined) ?? null);

    if (since !== undefined) {
      const missed = this.feed.window.after(since as string);
      if (missed) {
        // Resumed: what happened after the cursor, in order, then live events; no snapshot needed.
        client.send({ type: 'subscribed', topics, cursor: since, resumed: true, snapshot: null });
        for (const event of missed) if (topics.includes(event.topic) && client.wants(event)) client.send(eventFrame(event));
        // Viewer counts are not replayed (latest-value events): the current ones instead, before any live event.
        if (topics.includes('sessions')) {
          client.hold();
          client.release(...(await this.currentViewers(client.principal, (resource as string | undefined) ?? null)));
        }
        return;
      }
      client.send({ type: 'resync', topics, snapshotFollows: true, message: 'The cursor is older than the replay window; take the snapshot that follows instead' });
    }
    client.hold();
    const cursor = this.feed.window.latest();
    const snapshot = await this.snapshot(topics, client.principal, (resource as string | undefined) ?? null);
    client.release({ type: 'subscribed', topics, cursor, resumed: false, ...snapshot });
  }

  private unsubscribe(client: LiveClient, message: Record<string, unknown>): void {
    const topics = this.allowedTopics(client, message.topics);
    if (!topics) return;
    for (const topic of topics) client.subscriptions.delete(topic);
    client.send({ type: 'unsubscribed', topics });
  }

  /** The requested topics if every one is known and allowed; otherwise an `error` frame and null. */
  private allowedTopics(client: LiveClient, topics: unknown): LiveTopic[] | null {
    if (!Array.isArray(topics) || topics.length === 0 || topics.length > 10) {
      sendError(client, 'BAD_REQUEST', 'topics must be a list of 1 to 10 of: broadcasts, cameras, sessions, pulse');
      return null;
    }
    for (const topic of topics) {
      if (!isLiveTopic(topic)) {
        sendError(client, 'UNKNOWN_TOPIC', `Unknown topic ${JSON.stringify(String(topic)).slice(0, 80)}; topics are broadcasts, cameras, sessions, pulse`);
        return null;
      }
      if (!client.principal.roles.includes(ROLE_FOR_TOPIC[topic])) {
        sendError(client, 'FORBIDDEN_TOPIC', `Topic ${topic} requires the ${ROLE_FOR_TOPIC[topic]} role`);
        return null;
      }
    }
    return [...new Set(topics as LiveTopic[])];
  }

  /**
   * Current state where it is cheap: active broadcasts (the REST status view, URLs masked, plus
   * `healthReason` as in health events), cameras
   * (cameraSnapshot) and the caller's own active sessions. Pulses have none (null). Topics whose read
   * failed are null, named in `snapshotErrorTopics` and `snapshotError`; the others are still there
   * (cameras degrade to state `unknown` by themselves), and the subscription stands. Each read gives
   * up after LIVE_REDIS_TIMEOUT_MS (a stalled Redis must not hold the subscribe).
   */
  private async snapshot(topics: LiveTopic[], principal: Principal, resource: string | null): Promise<{ snapshot: Record<string, unknown>; snapshotError?: string; snapshotErrorTopics?: LiveTopic[] }> {
    const snapshot: Record<string, unknown> = {};
    const failed: LiveTopic[] = [];
    // One topic at a time, each on its own: a failing read blanks only its own topic.
    for (const topic of topics) {
      try {
        snapshot[topic] = await this.topicSnapshot(topic, principal, resource);
      } catch (error) {
        this.logger.warn({ msg: 'live status snapshot failed', topic, error: (error as Error).name });
        snapshot[topic] = null;
        failed.push(topic);
      }
    }
    if (failed.length === 0) return { snapshot };
    return { snapshot, snapshotError: `Current state of ${failed.join(', ')} is unavailable (dependency down); events still follow`, snapshotErrorTopics: failed };
  }

  private async topicSnapshot(topic: LiveTopic, principal: Principal, resource: string | null): Promise<unknown> {
    if (topic === 'broadcasts') {
      // With the reason health events carry, so a dashboard that joins late can show it too.
      return (await withRedisDeadline(this.broadcasts.list(true)))
        .filter((b) => resource === null || b.broadcastId === resource)
        .map((b) => ({ ...b, healthReason: healthReason(b.health, b.destinations.map((d) => d.state)) }));
    }
    if (topic === 'cameras') return this.cameraSnapshot(resource);
    if (topic === 'sessions') {
      const own = (await withRedisDeadline(this.sessions.activeSessions())).filter((s) => s.accountId === principal.accountId && (resource === null || s.platformSessionId === resource));
      return own.map(({ platformSessionId, platform, state, inGameSessionId, startedAt, viewerCount, peakViewerCount }) => ({
        platformSessionId,
        platform,
        state,
        inGameSessionId,
        startedAt,
        viewerCount,
        peakViewerCount,
      }));
    }
    return null;
  }

  /**
   * The caller's active sessions' current viewer counts as `stream.platform.session.viewers` event
   * frames (cursor null), for a client that resumed: those events are not in the replay window.
   * None while Redis cannot say (the client's next snapshot or the next change brings them).
   */
  private async currentViewers(principal: Principal, resource: string | null): Promise<object[]> {
    try {
      const own = (await withRedisDeadline(this.sessions.activeSessions())).filter((s) => s.accountId === principal.accountId && (resource === null || s.platformSessionId === resource));
      const timestamp = new Date().toISOString();
      return own.map(({ platformSessionId, accountId, platform, viewerCount, peakViewerCount }) => ({
        type: 'event',
        topic: 'sessions',
        event: EventTopic.PlatformSessionViewers,
        cursor: null,
        data: { timestamp, platformSessionId, accountId, platform, viewerCount, peakViewerCount },
      }));
    } catch (error) {
      this.logger.warn({ msg: 'live status viewer counts unavailable on resume', error: (error as Error).name });
      return [];
    }
  }

  /**
   * Every camera (ours and live engine ones): id, name, source, state (`live`, `reconnecting`,
   * `offline`, or `unknown` while Redis cannot say), since when, worker, metadata. Never a key, an
   * ingest or RTMP URL.
   */
  private async cameraSnapshot(resource: string | null): Promise<object[]> {
    const { cameras } = await withRedisDeadline(this.cameras.list());
    return cameras
      .filter((camera) => resource === null || camera.cameraId === resource)
      .map(({ cameraId, name, source, state, liveSince, workerId, metadata }) => ({ cameraId, name, source, state, liveSince, workerId, metadata: cameraMetadata(metadata) }));
  }
}

function eventFrame(event: LiveEvent): object {
  // A latest-value event has no cursor: it is not in the replay window, so resuming from it could not work.
  return { type: 'event', topic: event.topic, event: event.event, cursor: event.replay ? event.cursor : null, data: event.data };
}

function sendError(client: LiveClient, code: string, message: string): void {
  client.send({ type: 'error', code, message });
}

const TOPIC_ROLES = new Set<string>(Object.values(ROLE_FOR_TOPIC));

/**
 * What ws's handshake would refuse (method, `Upgrade`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version`
 * 8 or 13, as RFC 6455 §4.2.1 asks), or null for a request it accepts.
 */
function handshakeProblem(request: IncomingMessage): string | null {
  if (request.method !== 'GET') return 'A WebSocket upgrade is a GET';
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return 'Upgrade must be websocket';
  const key = request.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key)) return 'Sec-WebSocket-Key is missing or invalid';
  const version = Number(request.headers['sec-websocket-version']);
  if (version !== 8 && version !== 13) return 'Sec-WebSocket-Version must be 13';
  return null;
}

/** The request target as a URL, or null for one URL cannot read (an exception here would be uncaught). */
function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

function isShortId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** An HTTP answer on the raw upgrade socket, in the REST error shape `{statusCode, code, message}`. */
function refuse(socket: Duplex, statusCode: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ statusCode, code, message });
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}
