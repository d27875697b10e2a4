import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BroadcastState } from '@lib-stream/broadcast-control';
import {
  BROADCAST_LEASE_MS,
  type BroadcastRuntime,
  type BroadcastSpec,
  BroadcastStopReason,
  type CameraRegistryEntry,
  EventTopic,
  InternalChannels,
  type MediaWorkerHeartbeat,
  type RecordingRuntime,
} from '@lib-stream/contracts';
import {
  BroadcastSettings,
  BroadcastTimingSettings,
  CameraIngestSettings,
  CipherProvider,
  EncryptionSettings,
  type EventBus,
  HealthRegistry,
  RecordingSettings,
  RedisSettings,
  type ServiceIdentity,
  ServiceSettings,
  loadConfig,
} from '@lib-stream/nest-kit';
import { testBroadcastRuntime, testBroadcastSpec } from '@lib-stream/testing';
import type Redis from 'ioredis';

import type { CameraRegistry } from '../ingest/camera-registry';
import type { IngestAllowList } from '../ingest/ingest-allow-list';
import type { NmsAdapter } from '../ingest/nms-adapter';
import { ProgramBus } from '../ingest/program-bus';
import { BroadcastCoordinator } from './broadcast-coordinator';
import { BroadcastStatusEvents } from './broadcast-status.events';
import type { BroadcastValidator } from './broadcast-validator';
import { realMediaProcesses } from './ffmpeg/media-processes';
import type { ScriptedMediaProcesses, ScriptedProcess } from './ffmpeg/scripted-processes';

// The coordinator's ownership rules (leases, fencing, adoption) in milliseconds: media workers that
// share one in-memory Redis, with scripted ffmpeg children and fake timers. The real-process checks
// are broadcast.int-spec.ts and the broadcast-failover e2e. What is replaced, and why:
// - BroadcastState: an in-memory one keeping the contract of its Lua scripts (broadcast-scripts.ts)
//   and of Redis's expiring keys, shared by every worker of a test (BroadcastState itself runs against a
//   real Redis in the integration specs);
// - every ffmpeg: ScriptedMediaProcesses, as the runner's unit specs do (the coordinator builds its runners
//   with the real process seam, so the module that provides it is swapped for a scripted one);
// - Bull (new broadcasts come from the queue; none do here) and the FFmpeg build report (it runs ffmpeg).
// Worker identities, config slices, the cipher, the health registry and the program bus are the real ones.

jest.mock('bull', () => ({
  __esModule: true,
  default: class {
    process(): Promise<void> {
      return new Promise<void>(() => undefined);
    }
    pause(): Promise<void> {
      return Promise.resolve();
    }
    resume(): Promise<void> {
      return Promise.resolve();
    }
    close(): Promise<void> {
      return Promise.resolve();
    }
  },
}));
jest.mock('./ffmpeg/ffmpeg-build', () => ({
  describeFfmpegBuild: () => Promise.resolve({ version: 'scripted', gpl: false, nonfree: false, encoderPresent: true, configuration: '' }),
}));
jest.mock('./ffmpeg/media-processes', () => {
  const { ScriptedMediaProcesses } = jest.requireActual<typeof import('./ffmpeg/scripted-processes')>('./ffmpeg/scripted-processes');
  return { realMediaProcesses: new ScriptedMediaProcesses() };
});

const processes = realMediaProcesses as ScriptedMediaProcesses;
const SERVICE = 'media-worker';
const DEAD = 'worker-dead';
const KEY = 'a'.repeat(64);
/** The coordinator's period of ticks (desired state, orphans) and of lease renewals. */
const TICK_MS = 1000;
/** How often a worker looks at the other owners' connections. */
const WATCH_MS = 150;
/** Time for a tick's round trips to end (a few ROUND_TRIP_MS each). */
const SETTLE_MS = 100;

/** `compute`'s value a tick later, as Redis would answer; a throw becomes a rejection. */
function answer<T>(compute: () => T): Promise<T> {
  return Promise.resolve().then(compute);
}

/**
 * A command's round trip on the fake clock: workers whose timers fire together (two ticks at the same
 * instant) have their commands in flight together, as two processes would, instead of one worker's
 * whole tick running before the other's begins.
 */
const ROUND_TRIP_MS = 1;

function roundTrip<T>(compute: () => T): Promise<T> {
  return new Promise<void>((resolve) => setTimeout(resolve, ROUND_TRIP_MS)).then(compute);
}

/** The real setImmediate (taken before the timers are faked): lets real I/O (the recordings directory's mkdir) complete. */
const realSetImmediate = setImmediate;
/** The real setTimeout: a recorder's file I/O (stat, manifest write) takes real time. */
const realSetTimeout = setTimeout;

/** `ms` on the fake clock, a step at a time, letting real file I/O complete between steps (the fake clock held meanwhile). */
async function runWithIo(ms: number, stepMs = 10): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    await new Promise((resolve) => realSetTimeout(resolve, 5));
    await run(stepMs, stepMs);
  }
}

/**
 * `promise`, with the fake clock moving a round trip at a time until it settles: start-up and shutdown
 * wait for Redis, and start-up also for the file system, which needs the real event loop to turn.
 */
async function awaitOnFakeClock<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const settled = promise.finally(() => (done = true));
  while (!done) {
    await new Promise((resolve) => realSetImmediate(resolve));
    if (!done) await jest.advanceTimersByTimeAsync(ROUND_TRIP_MS);
  }
  return settled;
}

/**
 * The broadcasts' keys in one Redis, shared by the workers of a test. Each method keeps the contract
 * of the BroadcastState method (and Lua script) of the same name; a lease is a key that expires
 * `BROADCAST_LEASE_MS` after it was set, on the (fake) clock. `connections` is what CLIENT LIST names.
 */
class SharedRedis {
  readonly specs = new Map<string, BroadcastSpec>();
  readonly runtimes = new Map<string, BroadcastRuntime>();
  readonly active = new Set<string>();
  readonly all = new Set<string>();
  readonly leases = new Map<string, { holder: string; until: number }>();
  readonly connections = new Set<string>();
  readonly beats = new Map<string, MediaWorkerHeartbeat>();
  readonly subscribers: EventEmitter[] = [];
  readonly finalized: string[] = [];

  /** A broadcast on air on a worker that died: its records and, while it has not lapsed, its lease. */
  orphan(spec: BroadcastSpec, options: { leaseLeftMs?: number; recording?: RecordingRuntime | null; owner?: string } = {}): void {
    const owner = options.owner ?? DEAD;
    this.specs.set(spec.broadcastId, spec);
    this.active.add(spec.broadcastId);
    this.all.add(spec.broadcastId);
    this.runtimes.set(spec.broadcastId, runtimeOf(spec, owner, options.recording ?? null));
    if (options.leaseLeftMs) this.leases.set(spec.broadcastId, { holder: owner, until: Date.now() + options.leaseLeftMs });
  }

  holder(id: string): string | null {
    const lease = this.leases.get(id);
    if (lease && lease.until > Date.now()) return lease.holder;
    this.leases.delete(id);
    return null;
  }

  setLease(id: string, holder: string, ms = BROADCAST_LEASE_MS): void {
    this.leases.set(id, { holder, until: Date.now() + ms });
  }

  /** SET NX: the winner of two adopters is whoever comes first. */
  adopt(id: string, worker: string): boolean {
    if (this.holder(id) !== null) return false;
    this.setLease(id, worker);
    return true;
  }

  /** broadcastTakeOver: a compare-and-set on the gone worker. */
  takeOver(id: string, gone: string, worker: string): boolean {
    if (this.holder(id) !== gone) return false;
    this.setLease(id, worker);
    return true;
  }

  /** broadcastRenew: 0 only when another worker holds the lease; writes back records Redis lost. */
  renewLease(spec: BroadcastSpec, worker: string): boolean {
    const holder = this.holder(spec.broadcastId);
    if (holder !== null && holder !== worker) return false;
    this.setLease(spec.broadcastId, worker);
    if (!this.specs.has(spec.broadcastId)) {
      this.specs.set(spec.broadcastId, spec);
      this.active.add(spec.broadcastId);
      this.all.add(spec.broadcastId);
    }
    return true;
  }

  releaseLease(id: string, worker: string): void {
    if (this.holder(id) === worker) this.leases.delete(id);
  }

  /** broadcastFinalize: out of the active set, lease gone (the records expire later). */
  finalize(spec: BroadcastSpec): void {
    this.active.delete(spec.broadcastId);
    this.leases.delete(spec.broadcastId);
    this.finalized.push(spec.broadcastId);
  }

  /** What control-api's requestChange writes: the next revision, announced to the subscribers. */
  change(id: string, mutate: (spec: BroadcastSpec) => BroadcastSpec): BroadcastSpec {
    const current = this.specs.get(id);
    if (!current) throw new Error(`no spec ${id}`);
    const next = { ...mutate(current), broadcastId: id, revision: current.revision + 1 };
    this.specs.set(id, next);
    for (const subscriber of this.subscribers) subscriber.emit('message', InternalChannels.BroadcastChanged, id);
    return next;
  }
}

/**
 * One worker's BroadcastState over the shared Redis. `unreachable`: every call fails as ioredis fails
 * commands while its connection is away (the coordinator's own state is untouched).
 */
class WorkerState {
  unreachable = false;

  constructor(private readonly redis: SharedRedis) {}

  private call<T>(compute: () => T): Promise<T> {
    return roundTrip(() => {
      if (this.unreachable) throw new Error('Connection is closed.');
      return compute();
    });
  }

  spec(id: string): Promise<BroadcastSpec | null> {
    return this.call(() => this.redis.specs.get(id) ?? null);
  }

  runtime(id: string): Promise<BroadcastRuntime | null> {
    return this.call(() => this.redis.runtimes.get(id) ?? null);
  }

  saveRuntime(runtime: BroadcastRuntime): Promise<void> {
    return this.call(() => void this.redis.runtimes.set(runtime.broadcastId, runtime));
  }

  ids(activeOnly: boolean): Promise<string[]> {
    return this.call(() => [...(activeOnly ? this.redis.active : this.redis.all)]);
  }

  forgetActive(id: string): Promise<void> {
    return this.call(() => void this.redis.active.delete(id));
  }

  leaseHolder(id: string): Promise<string | null> {
    return this.call(() => this.redis.holder(id));
  }

  leaseHolders(ids: string[]): Promise<(string | null)[]> {
    return this.call(() => ids.map((id) => this.redis.holder(id)));
  }

  adopt(id: string, worker: string): Promise<boolean> {
    return this.call(() => this.redis.adopt(id, worker));
  }

  takeOver(id: string, gone: string, worker: string): Promise<boolean> {
    return this.call(() => this.redis.takeOver(id, gone, worker));
  }

  renewLease(spec: BroadcastSpec, worker: string): Promise<boolean> {
    return this.call(() => this.redis.renewLease(spec, worker));
  }

  releaseLease(id: string, worker: string): Promise<void> {
    return this.call(() => this.redis.releaseLease(id, worker));
  }

  finalize(spec: BroadcastSpec): Promise<void> {
    return this.call(() => this.redis.finalize(spec));
  }

  heartbeat(beat: MediaWorkerHeartbeat): Promise<void> {
    return this.call(() => void this.redis.beats.set(beat.instanceId, beat));
  }

  removeHeartbeat(instanceId: string): Promise<void> {
    return this.call(() => void this.redis.beats.delete(instanceId));
  }

  peersAbleToBroadcast(selfId: string): Promise<number> {
    return this.call(() => [...this.redis.beats.values()].filter((b) => b.instanceId !== selfId && b.ffmpegAvailable && !b.draining && b.broadcastsRunning < b.maxBroadcasts).length);
  }

  connectionNames(): Promise<Set<string>> {
    return this.call(() => new Set(this.redis.connections));
  }
}

/** A worker's ioredis connection, as far as the coordinator looks at it: its status and events, and a duplicate to subscribe with. */
class FakeConnection extends EventEmitter {
  status = 'ready';
  readonly options: { connectionName?: string; enableOfflineQueue?: boolean } = {};

  constructor(private readonly redis: SharedRedis) {
    super();
  }

  duplicate(): EventEmitter {
    const subscriber = Object.assign(new EventEmitter(), {
      options: {},
      subscribe: () => answer(() => void this.redis.subscribers.push(subscriber)),
      quit: () => answer(() => void this.redis.subscribers.splice(this.redis.subscribers.indexOf(subscriber), 1)),
    });
    return subscriber;
  }
}

class FakeEvents {
  readonly published: { topic: string; event: Record<string, unknown> }[] = [];

  publish(topic: string, event: Record<string, unknown>): Promise<void> {
    return answer(() => void this.published.push({ topic, event }));
  }

  topics(): string[] {
    return this.published.map((p) => p.topic);
  }
}

function runtimeOf(spec: BroadcastSpec, workerId: string, recording: RecordingRuntime | null): BroadcastRuntime {
  return testBroadcastRuntime(spec, { workerId, recording, startedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
}

interface Worker {
  id: string;
  coordinator: BroadcastCoordinator;
  state: WorkerState;
  connection: FakeConnection;
  events: FakeEvents;
  adoptions: number;
  /** The running processes of this worker's runner of `broadcastId` (pids its runner reports). */
  running(broadcastId: string): ScriptedProcess[];
}

/** A test's media workers, their shared Redis and their recordings directory. */
class Cluster {
  readonly redis = new SharedRedis();
  readonly workers: Worker[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'coordinator-spec-'));
  private readonly config = loadConfig({
    STREAM_BROADCAST_ENABLED: 'true',
    // Broadcasting needs an executable at STREAM_FFMPEG_PATH; nothing is ever run from it here.
    STREAM_FFMPEG_PATH: process.execPath,
    STREAM_TOKEN_ENCRYPTION_KEY: KEY,
    STREAM_MAX_CONCURRENT_BROADCASTS: '2',
    // A recorder checks the free space before it starts (statfs of the real directory).
    STREAM_RECORDINGS_MIN_FREE_MB: '0',
  });
  readonly cipher = new CipherProvider(new EncryptionSettings(this.config));

  /** A broadcast of a live camera with two destinations. */
  spec(fields: Partial<BroadcastSpec> = {}): BroadcastSpec {
    const seal = (url: string) => ({ enc: this.cipher.encrypt(url) ?? '', masked: url });
    return testBroadcastSpec({
      destinations: [
        { destinationId: 'dest-one-0001', url: seal('rtmp://one.example/live/key-1') },
        { destinationId: 'dest-two-0002', url: seal('rtmp://two.example/live/key-2') },
      ],
      revision: 2,
      ...fields,
    });
  }

  /** A worker as the app module builds it, started (its timers run on the fake clock). */
  async start(id: string, maxBroadcasts = 2): Promise<Worker> {
    const config = { ...this.config, STREAM_MAX_CONCURRENT_BROADCASTS: maxBroadcasts, STREAM_RECORDINGS_DIR: this.dir };
    const state = new WorkerState(this.redis);
    const connection = new FakeConnection(this.redis);
    const events = new FakeEvents();
    const identity: ServiceIdentity = { service: SERVICE, instanceId: id, version: 'test' };
    // node-media-server has a publisher on a program path once a source ffmpeg writing there runs.
    const nms = {
      hasLivePublisher: (path: string) => processes.labelled('source ').some((p) => p.running && p.options.args.some((arg) => arg.endsWith(path))),
      forgetCachedMedia: () => undefined,
    };
    const cameras = { get: (cameraId: string) => answer(() => liveCamera(cameraId, this.cipher)) };
    const coordinator = new BroadcastCoordinator(
      new BroadcastSettings(config),
      identity,
      connection as unknown as Redis,
      state as unknown as BroadcastState,
      events as unknown as EventBus,
      new ProgramBus(new CameraIngestSettings(config), nms as unknown as NmsAdapter),
      this.cipher,
      cameras as unknown as CameraRegistry,
      {} as BroadcastValidator,
      new HealthRegistry(),
      { cameraForUrl: () => null } as unknown as IngestAllowList,
      new BroadcastTimingSettings(config),
      new RecordingSettings(config),
      new ServiceSettings(config),
      new RedisSettings(config),
    );
    const worker: Worker = {
      id,
      coordinator,
      state,
      connection,
      events,
      adoptions: 0,
      running: (broadcastId) => {
        const pids = coordinator.runner(broadcastId)?.pids();
        const live = new Set([pids?.source, ...Object.values(pids?.pushers ?? {})]);
        return processes.spawned.filter((p) => p.running && live.has(p.pid));
      },
    };
    coordinator.onAdoption(() => worker.adoptions++);
    await awaitOnFakeClock(coordinator.onApplicationBootstrap());
    this.redis.connections.add(`${SERVICE}:${id}`);
    this.workers.push(worker);
    return worker;
  }

  /** The workers that run a runner of `broadcastId`, in start order. */
  owners(broadcastId: string): string[] {
    return this.workers.filter((w) => w.coordinator.runner(broadcastId)).map((w) => w.id);
  }

  async stop(): Promise<void> {
    for (const worker of this.workers) {
      worker.state.unreachable = false;
      await awaitOnFakeClock(worker.coordinator.onApplicationShutdown());
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function liveCamera(cameraId: string, cipher: CipherProvider): CameraRegistryEntry {
  return {
    cameraId,
    source: 'ingest',
    state: 'live',
    liveSince: '2026-01-01T00:00:00.000Z',
    lastSeenAt: '2026-01-01T00:00:00.000Z',
    workerId: 'worker-ingest',
    metadata: { videoCodec: 'h264', audioCodec: 'aac', width: 1280, height: 720, fps: 30 },
    rtmpUrlEnc: cipher.encrypt(`rtmp://127.0.0.1:1935/live/${cameraId}-read-token`),
    sessionId: null,
  } as CameraRegistryEntry;
}

/** Running pusher processes per destination label, over every worker. */
function pushersOnAir(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of processes.labelled('pusher ')) if (p.running) counts.set(p.label, (counts.get(p.label) ?? 0) + 1);
  return counts;
}

/**
 * Steps the clock `ms` in `stepMs` steps, checking after each that no destination has two pushers on
 * air (two workers publishing to one platform); returns when (ms from the call) `when` first held, or
 * null (also without `when`).
 */
async function run(ms: number, stepMs = 50, when?: () => boolean): Promise<number | null> {
  let firstAt: number | null = null;
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    await jest.advanceTimersByTimeAsync(stepMs);
    const doubled = [...pushersOnAir()].filter(([, n]) => n > 1);
    if (doubled.length) throw new Error(`two workers push to ${doubled.map(([label]) => label).join(', ')} at +${elapsed + stepMs} ms`);
    if (firstAt === null && when?.()) firstAt = elapsed + stepMs;
  }
  return firstAt;
}

describe('BroadcastCoordinator adoption (in-memory Redis, scripted ffmpeg)', () => {
  let cluster: Cluster;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-01-01T01:00:00.000Z') });
    processes.spawned.splice(0);
    processes.unscripted.splice(0);
    cluster = new Cluster();
  });

  afterEach(async () => {
    await cluster.stop();
    jest.useRealTimers();
  });

  it('takes over a broadcast whose lease lapsed: on air from here at once, its start time and recording history kept', async () => {
    const spec = cluster.spec();
    const recording: RecordingRuntime = { state: 'recording', recordingId: 'rec-1', segmentSeconds: 10, segments: 4, bytes: 4000, stopReason: null };
    cluster.redis.orphan(spec, { recording });
    const a = await cluster.start('worker-a');

    await run(TICK_MS + SETTLE_MS);
    expect(cluster.redis.holder(spec.broadcastId)).toBe('worker-a');
    expect(cluster.owners(spec.broadcastId)).toEqual(['worker-a']);
    expect(a.adoptions).toBe(1);
    // Source and both destinations, and nothing probed that the spec did not script.
    expect(a.running(spec.broadcastId).map((p) => p.label)).toEqual(['source primary_stream', 'pusher dest-one', 'pusher dest-two']);
    expect(processes.unscripted).toEqual([]);
    expect(cluster.redis.runtimes.get(spec.broadcastId)).toMatchObject({ workerId: 'worker-a', startedAt: '2026-01-01T00:00:00.000Z', appliedRevision: 2, recording: { recordingId: 'rec-1', state: 'stopped', stopReason: 'worker_lost', segments: 4 } });
    // The recording the dead worker was writing ended with it: the uploader hears so from the adopter.
    const lost = a.events.published.filter((p) => p.topic === EventTopic.BroadcastRecordingStopped);
    expect(lost.map((p) => p.event)).toEqual([expect.objectContaining({ broadcastId: spec.broadcastId, recordingId: 'rec-1', workerId: DEAD, reason: 'worker_lost', segments: 4, bytes: 4000 })]);
  });

  it('leaves a broadcast alone while its owner\'s lease lives, and takes it at the first tick after it lapses', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec, { leaseLeftMs: 2500 });
    const lapsesAt = Date.now() + 2500;
    const a = await cluster.start('worker-a');

    const since = Date.now();
    const adoptedAt = since + ((await run(4 * TICK_MS, 50, () => a.coordinator.runner(spec.broadcastId) !== undefined)) ?? Infinity);
    // Ticks at +1000 and +2000 see the lease; the one at +3000 finds it gone.
    expect(adoptedAt).toBeGreaterThan(lapsesAt);
    expect(adoptedAt - since).toBeLessThanOrEqual(3 * TICK_MS + SETTLE_MS);
  });

  it('of two workers racing for an orphan, exactly one adopts it, and the other does not take it later', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    // Both start together: their ticks come at the same instants and both see no lease holder.
    const [a, b] = await Promise.all([cluster.start('worker-a'), cluster.start('worker-b')]);

    await run(TICK_MS + SETTLE_MS);
    const owners = cluster.owners(spec.broadcastId);
    expect(owners).toHaveLength(1);
    expect(cluster.redis.holder(spec.broadcastId)).toBe(owners[0]);
    expect(processes.labelled('source ')).toHaveLength(1);
    expect(a.adoptions + b.adoptions).toBe(1);

    await run(5 * TICK_MS);
    expect(cluster.owners(spec.broadcastId)).toEqual(owners);
    expect(processes.labelled('source ')).toHaveLength(1);
  });

  it('a worker whose lease another worker holds now stops its runner there, and leaves the broadcast to it', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const processesOfA = a.running(spec.broadcastId);
    expect(processesOfA).toHaveLength(3);

    // Say its lease lapsed while it was paused and worker-x adopted the broadcast (and keeps it).
    cluster.redis.setLease(spec.broadcastId, 'worker-x', 60_000);
    await run(TICK_MS + SETTLE_MS);
    expect(a.coordinator.runner(spec.broadcastId)).toBeUndefined();
    expect(processesOfA.filter((p) => p.running)).toEqual([]);
    // Not a stop of the broadcast: no stop recorded or announced, the desired state as it was.
    expect(cluster.redis.finalized).toEqual([]);
    expect(a.events.topics()).not.toContain(EventTopic.BroadcastStopped);
    expect(cluster.redis.specs.get(spec.broadcastId)?.desired).toBe('running');
    expect(cluster.redis.active.has(spec.broadcastId)).toBe(true);
    // And it does not adopt it back while worker-x holds it.
    await run(2 * TICK_MS);
    expect(a.coordinator.runner(spec.broadcastId)).toBeUndefined();
  });

  it('an owner that cannot renew its lease takes its destinations off air before the lease lapses, so the adopter never meets them', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const b = await cluster.start('worker-b');
    await run(100);

    // worker-a's commands fail (its connection still says ready: a stalled server, a network that drops packets).
    a.state.unreachable = true;
    const fencedAt = await run(4 * TICK_MS, 50, () => a.coordinator.runner(spec.broadcastId)?.isFenced === true);
    expect(a.coordinator.runner(spec.broadcastId)?.isFenced).toBe(true);
    expect(fencedAt).not.toBeNull();
    // Its source stays on the bus (a renewal puts the destinations straight back); only the pushers stopped.
    const fencedProcesses = a.running(spec.broadcastId);
    expect(fencedProcesses.map((p) => p.label)).toEqual(['source primary_stream']);
    // The lease lapsed meanwhile and worker-b took the broadcast (run() checked no destination had two pushers).
    expect(cluster.owners(spec.broadcastId)).toEqual(['worker-a', 'worker-b']);
    expect(cluster.redis.holder(spec.broadcastId)).toBe('worker-b');
    expect(b.running(spec.broadcastId).map((p) => p.label)).toEqual(['source primary_stream', 'pusher dest-one', 'pusher dest-two']);

    // worker-a's Redis is back: its renewal is refused and it lets go.
    a.state.unreachable = false;
    await run(TICK_MS + SETTLE_MS);
    expect(cluster.owners(spec.broadcastId)).toEqual(['worker-b']);
    expect(fencedProcesses.filter((p) => p.running)).toEqual([]);
  });

  it('an owner whose lease is renewed again puts its destinations back', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);

    a.state.unreachable = true;
    await run(2500);
    expect(a.coordinator.runner(spec.broadcastId)?.isFenced).toBe(true);
    // Back before anybody adopted it (nobody else is there): the next renewal is ours again.
    a.state.unreachable = false;
    await run(TICK_MS + SETTLE_MS);
    expect(a.coordinator.runner(spec.broadcastId)?.isFenced).toBe(false);
    expect(a.running(spec.broadcastId).map((p) => p.label)).toEqual(['source primary_stream', 'pusher dest-one', 'pusher dest-two']);
  });

  it('a peer takes over from an owner whose connection vanished without waiting for the lease; the owner fenced itself first', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const b = await cluster.start('worker-b');
    // worker-b sees worker-a connected before it goes.
    await run(2 * WATCH_MS);

    // worker-a's connection drops (its side sees a close; Redis no longer lists it).
    a.state.unreachable = true;
    a.connection.status = 'reconnecting';
    a.connection.emit('close');
    cluster.redis.connections.delete(`${SERVICE}:worker-a`);

    const fencedAt = await run(TICK_MS, 25, () => a.coordinator.runner(spec.broadcastId)?.isFenced === true);
    expect(fencedAt).toBeLessThanOrEqual(250);
    // Well before the lease (3 s) would have lapsed.
    expect(cluster.redis.holder(spec.broadcastId)).toBe('worker-b');
    expect(b.running(spec.broadcastId).map((p) => p.label)).toEqual(['source primary_stream', 'pusher dest-one', 'pusher dest-two']);
  });

  it('a connection closed because the server refuses connections does not fence (no peer can see anything either)', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);

    a.connection.status = 'reconnecting';
    a.connection.emit('close');
    a.connection.emit('error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
    await run(500);
    expect(a.coordinator.runner(spec.broadcastId)?.isFenced).toBe(false);
  });

  it('an owner never seen connected is not presumed dead: its broadcast waits for the lease', async () => {
    const spec = cluster.spec();
    // The owner's connection was already gone when this worker started: it may never have been on this server.
    cluster.redis.orphan(spec, { leaseLeftMs: BROADCAST_LEASE_MS });
    const lapsesAt = Date.now() + BROADCAST_LEASE_MS;
    const a = await cluster.start('worker-a');

    const since = Date.now();
    const adoptedAt = since + ((await run(4 * TICK_MS, 50, () => a.coordinator.runner(spec.broadcastId) !== undefined)) ?? Infinity);
    expect(adoptedAt).toBeGreaterThan(lapsesAt);
  });

  it('a full worker adopts no more than it may run', async () => {
    const [first, second] = [cluster.spec(), cluster.spec()];
    cluster.redis.orphan(first);
    cluster.redis.orphan(second);
    const a = await cluster.start('worker-a', 1);

    await run(3 * TICK_MS);
    expect(a.coordinator.localRunners()).toHaveLength(1);
    expect([first, second].map((s) => cluster.redis.holder(s.broadcastId)).filter((h) => h !== null)).toEqual(['worker-a']);
  });

  it('a broadcast asked to stop whose owner died before recording the stop is stopped, not put back on air', async () => {
    const spec = cluster.spec({ desired: 'stopped', stopReason: BroadcastStopReason.ConsentRevoked, revision: 3 });
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');

    await run(TICK_MS + SETTLE_MS);
    expect(processes.spawned).toEqual([]);
    expect(a.adoptions).toBe(0);
    expect(a.coordinator.runner(spec.broadcastId)).toBeUndefined();
    expect(cluster.redis.finalized).toEqual([spec.broadcastId]);
    expect(cluster.redis.holder(spec.broadcastId)).toBeNull();
    expect(cluster.redis.runtimes.get(spec.broadcastId)).toMatchObject({ stopReason: BroadcastStopReason.ConsentRevoked, health: 'stopped', stoppedAt: expect.any(String) });
    expect(a.events.published.filter((p) => p.topic === EventTopic.BroadcastStopped).map((p) => p.event.reason)).toEqual([BroadcastStopReason.ConsentRevoked]);
  });

  it('a broadcast asked to stop whose owner died recording: the lost recording is announced and its history kept', async () => {
    const spec = cluster.spec({ desired: 'stopped', stopReason: BroadcastStopReason.Manual, revision: 3 });
    const recording: RecordingRuntime = { state: 'recording', recordingId: 'rec-1', segmentSeconds: 10, segments: 4, bytes: 4000, stopReason: null };
    cluster.redis.orphan(spec, { recording });
    const a = await cluster.start('worker-a');

    await run(TICK_MS + SETTLE_MS);
    expect(cluster.redis.finalized).toEqual([spec.broadcastId]);
    // control-api finds the stop recorded (stoppedAt), so it announces nothing: the adopter must.
    const lost = a.events.published.filter((p) => p.topic === EventTopic.BroadcastRecordingStopped);
    expect(lost.map((p) => p.event)).toEqual([expect.objectContaining({ recordingId: 'rec-1', workerId: DEAD, reason: 'worker_lost', segments: 4, bytes: 4000 })]);
    expect(cluster.redis.runtimes.get(spec.broadcastId)?.recording).toMatchObject({ recordingId: 'rec-1', state: 'stopped', stopReason: 'worker_lost', segments: 4, bytes: 4000 });
  });

  it('a stopped broadcast (no longer active) is never adopted, and an active id whose records are gone is dropped', async () => {
    const stopped = cluster.spec({ desired: 'stopped', stopReason: BroadcastStopReason.Manual });
    cluster.redis.orphan(stopped);
    cluster.redis.active.delete(stopped.broadcastId);
    const gone = cluster.spec();
    cluster.redis.active.add(gone.broadcastId);
    const a = await cluster.start('worker-a');

    await run(2 * TICK_MS);
    expect(processes.spawned).toEqual([]);
    expect(a.adoptions).toBe(0);
    expect(cluster.redis.holder(stopped.broadcastId)).toBeNull();
    expect(cluster.redis.active.has(gone.broadcastId)).toBe(false);
    expect(cluster.redis.holder(gone.broadcastId)).toBeNull();
  });

  it('keeps the lease of a broadcast it is stopping until the stop is recorded: a stop that outlasts the lease is not finished again by whoever finds it ownerless', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    // Its FFmpegs take longer to stop than the lease has left (a loaded machine); the lease is not renewed meanwhile.
    const releases = a.running(spec.broadcastId).map((p) => p.holdStop());
    cluster.redis.change(spec.broadcastId, (current) => ({ ...current, desired: 'stopped', stopReason: BroadcastStopReason.Manual }));
    await run(BROADCAST_LEASE_MS + 1000);
    // Still its own: no adopter (nor control-api's ownerless finalize) takes it while it stops.
    expect(cluster.redis.holder(spec.broadcastId)).toBe('worker-a');
    for (const release of releases) release();
    await run(500);
    expect(cluster.redis.finalized).toEqual([spec.broadcastId]);
    expect(a.events.published.filter((p) => p.topic === EventTopic.BroadcastStopped)).toHaveLength(1);
    expect(cluster.redis.runtimes.get(spec.broadcastId)?.destinations.map((d) => d.state)).toEqual(['stopped', 'stopped']);
  });

  it('finishes a failed broadcast once, with its error: a change being followed as it fails does not finish it again', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const runner = a.coordinator.runner(spec.broadcastId);
    if (!runner) throw new Error('not adopted');
    // A change is being followed: its spec read is on its way (held here) when the broadcast fails.
    const read = a.state.spec.bind(a.state);
    let openRead!: () => void;
    const readHeld = new Promise<void>((resolve) => (openRead = resolve));
    let reading!: () => void;
    const readStarted = new Promise<void>((resolve) => (reading = resolve));
    a.state.spec = async (id) => {
      reading();
      await readHeld;
      return read(id);
    };
    cluster.redis.change(spec.broadcastId, (current) => current);
    await awaitOnFakeClock(readStarted);
    a.state.spec = read;
    // As the runner reports it (onTerminal): every destination failed. The failure records the stop
    // (desired stopped, reason error) and finishes the broadcast with its error.
    const failed = (a.coordinator as unknown as { fail(runner: unknown, message: string): Promise<void> }).fail(runner, 'every destination failed: refused');
    // The held read now returns that stopped spec.
    openRead();
    await awaitOnFakeClock(failed);
    await run(500);

    expect(cluster.redis.finalized).toEqual([spec.broadcastId]);
    expect(a.events.published.filter((p) => p.topic === EventTopic.BroadcastStopped)).toHaveLength(1);
    expect(cluster.redis.runtimes.get(spec.broadcastId)).toMatchObject({ health: 'stopped', stopReason: 'error', lastError: 'every destination failed: refused' });
  });

  it('writes no status while an update is being applied: the new revision shows as applied only with its interruption', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const runner = a.coordinator.runner(spec.broadcastId);
    if (!runner) throw new Error('no adopted runner');
    // The removed destination's pusher is slow to stop: the update is under way meanwhile.
    const release = processes.labelled('pusher dest-one').filter((p) => p.running)[0].holdStop();
    const next = cluster.redis.change(spec.broadcastId, (current) => ({ ...current, destinations: current.destinations.slice(1) }));
    await run(100);
    // As a status event during the update would (BroadcastStatusEvents); the fake Redis answers on the fake clock.
    void a.coordinator.saveStatus(runner);
    await run(100);
    expect(cluster.redis.runtimes.get(spec.broadcastId)?.appliedRevision).toBe(spec.revision);
    release();
    await run(100);
    expect(cluster.redis.runtimes.get(spec.broadcastId)).toMatchObject({ appliedRevision: next.revision, lastInterruption: expect.objectContaining({ destinationsRemoved: 1 }) });
  });

  it('publishes a source change in order with the destination and health events before it: one queue per broadcast for every status event', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    // As the app module builds it (its 1 s health timer left off: only the events below are judged).
    new BroadcastStatusEvents(a.coordinator, a.events as unknown as EventBus);
    await run(TICK_MS + SETTLE_MS);
    processes.last('source').progress();
    for (const pusher of processes.labelled('pusher ')) pusher.progress({ totalSizeBytes: 1000 });
    await run(100);
    // The camera dies: the cascade starts black (not on air until its first progress).
    processes.last('source').die('exited');
    await run(100);
    const before = a.events.published.length;

    // A destination drops (its event and the health change it makes, queued together), and within a
    // status write's round trip the black source is on air (another process's output: a later macrotask).
    processes.last('pusher dest-one').die('exited');
    await jest.advanceTimersByTimeAsync(0);
    processes.last('source').progress();
    await run(100);

    const after = a.events.published.slice(before).map((p) => [p.topic, p.event.state ?? p.event.health ?? p.event.currentSource]);
    expect(after).toEqual([
      [EventTopic.BroadcastDestinationChanged, 'retrying'],
      [EventTopic.BroadcastHealthChanged, 'unhealthy'],
      [EventTopic.BroadcastSourceChanged, 'black'],
    ]);
  });

  // ~300 fake-clock steps, each with a real 5 ms wait for file I/O: 1.6 s on a quiet machine, past
  // jest's default 5 s timeout on a loaded one (a full run held to one core's worth of CPU).
  it('publishes the recording events through the same queue: the status has the new segment on receipt, a destination change before it is heard first, and the recording stopped before the broadcast stopped', async () => {
    const spec = cluster.spec({ record: { enabled: true, segmentSeconds: 4 } });
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    new BroadcastStatusEvents(a.coordinator, a.events as unknown as EventBus);
    // What a subscriber that reads the status on receipt of a recording event finds there.
    const onReceipt: unknown[] = [];
    const publish = a.events.publish.bind(a.events);
    a.events.publish = (topic, event) => {
      if (topic.startsWith('stream.broadcast.recording.')) onReceipt.push(cluster.redis.runtimes.get(spec.broadcastId)?.recording);
      return publish(topic, event);
    };
    await runWithIo(TICK_MS + SETTLE_MS);
    processes.last('source').progress();
    for (const pusher of processes.labelled('pusher ')) pusher.progress({ totalSizeBytes: 1000 });
    await runWithIo(100);
    const recorder = processes.last('recorder ');
    expect(recorder.running).toBe(true);
    const recordingId = a.coordinator.runner(spec.broadcastId)?.recording()?.recordingId ?? '';
    const dir = join(cluster.dir, spec.broadcastId, recordingId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'seg-00000.ts'), Buffer.alloc(1000));
    const before = a.events.published.length;

    // A destination drops (its events queued, their status writes a round trip away) as FFmpeg lists a segment.
    processes.last('pusher dest-one').die('exited');
    recorder.sideOutput('seg-00000.ts,0.000000,4.000000');
    // The recorder adds the segment (stat, manifest write: real I/O) with the fake clock held, as a
    // round trip to Redis can take longer than that; then the clock moves on.
    while (!readFileSync(join(dir, 'manifest.json'), 'utf8').includes('seg-00000.ts')) await new Promise((resolve) => realSetTimeout(resolve, 5));
    await new Promise((resolve) => realSetImmediate(resolve));
    await runWithIo(200);
    cluster.redis.change(spec.broadcastId, (current) => ({ ...current, desired: 'stopped', stopReason: BroadcastStopReason.Manual }));
    await runWithIo(TICK_MS + 500);

    expect(onReceipt[0]).toMatchObject({ recordingId, state: 'recording', segments: 1, bytes: 1000 });
    const topics = a.events.topics().slice(before);
    expect(topics.slice(0, 3)).toEqual([EventTopic.BroadcastDestinationChanged, EventTopic.BroadcastHealthChanged, EventTopic.BroadcastRecordingSegment]);
    // The stop's last events, the recording's among them, before the broadcast's stopped event.
    expect(topics.slice(-2)).toEqual([EventTopic.BroadcastRecordingStopped, EventTopic.BroadcastStopped]);
  }, 30_000);

  it('follows the desired state after adopting: a newer revision is applied, an announcement of the same one changes nothing', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const spawned = processes.spawned.length;

    for (const subscriber of cluster.redis.subscribers) subscriber.emit('message', InternalChannels.BroadcastChanged, spec.broadcastId);
    await run(100);
    expect(processes.spawned).toHaveLength(spawned);
    expect(cluster.redis.runtimes.get(spec.broadcastId)?.lastInterruption).toBeNull();

    cluster.redis.change(spec.broadcastId, (current) => ({ ...current, destinations: current.destinations.slice(1) }));
    await run(100);
    expect(a.running(spec.broadcastId).map((p) => p.label)).toEqual(['source primary_stream', 'pusher dest-two']);
    expect(cluster.redis.runtimes.get(spec.broadcastId)?.appliedRevision).toBe(3);
  });

  it('hands its broadcasts over on shutdown: the lease is released, so a peer adopts at its next tick rather than after a lapse', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const b = await cluster.start('worker-b');
    await run(300);

    await awaitOnFakeClock(a.coordinator.onApplicationShutdown());
    cluster.workers.splice(cluster.workers.indexOf(a), 1);
    expect(cluster.redis.runtimes.get(spec.broadcastId)?.workerId).toBeNull();
    expect(cluster.redis.holder(spec.broadcastId)).toBeNull();

    const adoptedAt = await run(2 * TICK_MS, 50, () => b.coordinator.runner(spec.broadcastId) !== undefined);
    expect(adoptedAt).not.toBeNull();
    expect(adoptedAt).toBeLessThanOrEqual(TICK_MS + SETTLE_MS);
    expect(cluster.redis.holder(spec.broadcastId)).toBe('worker-b');
  });

  it('writes no status for a broadcast it has handed over: a late destination event does not put it back on this worker', async () => {
    const spec = cluster.spec();
    cluster.redis.orphan(spec);
    const a = await cluster.start('worker-a');
    await run(TICK_MS + SETTLE_MS);
    const runner = a.coordinator.runner(spec.broadcastId);
    if (!runner) throw new Error('not adopted');
    // A status event still queued behind an earlier one (BroadcastStatusEvents) writes the status once
    // the handover is recorded: as the lease is released, say.
    const release = a.state.releaseLease.bind(a.state);
    let late: Promise<void> = Promise.resolve();
    a.state.releaseLease = (id, worker) => {
      late = a.coordinator.saveStatus(runner);
      return release(id, worker);
    };

    await awaitOnFakeClock(a.coordinator.onApplicationShutdown());
    await awaitOnFakeClock(late);
    cluster.workers.splice(cluster.workers.indexOf(a), 1);
    expect(cluster.redis.runtimes.get(spec.broadcastId)).toMatchObject({ workerId: null, health: 'unhealthy' });
  });
});
