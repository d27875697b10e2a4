import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import Bull from 'bull';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type Redis from 'ioredis';

import { BroadcastRefusal, BroadcastState, acceptedResult, jobAbandoned, jobExpired, refusedResult } from '@lib-stream/broadcast-control';
import {
  BROADCAST_JOB_OPTIONS,
  BROADCAST_LEASE_MS,
  type BroadcastAssignmentJob,
  type BroadcastJobResult,
  type BroadcastRuntime,
  type BroadcastSpec,
  type BroadcastStatusView,
  BroadcastStopReason,
  type BroadcastValidationJob,
  type DestinationChangeReason,
  type DestinationRuntime,
  type DestinationState,
  ErrorCode,
  type EventPayloads,
  type RecordingStopReason,
  EventTopic,
  InternalChannels,
  QueueNames,
  type SealedUrl,
  toBroadcastStatusView,
  type VideoSourceType,
} from '@lib-stream/contracts';
import { BroadcastSettings, BroadcastTimingSettings, CipherProvider, EventBus, HealthRegistry, LeaseKeeper, REDIS, RecordingSettings, RedisSettings, SERVICE_IDENTITY, ServiceSettings, type ServiceIdentity, bullQueueOptions, currentCorrelationId, eventHeader, subscribeRedis, withCorrelationId } from '@lib-stream/nest-kit';

import { CameraRegistry } from '../ingest/camera-registry';
import { asCameraSource } from '../ingest/camera-source';
import { IngestAllowList } from '../ingest/ingest-allow-list';
import { ProgramBus } from '../ingest/program-bus';
import { BroadcastRunner, type LiveCamera, type RunnerSettings } from './broadcast-runner';
import { BroadcastValidator, ValidationFailed } from './broadcast-validator';
import { ffmpegAvailable } from './ffmpeg/ffmpeg-availability';
import { describeFfmpegBuild } from './ffmpeg/ffmpeg-build';
import { isSdpInputUrl } from './sdp-input';
import { RecordingRetention } from './recording/retention';
import type { RecordedSegment } from './recording/recorder';

const TICK_MS = 1000;
/** A failing broadcast waits this long for its lock (an API change in progress) before recording the stop. */
const FAIL_LOCK_WAIT_MS = 15_000;
const HEARTBEAT_TTL_MS = 5000;
const START_CONCURRENCY = 4;
/** How often the other owners' Redis connections are looked at (one MGET and one CLIENT LIST). */
const WATCH_MS = 150;
/**
 * An owner whose connections stay gone this long, on a Redis this worker stayed connected to, is
 * dead: its broadcasts are taken over without waiting for the lease. Longer than FENCE_AFTER_CLOSE_MS
 * plus a watch period, so an owner that is alive but lost its connection has already fenced itself.
 */
const GONE_CONFIRM_MS = 350;
/** This worker's own connection closed and did not come back in this time: stop pushing (fence). */
const FENCE_AFTER_CLOSE_MS = 200;
/** Fence this long before the lease would lapse unrenewed, so a lease adopter never meets our pushers. */
const LEASE_FENCE_MARGIN_MS = 800;

/**
 * The media plane's broadcast owner on this worker. New broadcasts arrive through a Bull queue (one
 * worker takes each, within STREAM_MAX_CONCURRENT_BROADCASTS); the owner renews a lease in Redis and
 * follows the desired state there; broadcasts whose lease lapsed (their worker died) are adopted.
 */
@Injectable()
export class BroadcastCoordinator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Broadcasts');
  private readonly runners = new Map<string, BroadcastRunner>();
  private readonly applying = new Map<string, Promise<void>>();
  /** Runners whose failure is being recorded (see fail). */
  private readonly failing = new Set<BroadcastRunner>();
  private assignments: Bull.Queue<BroadcastAssignmentJob> | null = null;
  private validations: Bull.Queue<BroadcastValidationJob> | null = null;
  private subscriber: Redis | null = null;
  private ticker: NodeJS.Timeout | null = null;
  /** Renews every owned broadcast's lease (their validity is `leaseUntil`, per broadcast) and the worker heartbeat. */
  private readonly leases = new LeaseKeeper({
    leaseMs: 0,
    renewEveryMs: TICK_MS,
    renew: () => this.renewLeases(),
    onError: (error) => this.logger.warn({ msg: 'lease renewal failed', reason: error.message }),
  });
  private ticking = false;
  private intakePaused = false;
  private draining = false;
  private pending = 0;
  readonly available: boolean;
  private readonly settings: RunnerSettings;
  private readonly recordingsDir: string;
  private readonly retention: RecordingRetention;
  private readonly sourceChangeListeners: SourceListener[] = [];
  private readonly adoptionListeners: (() => void)[] = [];
  private readonly destinationListeners: DestinationListener[] = [];
  private readonly recordingListeners: RecordingListener[] = [];
  private watchTimer: NodeJS.Timeout | null = null;
  private watching = false;
  private fenceTimer: NodeJS.Timeout | null = null;
  /** Until when each owned broadcast's lease is surely ours (from when its last renewal was sent). */
  private readonly leaseUntil = new Map<string, number>();
  /**
   * Broadcasts being finished (no longer followed): their leases are renewed until the stop is
   * recorded. Stopping the processes can outlast the lease on a loaded machine, and a broadcast found
   * ownerless with no stop recorded is finished again by whoever finds it (a peer adopting it, or
   * control-api): the stop recorded and announced twice.
   */
  private readonly finishing = new Map<string, BroadcastRunner>();
  /**
   * Runners applying an update: the runner takes the new spec (its revision) as the update begins,
   * so a status written meanwhile would claim the revision applied before it is, without its
   * interruption, and control-api, waiting for that revision, would answer the update with none.
   * applyDesired writes the status once the update is done.
   */
  private readonly updating = new Set<BroadcastRunner>();
  /** Owners seen connected since this worker's connection was last (re)made, and since when each is gone. */
  private readonly ownersSeen = new Set<string>();
  private readonly goneSince = new Map<string, number>();
  /** The last connection error since this worker's connection closed (ECONNREFUSED: the server is down). */
  private redisErrorCode: string | null = null;
  private readonly onRedisClose = () => this.connectionClosed();
  private readonly onRedisReady = () => this.connectionReady();
  private readonly onRedisError = (error: NodeJS.ErrnoException) => {
    this.redisErrorCode = error.code ?? null;
  };

  constructor(
    private readonly broadcasting: BroadcastSettings,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly state: BroadcastState,
    private readonly events: EventBus,
    private readonly bus: ProgramBus,
    private readonly cipher: CipherProvider,
    private readonly cameras: CameraRegistry,
    private readonly validator: BroadcastValidator,
    private readonly health: HealthRegistry,
    private readonly allowList: IngestAllowList,
    private readonly timing: BroadcastTimingSettings,
    private readonly recordings: RecordingSettings,
    service: ServiceSettings,
    private readonly redisSettings: RedisSettings,
  ) {
    this.available = broadcasting.enabled && ffmpegAvailable(broadcasting.ffmpegPath) && cipher.available;
    this.recordingsDir = recordings.dir || resolve(service.dataDir, 'recordings');
    this.retention = new RecordingRetention({
      dir: this.recordingsDir,
      maxAgeMs: recordings.maxAgeMs,
      maxTotalBytes: recordings.maxTotalBytes,
      active: () => new Set(this.localRunners().flatMap((runner) => (runner.recording()?.state === 'recording' ? [runner.recording()?.recordingId ?? ''] : []))),
      logger: this.logger,
    });
    this.settings = {
      ffmpegPath: broadcasting.ffmpegPath,
      ffprobePath: broadcasting.ffprobePath,
      restartOnFailure: broadcasting.restartOnFailure,
      maxRestarts: broadcasting.maxRestarts,
      recoveryCheckMs: timing.recoveryCheckMs,
      defaultBackground: broadcasting.defaultBackgroundVideo,
      encode: {
        videoCodec: broadcasting.videoCodec,
        videoBitrate: broadcasting.videoBitrate,
        audioCodec: broadcasting.audioCodec,
        audioBitrate: broadcasting.audioBitrate,
        width: broadcasting.fallbackWidth,
        height: broadcasting.fallbackHeight,
        fps: 30,
      },
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.health.note('broadcasting', () => (this.available ? `available (${this.runners.size}/${this.broadcasting.maxConcurrent})` : `unavailable: ${this.unavailableReason()}`));
    await this.beat();
    if (!this.available) {
      if (this.broadcasting.enabled) this.logger.warn({ msg: 'broadcasting unavailable on this worker', reason: this.unavailableReason() });
      return;
    }
    const bullOptions = bullQueueOptions(this.redisSettings);
    this.assignments = new Bull<BroadcastAssignmentJob>(QueueNames.BroadcastAssignments, bullOptions);
    this.validations = new Bull<BroadcastValidationJob>(QueueNames.BroadcastValidations, bullOptions);
    // Each job runs with the correlation id of the request that added it (a new one if none).
    void this.validations.process(2, (job) => withCorrelationId(job.data.correlationId, () => this.validateJob(job)));
    const { connection, subscribed } = subscribeRedis(this.redis, { channels: [InternalChannels.BroadcastChanged] });
    this.subscriber = connection;
    this.subscriber.on('message', (_channel: string, broadcastId: string) => void this.follow(broadcastId));
    await subscribed;
    this.redis.on('close', this.onRedisClose);
    this.redis.on('ready', this.onRedisReady);
    this.redis.on('error', this.onRedisError);
    this.leases.start({ firstInMs: TICK_MS });
    this.ticker = setInterval(() => void this.tick(), TICK_MS);
    this.watchTimer = setInterval(() => void this.watch(), WATCH_MS);
    this.retention.start();
    await this.checkRecordingsDir();
    await this.updateIntake();
    // Starts overlap (each spends ~0.3 s probing and connecting), so a burst of starts is not queued
    // behind one another; updateIntake pauses the queue once the worker is full.
    const concurrency = Math.max(1, Math.min(START_CONCURRENCY, this.broadcasting.maxConcurrent));
    void this.assignments.process(concurrency, (job) => withCorrelationId(job.data.correlationId, () => this.startJob(job)));
    this.logger.log({ msg: 'broadcasting available', maxBroadcasts: this.broadcasting.maxConcurrent });
    void this.logFfmpegBuild();
  }

  /** SIGTERM: stop taking work, hand every broadcast over (its lease released, so a peer adopts it now). */
  async onApplicationShutdown(): Promise<void> {
    this.draining = true;
    this.retention.stop();
    if (this.ticker) clearInterval(this.ticker);
    await this.leases.stop();
    if (this.watchTimer) clearInterval(this.watchTimer);
    if (this.fenceTimer) clearTimeout(this.fenceTimer);
    this.redis.off('close', this.onRedisClose);
    this.redis.off('ready', this.onRedisReady);
    this.redis.off('error', this.onRedisError);
    await this.beat().catch(() => undefined);
    await this.assignments?.pause(true, true).catch(() => undefined);
    const peers = await this.state.peersAbleToBroadcast(this.identity.instanceId).catch(() => 0);
    await Promise.all(
      [...this.runners.values()].map(async (runner) => {
        await runner.stop('handed_over');
        try {
          await this.saveRuntime(runner, { handedOver: true });
          await this.state.releaseLease(runner.broadcastId, this.identity.instanceId);
        } catch (error) {
          // Redis away: a peer adopts it once its lease lapses. Rejecting here ended the app's shutdown
          // at this module: the ingest's, the event bus's and Redis's were never run.
          this.logger.warn({ msg: 'could not record the handover: the broadcast is adopted once its lease lapses', broadcastId: runner.broadcastId, reason: (error as Error).message });
        }
      }),
    );
    if (this.runners.size) {
      this.logger.log({
        msg: peers ? 'broadcasts handed over to the other workers' : 'no other worker can take the broadcasts now: they resume when one starts',
        broadcasts: this.runners.size,
        peers,
      });
    }
    this.runners.clear();
    this.leaseUntil.clear();
    await this.state.removeHeartbeat(this.identity.instanceId).catch(() => undefined);
    await this.subscriber?.quit().catch(() => undefined);
    // Bull's close() waits for the jobs in flight. With Redis away none can be answered, and the wait
    // lasted until their queued commands gave up (33 s in the spec, past the shutdown timeout).
    const waitForJobs = this.redis.status === 'ready';
    await Promise.all([this.assignments?.close(!waitForJobs), this.validations?.close(!waitForJobs)]).catch(() => undefined);
  }

  /** Queues a new broadcast for whichever worker has room (voice events, auto-broadcast). Job ids dedupe replicas. */
  async enqueue(spec: BroadcastSpec, jobId: string): Promise<Bull.Job<BroadcastAssignmentJob> | null> {
    if (!this.assignments) return null;
    const correlationId = currentCorrelationId();
    return this.assignments.add({ spec, ...(correlationId ? { correlationId } : {}) }, { ...BROADCAST_JOB_OPTIONS, jobId });
  }

  localRunners(): BroadcastRunner[] {
    return [...this.runners.values()];
  }

  /** Every move of a broadcast's source cascade to a source of another type, once it is on air (BroadcastStatusEvents publishes them). */
  onSourceChange(listener: SourceListener): void {
    this.sourceChangeListeners.push(listener);
  }

  onAdoption(listener: () => void): void {
    this.adoptionListeners.push(listener);
  }

  /** Every destination state change of this worker's broadcasts (BroadcastStatusEvents publishes them). */
  onDestinationChange(listener: DestinationListener): void {
    this.destinationListeners.push(listener);
  }

  /** Every segment completed and every recording stopped on this worker's broadcasts (BroadcastStatusEvents publishes them). */
  onRecordingEvent(listener: RecordingListener): void {
    this.recordingListeners.push(listener);
  }

  /**
   * Writes a broadcast's status (the runtime record) now, when the broadcast is still on air here;
   * otherwise does nothing (a stop writes the last one). A status event is published after this, so
   * whoever reads the status after the event (live status: subscribe, then read a snapshot) sees the
   * change, instead of the previous second's. Never rejects: the next tick writes it again. Nothing
   * once the worker is shutting down: every broadcast here is being handed over, and the handover's
   * record (no worker) is the last word; a status event queued behind another (its pushers stopping)
   * would otherwise write this worker back in, over the adopting peer's record too.
   */
  async saveStatus(runner: BroadcastRunner): Promise<void> {
    // No await before the write is queued: a stop that starts after this check queues its own after it.
    if (this.draining || !this.following(runner) || this.updating.has(runner)) return;
    await this.saveRuntime(runner).catch(() => undefined);
  }

  runner(broadcastId: string): BroadcastRunner | undefined {
    return this.runners.get(broadcastId);
  }

  // --- new broadcasts (queue) ---

  /**
   * Validates, claims and starts a new broadcast. The job completes with its status or with the
   * refusal (never fails on purpose), so Bull removes it at once and keeps no spec or stack trace.
   */
  private async startJob(job: Bull.Job<BroadcastAssignmentJob>): Promise<BroadcastJobResult<BroadcastStatusView>> {
    // A camera named by its ingest URL is that camera (read by id, claimed by identity).
    const receivedAt = Date.now();
    const spec = asCameraSource(job.data.spec, (url) => this.cipher.decrypt(url.enc), (url) => this.allowList.cameraForUrl(url));
    this.pending++;
    let runner: BroadcastRunner | null = null;
    let owned = false;
    let reserved = true;
    const release = () => {
      if (reserved) this.pending--;
      reserved = false;
    };
    try {
      if (jobExpired(job.data)) throw new BroadcastRefusal(ErrorCode.ServiceUnavailable, 'no media worker took the broadcast in time');
      if (this.draining) throw new BroadcastRefusal(ErrorCode.ServiceUnavailable, 'the media worker is shutting down; retry');
      // Several jobs can arrive together (intake concurrency); the limit still holds per worker.
      if (this.runners.size + this.pending > this.broadcasting.maxConcurrent) {
        throw new BroadcastRefusal(ErrorCode.ServiceUnavailable, 'the media worker that took the broadcast is at STREAM_MAX_CONCURRENT_BROADCASTS; retry');
      }
      // The source starts at once, beside the checks, publishing only on this broadcast's program
      // bus; destinations connect after the checks and the claim. For a URL primary, its own start is
      // its probe (one FFmpeg start instead of an ffprobe and then an FFmpeg). Not for RTP audio:
      // the probe and the source would both have to listen on its port, so the probe goes first.
      runner = this.createRunner(spec, new Date().toISOString());
      const early = !this.listensForAudio(spec);
      const primaryUrl = early && spec.video.kind === 'url' ? spec.video.url : null;
      let sourceOpened = early ? runner.openSource({ holdPrimary: primaryUrl !== null, timeoutMs: this.timing.probeTimeoutMs }) : null;
      try {
        await this.validator.validateSpec(spec, { primaryProbed: primaryUrl !== null });
      } catch (error) {
        if (error instanceof ValidationFailed) throw new BroadcastRefusal(ErrorCode.ValidationFailed, error.message);
        throw error;
      }
      const validatedAt = Date.now();
      // Checked last before anything is written: control-api may have answered 503 while Redis was slow.
      if (await jobAbandoned(job)) throw new BroadcastRefusal(ErrorCode.ServiceUnavailable, 'control-api gave up waiting for this broadcast');
      const claimSentAt = Date.now();
      const claim = await this.state.claimNew(spec, this.identity.instanceId);
      if (!claim.ok) {
        throw new BroadcastRefusal(ErrorCode.Conflict, claim.heldBy ? `a broadcast is already active for this source (${claim.heldBy})` : 'the broadcast id is already taken');
      }
      const claimedAt = Date.now();
      this.runners.set(spec.broadcastId, runner);
      owned = true;
      this.leaseUntil.set(spec.broadcastId, claimSentAt + BROADCAST_LEASE_MS);
      release();
      sourceOpened ??= runner.openSource({ holdPrimary: false, timeoutMs: 5000 });
      runner.startDestinations();
      const primaryFailure = await sourceOpened;
      if (primaryFailure !== null && primaryUrl) {
        this.forget(spec.broadcastId);
        await runner.stop();
        await this.state.unclaim(spec, this.identity.instanceId);
        throw new BroadcastRefusal(ErrorCode.ValidationFailed, this.validator.unreachableSource('sourceId', primaryUrl, primaryFailure).message);
      }
      if (this.runners.get(spec.broadcastId) !== runner) {
        throw new BroadcastRefusal(ErrorCode.PlatformUnavailable, `the broadcast failed as it started: ${(await this.state.runtime(spec.broadcastId))?.lastError ?? 'see the media worker logs'}`);
      }
      await this.saveRuntime(runner);
      await this.events.publish(EventTopic.BroadcastStarted, { ...eventHeader(), broadcastId: spec.broadcastId, sourceType: spec.sourceType });
      // Where a start's time goes, in ms from this worker's receipt of the job (the queue: from
      // control-api's add): source spawned, its first progress block (it is writing to the bus),
      // checks done, claim done, the source seen publishing on the program bus.
      const source = runner.sourceTimes();
      const since = (at: number | null) => (at ? at - receivedAt : null);
      const stagesMs = {
        queue: receivedAt - job.timestamp,
        sourceSpawned: since(source.spawned),
        sourceFirstProgress: since(source.firstProgress),
        validated: validatedAt - receivedAt,
        claimed: claimedAt - receivedAt,
        sourceOnBus: since(runner.publishedAt),
      };
      this.logger.log({ msg: 'broadcast started', broadcastId: spec.broadcastId, sourceType: spec.sourceType, destinations: spec.destinations.length, videoSourceType: runner.videoSourceType(), stagesMs });
      return acceptedResult(toBroadcastStatusView(spec, await this.state.runtime(spec.broadcastId), true));
    } catch (error) {
      if (runner && !owned) await runner.stop();
      this.logger.warn({ msg: 'broadcast not started', broadcastId: spec.broadcastId, reason: (error as Error).message });
      return refusedResult(error, 'the media worker could not start the broadcast');
    } finally {
      release();
      await this.updateIntake().catch((error: Error) => this.logger.warn({ msg: 'could not update the broadcast intake', reason: error.message }));
    }
  }

  private async validateJob(job: Bull.Job<BroadcastValidationJob>): Promise<BroadcastJobResult<true>> {
    try {
      if (jobExpired(job.data)) throw new BroadcastRefusal(ErrorCode.ServiceUnavailable, 'no media worker took the check in time');
      await this.validator.validateUrls(job.data);
      return acceptedResult(true as const);
    } catch (error) {
      const refused = error instanceof ValidationFailed ? new BroadcastRefusal(ErrorCode.ValidationFailed, error.message) : error;
      if (!(refused instanceof BroadcastRefusal)) this.logger.warn({ msg: 'broadcast URL check failed', reason: (error as Error).message });
      return refusedResult(refused, 'the media worker could not check the new URLs');
    }
  }

  /** Takes queue jobs only while below the per-worker limit; Bull's local pause leaves them to the others. */
  private async updateIntake(): Promise<void> {
    if (!this.assignments) return;
    const full = this.draining || this.isFull();
    if (full && !this.intakePaused) {
      this.intakePaused = true;
      await this.assignments.pause(true, true);
    } else if (!full && this.intakePaused) {
      this.intakePaused = false;
      await this.assignments.resume(true);
    }
    await this.beat().catch(() => undefined);
  }

  // --- ownership: leases, desired state, adoption ---

  /**
   * Lease renewal runs on its own, never behind a slow start or switch: a lease that lapsed while this
   * worker was busy would let a second worker put the same broadcast on air.
   */
  private async renewLeases(): Promise<boolean> {
    await this.beat();
    await Promise.all([...this.runners.values(), ...this.finishing.values()].map((runner) => this.renewLease(runner)));
    return true;
  }

  private async renewLease(runner: BroadcastRunner): Promise<void> {
    const sentAt = Date.now();
    if (await this.state.renewLease(runner.currentSpec, this.identity.instanceId)) {
      if (this.runners.get(runner.broadcastId) !== runner) return;
      this.leaseUntil.set(runner.broadcastId, sentAt + BROADCAST_LEASE_MS);
      if (runner.isFenced) {
        this.logger.log({ msg: 'lease renewed: destinations reconnect', broadcastId: runner.broadcastId });
        runner.unfence();
      }
      return;
    }
    if (this.runners.get(runner.broadcastId) !== runner) return;
    this.logger.warn({ msg: 'lease lost: another worker owns the broadcast now', broadcastId: runner.broadcastId });
    this.forget(runner.broadcastId);
    await runner.stop('lease_lost');
  }

  private forget(broadcastId: string): void {
    this.runners.delete(broadcastId);
    this.leaseUntil.delete(broadcastId);
  }

  /**
   * Self-fencing: a broadcast whose lease this worker cannot show to be its own any more stops
   * pushing before anyone could adopt it. Two ways another worker adopts: the lease lapses (so we
   * stop LEASE_FENCE_MARGIN_MS before that), or our connections vanish from Redis (so we stop when
   * ours stays closed FENCE_AFTER_CLOSE_MS, well before an adopter believes us dead).
   */
  private async fence(reason: string, runners: BroadcastRunner[]): Promise<void> {
    const unfenced = runners.filter((runner) => !runner.isFenced);
    if (!unfenced.length) return;
    this.logger.warn({ msg: 'ownership unproven: destinations stopped until the lease is renewed', reason, broadcasts: unfenced.length });
    await Promise.all(unfenced.map((runner) => runner.fence()));
  }

  /**
   * Our connection closed: unless it is back within FENCE_AFTER_CLOSE_MS, a peer may soon see us gone.
   * Not when the server refuses connections (it is down or restarting): no peer can see anything
   * then, a restarted or promoted server starts peers' watch afresh, and the lease fence still
   * applies to a long outage.
   */
  private connectionClosed(): void {
    if (this.fenceTimer || !this.runners.size) return;
    this.redisErrorCode = null;
    this.fenceTimer = setTimeout(() => {
      this.fenceTimer = null;
      if (this.redis.status === 'ready' || this.redisErrorCode === 'ECONNREFUSED') return;
      void this.fence('redis connection closed', [...this.runners.values()]);
    }, FENCE_AFTER_CLOSE_MS);
  }

  private connectionReady(): void {
    if (this.fenceTimer) clearTimeout(this.fenceTimer);
    this.fenceTimer = null;
    this.redisErrorCode = null;
    // Who was seen connected before counts no more: the server may have restarted or failed over.
    this.ownersSeen.clear();
    this.goneSince.clear();
    if ([...this.runners.values()].some((runner) => runner.isFenced)) void this.leases.renewNow();
  }

  /** Every WATCH_MS: fences leases about to lapse, and takes over broadcasts whose owner is gone. */
  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      const now = Date.now();
      const lapsing = [...this.runners.values()].filter((runner) => (this.leaseUntil.get(runner.broadcastId) ?? 0) - LEASE_FENCE_MARGIN_MS <= now);
      if (lapsing.length) await this.fence('lease not renewed in time', lapsing);
      await this.adoptFromGoneOwners();
    } catch (error) {
      this.logger.warn({ msg: 'broadcast owner watch failed', reason: (error as Error).message });
    } finally {
      this.watching = false;
    }
  }

  /**
   * A worker's connections are named `<service>:<instanceId>` (its lease holds the instance id). An
   * owner seen connected, then absent for GONE_CONFIRM_MS while this worker stayed connected to the
   * same server, is dead (a SIGKILL closes its sockets at once) or has fenced itself: take its
   * broadcasts over now rather than after the lease.
   */
  private async adoptFromGoneOwners(): Promise<void> {
    if (this.draining || this.redis.status !== 'ready') return;
    const ids = (await this.state.ids(true)).filter((id) => !this.runners.has(id));
    if (!ids.length) return;
    const holders = await this.state.leaseHolders(ids);
    const owners = new Set(holders.filter((holder): holder is string => holder !== null && holder !== this.identity.instanceId));
    if (!owners.size) return;
    for (const seen of this.ownersSeen) if (!owners.has(seen)) this.ownersSeen.delete(seen);
    for (const gone of this.goneSince.keys()) if (!owners.has(gone)) this.goneSince.delete(gone);
    const names = await this.state.connectionNames();
    const now = Date.now();
    for (const owner of owners) {
      if (names.has(`${this.identity.service}:${owner}`)) {
        this.ownersSeen.add(owner);
        this.goneSince.delete(owner);
        continue;
      }
      if (!this.ownersSeen.has(owner)) continue;
      const since = this.goneSince.get(owner) ?? now;
      this.goneSince.set(owner, since);
      if (now - since < GONE_CONFIRM_MS) continue;
      for (const [i, id] of ids.entries()) {
        if (holders[i] !== owner || this.isFull()) continue;
        await this.adopt(id, 'owner connection gone', () => this.state.takeOver(id, owner, this.identity.instanceId));
      }
    }
  }

  /** RTP/SDP audio (voice rooms): FFmpeg listens for it on a port only one process can hold. */
  private listensForAudio(spec: BroadcastSpec): boolean {
    if (spec.voiceRoomId) return true;
    if (!spec.audio) return false;
    const url = this.cipher.decrypt(spec.audio.enc);
    return isSdpInputUrl(url) || /^(rtp|udp|srt):/i.test(url);
  }

  private isFull(): boolean {
    return this.runners.size + this.pending >= this.broadcasting.maxConcurrent;
  }

  /** Follows desired-state changes (also when a notice was missed) and adopts orphaned broadcasts. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const broadcastId of this.runners.keys()) void this.follow(broadcastId);
      await this.adoptOrphans();
      await this.updateIntake();
    } catch (error) {
      this.logger.warn({ msg: 'broadcast tick failed', reason: (error as Error).message });
    } finally {
      this.ticking = false;
    }
  }

  /** Applies the desired state of a broadcast this worker owns, once at a time per broadcast. */
  private follow(broadcastId: string): Promise<void> {
    const runner = this.runners.get(broadcastId);
    if (!runner) return Promise.resolve();
    const previous = this.applying.get(broadcastId) ?? Promise.resolve();
    const next = previous.then(() => this.applyDesired(runner)).catch((error: unknown) => {
      this.logger.error({ msg: 'could not apply broadcast change', broadcastId, reason: (error as Error).message });
    });
    this.applying.set(broadcastId, next);
    return next;
  }

  /**
   * Whether this worker still follows the runner's desired state: it is on air here, and not failing
   * (a failure records the stop and finishes the broadcast itself, with its error).
   */
  private following(runner: BroadcastRunner): boolean {
    return this.runners.get(runner.broadcastId) === runner && !this.failing.has(runner);
  }

  private async applyDesired(runner: BroadcastRunner): Promise<void> {
    if (!this.following(runner)) return;
    const spec = await this.state.spec(runner.broadcastId);
    // Checked again after each wait: a broadcast that failed meanwhile is finished by the failure, and
    // finishing it here too (the failure's own stop read back) or writing its status over the stop's
    // lost the error (stopped, reason error, no lastError: broadcast.int-spec, CI rehearsal).
    if (!this.following(runner)) return;
    if (!spec) {
      // Records are kept an hour after a stop, so a running broadcast without one means Redis lost
      // it: keep broadcasting; the lease renewal writes the records back.
      if (this.runners.get(runner.broadcastId) === runner) await this.renewLease(runner);
      return;
    }
    if (spec.desired === 'stopped') {
      await this.finish(runner, spec, spec.stopReason ?? BroadcastStopReason.Manual);
      return;
    }
    if (spec.revision > runner.currentSpec.revision) {
      this.updating.add(runner);
      try {
        const interruption = await runner.apply(spec);
        this.logger.log({ msg: 'broadcast updated', broadcastId: spec.broadcastId, ...interruption });
      } finally {
        this.updating.delete(runner);
      }
      if (!this.following(runner)) return;
    }
    await this.saveRuntime(runner);
  }

  /** Stops a broadcast for good: processes, records, event. */
  private async finish(runner: BroadcastRunner, spec: BroadcastSpec, reason: BroadcastStopReason, error: string | null = null): Promise<void> {
    this.forget(runner.broadcastId);
    this.finishing.set(runner.broadcastId, runner);
    try {
      await runner.stop();
      const stoppedAt = new Date().toISOString();
      await this.saveRuntime(runner, { stoppedAt, stopReason: reason, error });
    } finally {
      // No await between this and the finalize below: a renewal sent after it could set the lease again.
      this.finishing.delete(runner.broadcastId);
    }
    await this.state.finalize(spec);
    await this.events.publish(EventTopic.BroadcastStopped, { ...eventHeader(), broadcastId: spec.broadcastId, reason });
    this.logger.log({ msg: 'broadcast stopped', broadcastId: spec.broadcastId, reason });
    await this.updateIntake();
  }

  /**
   * The runner gave up: the broadcast stops with reason error, for everyone. The stop is a desired-state
   * change like any other (locked, revision-checked), so it neither loses nor overwrites an API change
   * made meanwhile; a broadcast already stopped keeps its reason.
   */
  private async fail(runner: BroadcastRunner, message: string): Promise<void> {
    if (!this.following(runner)) return;
    this.logger.error({ msg: 'broadcast failed', broadcastId: runner.broadcastId, reason: message });
    // Still owned meanwhile (its lease renewed: the lock may take a while), but not followed: the
    // change is announced, and following it too would finish the broadcast twice.
    this.failing.add(runner);
    try {
      await this.recordFailure(runner, message);
    } catch (error) {
      // Redis went away while the stop was being recorded (nothing awaits this: rethrown, it was an
      // unhandled rejection). The processes are stopped; the lease lapses, and whoever adopts the
      // broadcast finishes it (a stop already recorded) or puts it back on air (one that was not).
      this.logger.warn({ msg: 'the failed broadcast\'s stop was not recorded: it is taken over once its lease lapses', broadcastId: runner.broadcastId, reason: (error as Error).message });
    } finally {
      this.failing.delete(runner);
    }
  }

  private async recordFailure(runner: BroadcastRunner, message: string): Promise<void> {
    const stop = (spec: BroadcastSpec): BroadcastSpec => ({ ...spec, desired: 'stopped', stopReason: BroadcastStopReason.Error });
    let stopped: BroadcastSpec;
    try {
      stopped =
        (await this.state.requestChange(runner.broadcastId, (spec) => (spec.desired === 'stopped' ? null : stop(spec)), { lockWaitMs: FAIL_LOCK_WAIT_MS, whenMissing: runner.currentSpec })) ??
        (await this.state.spec(runner.broadcastId)) ??
        stop(runner.currentSpec);
    } catch (error) {
      // Redis unreachable or the lock held throughout: the broadcast is off air here all the same.
      this.logger.warn({ msg: 'could not record the failed broadcast as stopped', broadcastId: runner.broadcastId, reason: (error as Error).message });
      stopped = stop(runner.currentSpec);
    }
    await this.finish(runner, stopped, stopped.stopReason ?? BroadcastStopReason.Error, message);
  }

  /** Broadcasts that should be on air but have no owner (their worker died): take them over. */
  private async adoptOrphans(): Promise<void> {
    if (this.draining) return;
    for (const broadcastId of await this.state.ids(true)) {
      if (this.isFull()) return;
      if (this.runners.has(broadcastId) || (await this.state.leaseHolder(broadcastId))) continue;
      await this.adopt(broadcastId, 'lease lapsed', () => this.state.adopt(broadcastId, this.identity.instanceId));
    }
  }

  /** Takes a broadcast over when `take` wins its lease, and puts it back on air from here. */
  private async adopt(broadcastId: string, why: string, take: () => Promise<boolean>): Promise<void> {
    if (this.runners.has(broadcastId)) return;
    const takenAt = Date.now();
    if (!(await take())) return;
    const [spec, previous] = await Promise.all([this.state.spec(broadcastId), this.state.runtime(broadcastId)]);
    if (!spec) {
      await this.state.forgetActive(broadcastId);
      await this.state.releaseLease(broadcastId, this.identity.instanceId);
      return;
    }
    const runner = this.createRunner(spec, previous?.startedAt ?? new Date().toISOString());
    this.runners.set(broadcastId, runner);
    this.leaseUntil.set(broadcastId, takenAt + BROADCAST_LEASE_MS);
    runner.continueRecording(previous?.recording);
    // A recording its worker was still writing ended with that worker: say so for the uploader (its
    // manifest lists what is complete; the segment being written when it died is not in it). Also
    // when the broadcast is only taken to record its stop: control-api then finds the stop recorded
    // and announces nothing, and the saved runtime keeps the recording's history.
    const lost = previous?.recording;
    if (lost?.state === 'recording') {
      await this.events
        .publish(EventTopic.BroadcastRecordingStopped, { ...eventHeader(), broadcastId, recordingId: lost.recordingId, workerId: previous?.workerId ?? 'unknown', reason: 'worker_lost', segments: lost.segments, bytes: lost.bytes })
        .catch((error: Error) => this.logger.warn({ msg: 'could not publish the recording stopped event', broadcastId, reason: error.message }));
    }
    if (spec.desired === 'stopped') {
      await this.finish(runner, spec, spec.stopReason ?? BroadcastStopReason.Manual);
      return;
    }
    this.logger.warn({ msg: 'adopting broadcast whose worker is gone', broadcastId, previousWorker: previous?.workerId ?? null, why });
    for (const listener of this.adoptionListeners) listener();
    // It was on air a moment ago: no probe first (a source that is gone now fails over down the cascade).
    await runner.start({ primaryChecked: true });
    await this.saveRuntime(runner);
  }

  // --- plumbing ---

  private createRunner(spec: BroadcastSpec, startedAt: string): BroadcastRunner {
    const runner: BroadcastRunner = new BroadcastRunner(spec, startedAt, {
      settings: this.settings,
      open: (url) => this.cipher.decrypt(url.enc),
      liveCamera: (cameraId) => this.liveCamera(cameraId),
      cameraForUrl: (url) => this.cameraForSealedUrl(url),
      bus: this.bus,
      onSourceChanged: (previous, current) => this.sourceChanged(runner, previous, current),
      onTerminal: (message) => void this.fail(runner, message),
      recording: {
        dir: this.recordingsDir,
        workerId: this.identity.instanceId,
        minFreeBytes: this.recordings.minFreeBytes,
        spaceRecheckMs: this.recordings.spaceRecheckMs,
        onSegment: (segment) => this.recordingSegment(runner, segment),
        onStopped: (recordingId, reason, totals) => this.recordingStopped(runner, recordingId, reason, totals),
      },
      onDestinationState: (destination, previous, reason) => {
        for (const listener of this.destinationListeners) listener(runner, destination, previous, reason);
      },
    });
    return runner;
  }

  // Published by BroadcastStatusEvents' per-broadcast queue, with the status events: the status (with
  // the recording's new totals or state) is written first, and they keep their order with the others.
  private recordingSegment(runner: BroadcastRunner, segment: RecordedSegment): void {
    const { recordingId, path, sequence, sizeBytes, durationSeconds, startedAt } = segment;
    this.retention.sweepSoon();
    const event = { ...eventHeader(), broadcastId: runner.broadcastId, recordingId, workerId: this.identity.instanceId, path, sequence, sizeBytes, durationSeconds, startedAt };
    for (const listener of this.recordingListeners) listener(runner, { topic: EventTopic.BroadcastRecordingSegment, event });
  }

  private recordingStopped(runner: BroadcastRunner, recordingId: string, reason: RecordingStopReason, totals: { segments: number; bytes: number }): void {
    const event = { ...eventHeader(), broadcastId: runner.broadcastId, recordingId, workerId: this.identity.instanceId, reason, ...totals };
    for (const listener of this.recordingListeners) listener(runner, { topic: EventTopic.BroadcastRecordingStopped, event });
  }

  private sourceChanged(runner: BroadcastRunner, previous: VideoSourceType | null, current: VideoSourceType): void {
    if (previous === null) return;
    for (const listener of this.sourceChangeListeners) listener(runner, previous, current);
  }

  /** The camera a sealed URL names by its key (an ingest URL), or null; an unreadable URL names none. */
  private cameraForSealedUrl(url: SealedUrl): string | null {
    try {
      return this.allowList.cameraForUrl(this.cipher.decrypt(url.enc));
    } catch {
      return null;
    }
  }

  private async liveCamera(cameraId: string): Promise<LiveCamera | null> {
    const entry = await this.cameras.get(cameraId);
    if (!entry || entry.state !== 'live' || !entry.rtmpUrlEnc) return null;
    const meta = entry.metadata;
    // onMetaData names both tracks at once: with either codec known, a missing one is really absent
    // (an audio-only camera); with neither, the runner probes the camera.
    const known = meta.videoCodec !== null || meta.audioCodec !== null;
    return {
      url: this.cipher.decrypt(entry.rtmpUrlEnc),
      // Unknown codecs (no onMetaData) are copied: RTMP cameras are H.264/AAC in practice.
      copyVideo: meta.videoCodec === null || meta.videoCodec === 'h264',
      copyAudio: meta.audioCodec === null || meta.audioCodec === 'aac',
      hasVideo: known ? meta.videoCodec !== null : null,
      hasAudio: known ? meta.audioCodec !== null : null,
      width: meta.width,
      height: meta.height,
      fps: meta.fps,
    };
  }

  private async saveRuntime(
    runner: BroadcastRunner,
    extra: { stoppedAt?: string; stopReason?: BroadcastStopReason; error?: string | null; handedOver?: boolean } = {},
  ): Promise<void> {
    const runtime: BroadcastRuntime = {
      broadcastId: runner.broadcastId,
      workerId: extra.handedOver ? null : this.identity.instanceId,
      appliedRevision: runner.currentSpec.revision,
      health: extra.stoppedAt ? 'stopped' : extra.handedOver ? 'unhealthy' : runner.health(),
      videoSourceType: runner.videoSourceType(),
      currentVideoSource: runner.currentVideoSource(),
      sourceRestarts: runner.restarts(),
      sourceFps: runner.sourceFps(),
      destinations: runner.destinations(),
      lastError: extra.error ?? runner.error(),
      startedAt: runner.startedAt,
      stoppedAt: extra.stoppedAt ?? null,
      stopReason: extra.stopReason ?? null,
      lastInterruption: runner.lastInterruption,
      recording: runner.recording(),
      updatedAt: new Date().toISOString(),
    };
    await this.state.saveRuntime(runtime);
  }

  private async beat(): Promise<void> {
    await this.state.heartbeat(
      {
        instanceId: this.identity.instanceId,
        ffmpegAvailable: this.available,
        broadcastsRunning: this.runners.size + this.pending,
        maxBroadcasts: this.broadcasting.maxConcurrent,
        draining: this.draining,
        updatedAt: new Date().toISOString(),
      },
      HEARTBEAT_TTL_MS,
    );
  }

  /** The recordings directory exists (created) and is writable; if not, recordings stop with reason error, and this says why at start. */
  private async checkRecordingsDir(): Promise<void> {
    try {
      await mkdir(this.recordingsDir, { recursive: true });
      await access(this.recordingsDir, constants.W_OK);
    } catch (error) {
      this.logger.warn({ msg: 'STREAM_RECORDINGS_DIR is not writable: broadcasts asked to record will not be', reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
    }
  }

  /** Which encoder and which FFmpeg build (licence) this worker broadcasts with: production needs an LGPL build (README). */
  private async logFfmpegBuild(): Promise<void> {
    const videoEncoder = this.broadcasting.videoCodec;
    const build = await describeFfmpegBuild(this.broadcasting.ffmpegPath, videoEncoder);
    const licence = build.nonfree ? 'nonfree' : build.gpl ? 'GPL (--enable-gpl)' : 'LGPL (no --enable-gpl)';
    this.logger.log({ msg: 'FFmpeg build', ffmpeg: this.broadcasting.ffmpegPath, version: build.version, licence, videoEncoder, encoderPresent: build.encoderPresent, configuration: build.configuration });
    if (!build.encoderPresent) {
      this.logger.warn({ msg: 'STREAM_BROADCAST_VIDEO_CODEC is not in this FFmpeg: copied cameras and streams still go out, encoded fallbacks (image, black, non-H.264 files) will fail', videoEncoder });
    }
    if (build.gpl || build.nonfree) this.logger.warn({ msg: 'this FFmpeg is not an LGPL build; the specification requires one in production (README, Broadcasts)', licence });
  }

  private unavailableReason(): string {
    if (!this.broadcasting.enabled) return 'STREAM_BROADCAST_ENABLED is false';
    if (!ffmpegAvailable(this.broadcasting.ffmpegPath)) return 'FFmpeg not found at STREAM_FFMPEG_PATH';
    return 'STREAM_TOKEN_ENCRYPTION_KEY is unusable';
  }
}

export type SourceListener = (runner: BroadcastRunner, previous: VideoSourceType, current: VideoSourceType) => void;
export type RecordingEvent =
  | { topic: typeof EventTopic.BroadcastRecordingSegment; event: EventPayloads[typeof EventTopic.BroadcastRecordingSegment] }
  | { topic: typeof EventTopic.BroadcastRecordingStopped; event: EventPayloads[typeof EventTopic.BroadcastRecordingStopped] };
export type RecordingListener = (runner: BroadcastRunner, recording: RecordingEvent) => void;
export type DestinationListener = (runner: BroadcastRunner, destination: DestinationRuntime, previous: DestinationState | null, reason: DestinationChangeReason) => void;
