import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import NodeMediaServer, { type NmsSession } from 'node-media-server';
import Context from 'node-media-server/src/core/context.js';
import nmsLogger from 'node-media-server/src/core/logger.js';

import { ConsumedTopic, type CameraRegistryEntry, type CameraStreamEndedEvent } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, EventBus, SERVICE_IDENTITY, type ServiceIdentity, eventHeader } from '@lib-stream/nest-kit';
import { hashStreamKey, maskIngestPaths } from '@lib-stream/stream-key';

import { CameraRegistry, metadataFromSession } from './camera-registry';
import { IngestAllowList } from './ingest-allow-list';
import { PROGRAM_APP, ProgramBus } from './program-bus';
import { SourceUrlCipher } from './source-url-cipher';

const HEARTBEAT_MS = 1000;
const OWNER_TTL_MS = 10_000;
const REGISTRY_TTL_MS = 15_000;
const METADATA_WAIT_MS = 1500;

type EndReason = NonNullable<CameraStreamEndedEvent['reason']>;

interface Publisher {
  cameraId: string;
  keyHash: string;
  session: NmsSession;
  ownerToken: string;
  claimed: boolean;
  /** What this worker last wrote to the live registry, to write again if Redis loses it. */
  entry?: CameraRegistryEntry;
  lastDataAt: number;
  endReason: EndReason;
}

/**
 * RTMP ingest for game cameras: node-media-server in this process, with our own rules on top of it.
 * - A publish is decided in prePublish, synchronously, against the in-memory key allow-list, and
 *   refused with `socket.destroy()` (NMS's own `close()` half-closes and lets media through).
 * - One publisher per camera: locally by this map, across workers by a Redis owner key claimed
 *   while the socket is paused, so no media is read before the claim succeeds.
 * - A disconnect keeps the camera live for a grace period; a silent socket is cut as frozen.
 */
@Injectable()
export class IngestServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Ingest');
  private readonly publishers = new Map<string, Publisher>();
  private nms: NodeMediaServer | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly graceTimers = new Set<NodeJS.Timeout>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly allowList: IngestAllowList,
    private readonly registry: CameraRegistry,
    private readonly events: EventBus,
    private readonly urlCipher: SourceUrlCipher,
    private readonly programBus: ProgramBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.allowList.start();
    this.allowList.onRevoked((keyHash) => this.cutRevoked(keyHash));
    if (!this.urlCipher.available) {
      this.logger.warn({ msg: 'STREAM_TOKEN_ENCRYPTION_KEY unusable: live cameras are registered without a readable URL, so broadcasts cannot use them' });
    }
    this.routeNmsLogs();
    this.nms = new NodeMediaServer({
      bind: '0.0.0.0',
      rtmp: { port: this.config.STREAM_RTMP_INGEST_PORT },
      http: {},
      store: { path: join(resolve(this.config.STREAM_DATA_DIR), 'nms') },
    });
    this.nms.on('prePublish', (session) => this.onPrePublish(session));
    this.nms.on('prePlay', (session) => this.onPrePlay(session));
    await this.nms.run();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.logger.log({ msg: 'RTMP ingest listening', port: this.config.STREAM_RTMP_INGEST_PORT });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const timer of this.graceTimers) clearTimeout(timer);
    const live = [...this.publishers.values()];
    for (const publisher of live) publisher.endReason = 'disconnected';
    await this.nms?.stop();
    // This worker is going away: its cameras end now rather than after a grace nobody will run.
    await Promise.all(live.filter((p) => p.claimed).map((p) => this.end(p.cameraId, p.session.id, 'disconnected')));
  }

  /** Cameras this worker is receiving right now. */
  liveCameraIds(): string[] {
    return [...this.publishers.values()].filter((p) => p.claimed).map((p) => p.cameraId);
  }

  private onPrePublish(session: NmsSession): void {
    const refuse = (reason: string) => {
      this.logger.warn({ msg: 'publish refused', reason, session: session.id, ip: session.ip });
      session.socket.destroy();
    };
    if (session.streamApp === PROGRAM_APP) return this.onProgramPublish(session, refuse);
    if (session.streamApp !== 'live') return refuse('unknown application');
    const keyHash = hashStreamKey(session.streamName);
    const cameraId = this.allowList.cameraFor(keyHash);
    if (!cameraId) return refuse('unknown or revoked stream key');
    const current = this.publishers.get(cameraId);
    if (current && !current.session.socket.destroyed) return refuse('camera already has a publisher');

    const publisher: Publisher = {
      cameraId,
      keyHash,
      session,
      ownerToken: `${this.identity.instanceId}:${session.id}:${randomBytes(4).toString('hex')}`,
      claimed: false,
      lastDataAt: Date.now(),
      endReason: 'disconnected',
    };
    this.publishers.set(cameraId, publisher);
    // Hold the socket until the cross-worker claim is settled: no media is read meanwhile.
    session.socket.pause();
    session.socket.on('data', () => (publisher.lastDataAt = Date.now()));
    session.socket.once('close', () => void this.onPublisherClosed(publisher));
    const broadcast = Context.broadcasts.get(session.streamPath);
    // We run our own grace in the registry; NMS's 30 s publish grace would delay donePublish.
    if (broadcast) broadcast.publishGraceMs = 0;
    void this.claim(publisher).catch((error: unknown) => {
      this.logger.error({ msg: 'could not register publisher', cameraId, reason: (error as Error).message });
      session.socket.destroy();
    });
  }

  /**
   * A broadcast's source ffmpeg publishing to its program bus: local only, one at a time. NMS's 30 s
   * publish grace stays on here, so the next source continues the timestamps the pushers follow.
   */
  private onProgramPublish(session: NmsSession, refuse: (reason: string) => void): void {
    if (!ProgramBus.isLoopback(session.ip) || !this.programBus.isOpen(session.streamName)) return refuse('unknown program path');
    const current = Context.broadcasts.get(session.streamPath)?.publisher;
    if (current && current !== session && !current.socket.destroyed) return refuse('program path already has a source');
  }

  /** Program paths are read only by this machine's pushers. */
  private onPrePlay(session: NmsSession): void {
    if (session.streamApp !== PROGRAM_APP) return;
    if (!ProgramBus.isLoopback(session.ip) || !this.programBus.isOpen(session.streamName)) {
      this.logger.warn({ msg: 'play refused', reason: 'unknown program path', session: session.id, ip: session.ip });
      session.socket.destroy();
    }
  }

  private async claim(publisher: Publisher): Promise<void> {
    const { cameraId, session } = publisher;
    if (!(await this.registry.claimOwner(cameraId, publisher.ownerToken, OWNER_TTL_MS))) {
      this.logger.warn({ msg: 'publish refused', reason: 'camera already has a publisher on another worker', cameraId, session: session.id });
      session.socket.destroy();
      return;
    }
    if (session.socket.destroyed) {
      await this.registry.releaseOwner(cameraId, publisher.ownerToken);
      return;
    }
    publisher.claimed = true;
    publisher.lastDataAt = Date.now();
    session.socket.resume();
    await this.waitForMetadata(session);
    if (session.socket.destroyed) return;

    const previous = await this.registry.get(cameraId);
    const reconnected = previous?.state === 'reconnecting';
    const now = new Date().toISOString();
    const entry: CameraRegistryEntry = {
      cameraId,
      source: 'ingest',
      state: 'live',
      liveSince: reconnected && previous ? previous.liveSince : now,
      lastSeenAt: now,
      workerId: this.identity.instanceId,
      metadata: metadataFromSession(session),
      rtmpUrlEnc: this.urlCipher.encrypt(this.internalUrl(session.streamName)),
      sessionId: session.id,
    };
    await this.registry.put(entry, REGISTRY_TTL_MS);
    publisher.entry = entry;
    this.logger.log({ msg: reconnected ? 'camera reconnected' : 'camera live', cameraId, metadata: entry.metadata });
    if (!reconnected) {
      await this.events.publish(ConsumedTopic.CameraStreamStarted, {
        ...eventHeader(),
        cameraId,
        source: 'ingest',
        workerId: this.identity.instanceId,
        metadata: entry.metadata,
      });
    }
  }

  private async onPublisherClosed(publisher: Publisher): Promise<void> {
    const { cameraId, session } = publisher;
    if (this.publishers.get(cameraId) === publisher) this.publishers.delete(cameraId);
    this.closeSubscribers(session.streamPath);
    if (!publisher.claimed) return;
    await this.registry.releaseOwner(cameraId, publisher.ownerToken);
    const entry = await this.registry.get(cameraId);
    if (!entry || entry.sessionId !== session.id) return;
    if (publisher.endReason !== 'disconnected') {
      // Revoked or frozen: no grace, the camera is gone now.
      await this.end(cameraId, session.id, publisher.endReason);
      return;
    }
    const graceMs = this.config.STREAM_CAMERA_OFFLINE_GRACE_SECONDS * 1000;
    await this.registry.put({ ...entry, state: 'reconnecting', lastSeenAt: new Date().toISOString() }, graceMs + REGISTRY_TTL_MS);
    this.logger.log({ msg: 'camera disconnected, waiting for a reconnect', cameraId, graceMs });
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      void this.end(cameraId, session.id, 'disconnected');
    }, graceMs);
    this.graceTimers.add(timer);
  }

  /** Ends the camera unless another session (here or on another worker) has taken it over. */
  private async end(cameraId: string, sessionId: string, reason: EndReason): Promise<void> {
    try {
      const entry = await this.registry.get(cameraId);
      if (entry && entry.sessionId !== sessionId) return;
      await this.registry.remove(cameraId);
      await this.events.publish(ConsumedTopic.CameraStreamEnded, { ...eventHeader(), cameraId, source: 'ingest', reason });
      this.logger.log({ msg: 'camera offline', cameraId, reason });
    } catch (error) {
      this.logger.error({ msg: 'could not end camera', cameraId, reason: (error as Error).message });
    }
  }

  private async beat(): Promise<void> {
    const stallMs = this.config.STREAM_CAMERA_STALL_SECONDS * 1000;
    for (const publisher of this.publishers.values()) {
      if (!publisher.claimed || publisher.session.socket.destroyed) continue;
      if (Date.now() - publisher.lastDataAt > stallMs) {
        this.logger.warn({ msg: 'publisher sent nothing, cutting it', cameraId: publisher.cameraId, stallMs });
        publisher.endReason = 'stalled';
        publisher.session.socket.destroy();
        continue;
      }
      try {
        const owned = await this.registry.renewOwner(publisher.cameraId, publisher.ownerToken, OWNER_TTL_MS);
        if (!owned) {
          this.logger.warn({ msg: 'lost camera ownership, cutting publisher', cameraId: publisher.cameraId });
          publisher.session.socket.destroy();
          continue;
        }
        if (!(await this.registry.touch(publisher.cameraId, REGISTRY_TTL_MS)) && publisher.entry) {
          // Redis lost the entry (flush, restart): the camera is still live here, so say so again.
          await this.registry.put({ ...publisher.entry, lastSeenAt: new Date().toISOString() }, REGISTRY_TTL_MS);
        }
      } catch (error) {
        this.logger.warn({ msg: 'camera heartbeat failed', cameraId: publisher.cameraId, reason: (error as Error).message });
      }
    }
  }

  private cutRevoked(keyHash: string): void {
    for (const publisher of this.publishers.values()) {
      if (publisher.keyHash !== keyHash) continue;
      this.logger.log({ msg: 'stream key revoked, cutting publisher', cameraId: publisher.cameraId });
      publisher.endReason = 'key_revoked';
      publisher.session.socket.destroy();
    }
  }

  /** Readers of a lost publisher get EOF at once instead of waiting on a dead path. */
  private closeSubscribers(streamPath: string): void {
    const broadcast = Context.broadcasts.get(streamPath);
    for (const subscriber of broadcast?.subscribers.values() ?? []) subscriber.socket.destroy();
  }

  private async waitForMetadata(session: NmsSession): Promise<void> {
    const deadline = Date.now() + METADATA_WAIT_MS;
    while (!session.videoWidth && !session.audioCodec && Date.now() < deadline && !session.socket.destroyed) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 25));
    }
  }

  private internalUrl(streamKey: string): string {
    const host = this.config.STREAM_MEDIA_WORKER_ADVERTISED_HOST || hostname();
    return `rtmp://${host}:${this.config.STREAM_RTMP_INGEST_PORT}/live/${streamKey}`;
  }

  /** NMS logs stream paths, which hold keys: its lines go through our logger with the paths masked. */
  private routeNmsLogs(): void {
    const nms = new Logger('node-media-server');
    nmsLogger.log = (message: string, level = 'info') => {
      const text = maskIngestPaths(String(message));
      if (level === 'error') nms.error(text);
      else if (level === 'warn') nms.warn(text);
      else nms.debug(text);
    };
  }
}
