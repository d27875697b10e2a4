import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';

import { ConsumedTopic, type CameraRegistryEntry, type CameraStreamEndedEvent } from '@lib-stream/contracts';
import { CameraIngestSettings, CipherProvider, EventBus, LeaseKeeper, SERVICE_IDENTITY, type ServiceIdentity, eventHeader } from '@lib-stream/nest-kit';
import { hashStreamKey } from '@lib-stream/stream-key';

import { CameraRegistry, metadataFromPublisher } from './camera-registry';
import { IngestAllowList } from './ingest-allow-list';
import { NmsAdapter, type RtmpSession } from './nms-adapter';
import { PROGRAM_APP, ProgramBus } from './program-bus';

const HEARTBEAT_MS = 1000;
const OWNER_TTL_MS = 10_000;
const REGISTRY_TTL_MS = 15_000;
const METADATA_WAIT_MS = 1500;
/** A camera's end that Redis could not take (an outage) is tried again this often until it can. */
const END_RETRY_MS = 1000;
/** Where a live camera is read inside the media plane; its publisher is moved here from `/live/<key>`. */
export const CAMERA_READ_APP = 'cam';

type EndReason = NonNullable<CameraStreamEndedEvent['reason']>;

interface Publisher {
  cameraId: string;
  keyHash: string;
  session: RtmpSession;
  ownerToken: string;
  /** Read credential of this session (`/cam/<cameraId>?read=<token>`); never the camera key. */
  readToken: string;
  claimed: boolean;
  /** What this worker last wrote to the live registry, to write again if Redis loses it. */
  entry?: CameraRegistryEntry;
  lastDataAt: number;
  /** Frozen (connection open, nothing received): in the grace, until it resumes or is replaced. */
  stalled: boolean;
  /** Replaced by a reconnect of the same camera while frozen: its end is not the camera's end. */
  replaced: boolean;
  graceTimer: NodeJS.Timeout | null;
  ended: boolean;
  endReason: EndReason;
}

/**
 * RTMP ingest for game cameras: node-media-server in this process (through NmsAdapter), with our
 * own rules on top of it.
 * - A publish is decided in prePublish, synchronously, against the in-memory key allow-list, and
 *   refused with `socket.destroy()`.
 * - One publisher per camera: locally by this map, across workers by a Redis owner key claimed
 *   while the socket is paused, so no media is read before the claim succeeds.
 * - Publish-only: an accepted publisher is moved off `/live/<key>` to `/cam/<cameraId>`, which only
 *   a reader holding the session's read token may play; nothing may play `/live/*`.
 * - A disconnect, or a socket that stays open but sends nothing (frozen), keeps the camera
 *   `reconnecting` for the offline grace; it ends only if it neither resumes nor reconnects.
 */
@Injectable()
export class IngestServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Ingest');
  private readonly publishers = new Map<string, Publisher>();
  /** Every second: renews each live camera's owner lease and registry entry, and notices frozen publishers. */
  private readonly heartbeat = new LeaseKeeper({
    leaseMs: 0,
    renewEveryMs: HEARTBEAT_MS,
    renew: async () => {
      await this.beat();
      return true;
    },
  });
  /** Every running grace and end retry, including those of publishers already gone from the map. */
  private readonly graceTimers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(
    private readonly settings: CameraIngestSettings,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly allowList: IngestAllowList,
    private readonly registry: CameraRegistry,
    private readonly events: EventBus,
    private readonly urlCipher: CipherProvider,
    private readonly programBus: ProgramBus,
    private readonly nms: NmsAdapter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.allowList.start();
    this.allowList.onRevoked((keyHash) => this.cutRevoked(keyHash));
    if (!this.urlCipher.available) {
      this.logger.warn({ msg: 'STREAM_TOKEN_ENCRYPTION_KEY unusable: live cameras are registered without a readable URL, so broadcasts cannot use them' });
    }
    this.nms.start({ prePublish: (session) => this.onPrePublish(session), prePlay: (session) => this.onPrePlay(session) });
    this.heartbeat.start({ firstInMs: HEARTBEAT_MS });
    this.logger.log({ msg: 'RTMP ingest listening', port: this.settings.rtmpPort });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.heartbeat.stop();
    for (const timer of this.graceTimers) clearTimeout(timer);
    const live = [...this.publishers.values()];
    for (const publisher of live) publisher.ended = true;
    this.nms.stop();
    // This worker is going away: its cameras end now rather than after a grace nobody will run.
    await Promise.all(live.filter((p) => p.claimed).map((p) => this.end(p, 'disconnected', true)));
  }

  /** Cameras this worker is receiving right now. */
  liveCameraIds(): string[] {
    return [...this.publishers.values()].filter((p) => p.claimed && !p.stalled).map((p) => p.cameraId);
  }

  private onPrePublish(session: RtmpSession): void {
    const refuse = (reason: string) => {
      this.logger.warn({ msg: 'publish refused', reason, session: session.id, ip: session.ip });
      session.refuse();
    };
    if (session.app === PROGRAM_APP) return this.onProgramPublish(session, refuse);
    // A refused publisher would otherwise keep its path (the key, for `/live`) in NMS for its 30 s grace.
    if (session.path) this.nms.setPublishGrace(session.path, 0);
    if (session.app !== 'live') return refuse('unknown application');
    const keyHash = hashStreamKey(session.name);
    const cameraId = this.allowList.cameraFor(keyHash);
    if (!cameraId) return refuse('unknown or revoked stream key');
    const current = this.publishers.get(cameraId);
    if (current && !current.session.closed) {
      if (!current.stalled) return refuse('camera already has a publisher');
      // The camera reconnected while its old connection hangs frozen: the new one takes over.
      this.logger.log({ msg: 'frozen publisher replaced by a reconnect', cameraId });
      current.replaced = true;
      this.stopGrace(current);
      current.session.refuse();
    }

    const publisher: Publisher = {
      cameraId,
      keyHash,
      session,
      ownerToken: `${this.identity.instanceId}:${session.id}:${randomBytes(4).toString('hex')}`,
      readToken: randomBytes(16).toString('hex'),
      claimed: false,
      lastDataAt: Date.now(),
      stalled: false,
      replaced: false,
      graceTimer: null,
      ended: false,
      endReason: 'disconnected',
    };
    this.publishers.set(cameraId, publisher);
    // Hold the socket until the cross-worker claim is settled: no media is read meanwhile.
    session.pause();
    session.onData(() => this.onData(publisher));
    session.onceClosed(() => void this.onPublisherClosed(publisher).catch((error: unknown) => this.logger.error({ msg: 'could not handle a publisher disconnect', cameraId, reason: (error as Error).message })));
    // Off the key's path before NMS records the publisher: `/live/<key>` is never playable.
    try {
      this.nms.movePublisher(session, CAMERA_READ_APP, cameraId);
    } catch (error) {
      this.publishers.delete(cameraId);
      return refuse((error as Error).message);
    }
    // We run our own grace in the registry; NMS's 30 s publish grace would delay donePublish.
    this.nms.setPublishGrace(session.path, 0);
    void this.claim(publisher).catch((error: unknown) => {
      this.logger.error({ msg: 'could not register publisher', cameraId, reason: (error as Error).message });
      session.refuse();
    });
  }

  /**
   * A broadcast's source ffmpeg publishing to its program bus: local only, one at a time. NMS's 30 s
   * publish grace stays on here, so the next source continues the timestamps the pushers follow.
   */
  private onProgramPublish(session: RtmpSession, refuse: (reason: string) => void): void {
    if (!ProgramBus.isLoopback(session.ip) || !this.programBus.isOpen(session.name)) return refuse('unknown program path');
    if (this.nms.otherLivePublisher(session.path, session)) return refuse('program path already has a source');
  }

  /**
   * The ingest is publish-only: a camera is read at `/cam/<cameraId>?read=<token>` with its live
   * session's token, program paths only by this machine's pushers, nothing else at all.
   */
  private onPrePlay(session: RtmpSession): void {
    const refuse = (reason: string) => {
      this.logger.warn({ msg: 'play refused', reason, session: session.id, ip: session.ip });
      session.refuse();
    };
    if (session.app === PROGRAM_APP) {
      if (!ProgramBus.isLoopback(session.ip) || !this.programBus.isOpen(session.name)) refuse('unknown program path');
      return;
    }
    if (session.app !== CAMERA_READ_APP) return refuse('the ingest is publish-only');
    const publisher = this.publishers.get(session.name);
    const token = session.query?.read;
    if (!publisher?.claimed || typeof token !== 'string' || !sameToken(token, publisher.readToken)) refuse('no live camera for this read credential');
  }

  private onData(publisher: Publisher): void {
    publisher.lastDataAt = Date.now();
    if (publisher.stalled && !publisher.replaced && !publisher.ended) void this.resume(publisher);
  }

  private async claim(publisher: Publisher): Promise<void> {
    const { cameraId, session } = publisher;
    if (!(await this.registry.claimOwner(cameraId, publisher.ownerToken, OWNER_TTL_MS))) {
      this.logger.warn({ msg: 'publish refused', reason: 'camera already has a publisher on another worker', cameraId, session: session.id });
      session.refuse();
      return;
    }
    if (session.closed) {
      await this.registry.releaseOwner(cameraId, publisher.ownerToken);
      return;
    }
    publisher.claimed = true;
    publisher.lastDataAt = Date.now();
    session.resume();
    await this.waitForMetadata(session);
    if (session.closed) return;

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
      metadata: metadataFromPublisher(session.metadata()),
      rtmpUrlEnc: this.urlCipher.encrypt(this.readUrl(publisher)),
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
    // A replaced publisher's path already belongs to its successor and its readers.
    if (!publisher.replaced) this.nms.closeSubscribers(session.path);
    if (!publisher.claimed) return;
    try {
      await this.registry.releaseOwner(cameraId, publisher.ownerToken);
    } catch (error) {
      // Redis is away: the owner key lapses on its own (OWNER_TTL_MS); the grace and the end go on.
      this.logger.warn({ msg: 'could not release a disconnected camera', cameraId, reason: (error as Error).message });
    }
    if (publisher.replaced || publisher.ended) return;
    if (publisher.endReason === 'key_revoked') {
      await this.end(publisher, 'key_revoked');
      return;
    }
    // Frozen first, then gone: the grace that started at the freeze goes on.
    if (publisher.graceTimer) return;
    await this.startGrace(publisher, 'disconnected');
  }

  /**
   * The camera stays `reconnecting` (liveSince kept, no event) for the offline grace; a reconnect
   * (here or on another worker) or, for a frozen publisher, fresh data within it carries on.
   */
  private async startGrace(publisher: Publisher, reason: 'disconnected' | 'stalled'): Promise<void> {
    const { cameraId, session } = publisher;
    const graceMs = this.settings.offlineGraceMs;
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      publisher.graceTimer = null;
      if (!session.closed) {
        publisher.endReason = reason;
        session.refuse();
      }
      void this.end(publisher, reason);
    }, graceMs);
    publisher.graceTimer = timer;
    this.graceTimers.add(timer);
    try {
      const entry = await this.registry.get(cameraId);
      if (!entry || entry.sessionId !== session.id) return;
      await this.registry.put({ ...entry, state: 'reconnecting', lastSeenAt: new Date().toISOString() }, graceMs + REGISTRY_TTL_MS);
      this.logger.log({ msg: reason === 'stalled' ? 'camera frozen, waiting for it to resume or reconnect' : 'camera disconnected, waiting for a reconnect', cameraId, graceMs });
    } catch (error) {
      this.logger.warn({ msg: 'could not mark camera reconnecting', cameraId, reason: (error as Error).message });
    }
  }

  private stopGrace(publisher: Publisher): void {
    if (!publisher.graceTimer) return;
    clearTimeout(publisher.graceTimer);
    this.graceTimers.delete(publisher.graceTimer);
    publisher.graceTimer = null;
  }

  /** A frozen publisher sends again within the grace: live again, same liveSince, no event. */
  private async resume(publisher: Publisher): Promise<void> {
    publisher.stalled = false;
    this.stopGrace(publisher);
    const { cameraId } = publisher;
    this.logger.log({ msg: 'frozen camera resumed', cameraId });
    try {
      // The owner key was let go at the freeze: take it back unless another worker has the camera now.
      if (!(await this.registry.renewOwner(cameraId, publisher.ownerToken, OWNER_TTL_MS))) {
        this.logger.warn({ msg: 'camera reconnected elsewhere while frozen, cutting the resumed publisher', cameraId });
        publisher.replaced = true;
        publisher.session.refuse();
        return;
      }
      if (publisher.entry) await this.registry.put({ ...publisher.entry, lastSeenAt: new Date().toISOString() }, REGISTRY_TTL_MS);
    } catch (error) {
      this.logger.warn({ msg: 'could not mark resumed camera live', cameraId, reason: (error as Error).message });
    }
  }

  /**
   * Ends the camera once, unless another session (here or on another worker) has taken it over.
   * While Redis is away the end is tried again every END_RETRY_MS (not once this worker is stopping),
   * so the camera still ends, with its event, once Redis is back, rather than being left `live` until
   * its registry entry expires with nobody told.
   */
  private async end(publisher: Publisher, reason: EndReason, force = false, attempt = 1): Promise<void> {
    if (publisher.ended && !force) return;
    publisher.ended = true;
    const { cameraId, session } = publisher;
    try {
      const entry = await this.registry.get(cameraId);
      if (entry && entry.sessionId !== session.id) return;
      await this.registry.remove(cameraId);
      await this.events.publish(ConsumedTopic.CameraStreamEnded, { ...eventHeader(), cameraId, source: 'ingest', reason });
      this.logger.log({ msg: 'camera offline', cameraId, reason });
    } catch (error) {
      if (this.stopping) {
        this.logger.error({ msg: 'could not end camera', cameraId, reason: (error as Error).message });
        return;
      }
      // One line per outage, not one per attempt.
      if (attempt === 1) this.logger.error({ msg: 'could not end camera, trying again until Redis answers', cameraId, reason: (error as Error).message, retryMs: END_RETRY_MS });
      const timer = setTimeout(() => {
        this.graceTimers.delete(timer);
        void this.end(publisher, reason, true, attempt + 1);
      }, END_RETRY_MS);
      this.graceTimers.add(timer);
    }
  }

  private async beat(): Promise<void> {
    const stallMs = this.settings.stallMs;
    for (const publisher of this.publishers.values()) {
      if (!publisher.claimed || publisher.stalled || publisher.session.closed) continue;
      if (Date.now() - publisher.lastDataAt > stallMs) {
        await this.onStalled(publisher, stallMs);
        continue;
      }
      try {
        const owned = await this.registry.renewOwner(publisher.cameraId, publisher.ownerToken, OWNER_TTL_MS);
        if (!owned) {
          this.logger.warn({ msg: 'lost camera ownership, cutting publisher', cameraId: publisher.cameraId });
          publisher.session.refuse();
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

  /**
   * Nothing received for the stall time: treated as a disconnect. Readers are cut (broadcasts fall
   * back at once) and the owner key is let go (a reconnect may land on any worker), but the socket
   * stays open through the grace in case the publisher resumes.
   */
  private async onStalled(publisher: Publisher, stallMs: number): Promise<void> {
    const { cameraId } = publisher;
    this.logger.warn({ msg: 'publisher sent nothing, treating it as disconnected', cameraId, stallMs });
    publisher.stalled = true;
    this.nms.closeSubscribers(publisher.session.path);
    try {
      await this.registry.releaseOwner(cameraId, publisher.ownerToken);
    } catch (error) {
      this.logger.warn({ msg: 'could not release a frozen camera', cameraId, reason: (error as Error).message });
    }
    if (publisher.stalled && !publisher.graceTimer && !publisher.ended) await this.startGrace(publisher, 'stalled');
  }

  private cutRevoked(keyHash: string): void {
    for (const publisher of this.publishers.values()) {
      if (publisher.keyHash !== keyHash) continue;
      this.logger.log({ msg: 'stream key revoked, cutting publisher', cameraId: publisher.cameraId });
      publisher.endReason = 'key_revoked';
      this.stopGrace(publisher);
      publisher.session.refuse();
    }
  }

  private async waitForMetadata(session: RtmpSession): Promise<void> {
    const deadline = Date.now() + METADATA_WAIT_MS;
    while (!session.hasMetadata() && Date.now() < deadline && !session.closed) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 25));
    }
  }

  /** How the media plane (broadcast sources on any worker) reads this camera: never its key. */
  private readUrl(publisher: Publisher): string {
    const host = this.settings.advertisedHost || hostname();
    return `rtmp://${host}:${this.settings.rtmpPort}/${CAMERA_READ_APP}/${publisher.cameraId}?read=${publisher.readToken}`;
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
