import { Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';

import {
  type BroadcastAssignmentJob,
  type BroadcastRuntime,
  BroadcastSourceType,
  type BroadcastSpec,
  BroadcastStopReason,
  type BroadcastValidationJob,
  ErrorCode,
  EventTopic,
  type MediaWorkerHeartbeat,
  RECORD_SEGMENT_SECONDS,
  broadcastSourceKey,
  toBroadcastStatusView,
} from '@lib-stream/contracts';
import { BroadcastChangeError, BroadcastRefusal, type BroadcastSnapshot, type BroadcastState, acceptedResult, refusedResult, sealUrl } from '@lib-stream/broadcast-control';
import type { BroadcastSettings, BroadcastTimingSettings, CipherProvider, EventBus, ServiceIdentity } from '@lib-stream/nest-kit';
import { TokenCipher } from '@lib-stream/stream-key';

import { BroadcastsService } from './broadcasts.service';
import type { StartBroadcastRequest, UpdateBroadcastRequest } from './dto/broadcast.dto';
import { testBroadcastRuntime } from '@lib-stream/testing';

// BroadcastsService's change rules against in-memory collaborators: no Redis, no Bull, no media worker.
// The fakes keep only what the service relies on; anything else it calls fails the test (not a function).

const assert = {
  fail(message: string): never {
    throw new Error(message);
  },
};

/** `compute`'s value a tick later, as Redis would answer; a throw becomes a rejection. */
function answer<T>(compute: () => T): Promise<T> {
  return Promise.resolve().then(compute);
}

const ID = 'bc-1';
const cipher = new TokenCipher(randomBytes(32));
const seal = (url: string) => sealUrl(cipher, url);

function specWith(overrides: Partial<BroadcastSpec> = {}): BroadcastSpec {
  return {
    broadcastId: ID,
    sourceType: BroadcastSourceType.Camera,
    video: { kind: 'camera', cameraId: 'cam-1' },
    audio: null,
    backgroundVideo: null,
    fallbackStream: seal('rtmp://fallback.example/live/fb'),
    fallbackImage: null,
    destinations: [
      { destinationId: 'd1', url: seal('rtmp://one.example/app/key1') },
      { destinationId: 'd2', url: seal('rtmp://two.example/app/key2') },
    ],
    record: { enabled: true, segmentSeconds: 30 },
    audioCodec: 'aac',
    audioBitrate: '128k',
    sourceKey: 'camera:cam-1',
    voiceRoomId: null,
    createdBy: 'acct-1',
    desired: 'running',
    stopReason: null,
    revision: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}


/**
 * BroadcastState in memory. `requestChange` follows the real contract (mutate, null = no write, a throw
 * writes nothing, revision + 1, not-found as BroadcastChangeError); a live owner applies every change
 * at once, as a media worker would, so the service's waits end on their first look.
 */
class FakeState {
  readonly specs = new Map<string, BroadcastSpec>();
  readonly runtimes = new Map<string, BroadcastRuntime>();
  readonly owned = new Set<string>();
  /** Every spec written, in order. */
  readonly writes: BroadcastSpec[] = [];
  beats: MediaWorkerHeartbeat[] = [worker()];
  finalized: string[] = [];

  put(spec: BroadcastSpec, runtime: BroadcastRuntime | null = testBroadcastRuntime(spec), ownerAlive = true): void {
    this.specs.set(spec.broadcastId, spec);
    if (runtime) this.runtimes.set(spec.broadcastId, runtime);
    if (ownerAlive) this.owned.add(spec.broadcastId);
  }

  spec(id: string): Promise<BroadcastSpec | null> {
    return answer(() => this.specs.get(id) ?? null);
  }

  runtime(id: string): Promise<BroadcastRuntime | null> {
    return answer(() => this.runtimes.get(id) ?? null);
  }

  ownerAlive(id: string): Promise<boolean> {
    return answer(() => this.owned.has(id));
  }

  snapshot(id: string): Promise<BroadcastSnapshot | null> {
    return answer(() => {
      const spec = this.specs.get(id);
      return spec ? { spec, runtime: this.runtimes.get(id) ?? null, ownerAlive: this.owned.has(id) } : null;
    });
  }

  requestChange(id: string, mutate: (spec: BroadcastSpec) => BroadcastSpec | null): Promise<BroadcastSpec | null> {
    return answer(() => this.change(id, mutate));
  }

  private change(id: string, mutate: (spec: BroadcastSpec) => BroadcastSpec | null): BroadcastSpec | null {
    const current = this.specs.get(id);
    if (!current) throw new BroadcastChangeError('not-found');
    const changed = mutate(current);
    if (!changed) return null;
    const next = { ...changed, broadcastId: id, revision: current.revision + 1 };
    this.specs.set(id, next);
    this.writes.push(next);
    if (this.owned.has(id)) {
      const runtime = this.runtimes.get(id) ?? testBroadcastRuntime(next);
      const stopped = next.desired === 'stopped' ? { stoppedAt: '2026-01-01T01:00:00.000Z', stopReason: next.stopReason, health: 'stopped' as const } : {};
      this.runtimes.set(id, { ...runtime, ...stopped, appliedRevision: next.revision, lastInterruption: { revision: next.revision, destinationsReconnected: 0, destinationsAdded: 0, destinationsRemoved: 0, sourceRestarted: false, estimatedGapMs: 0 } });
    }
    return next;
  }

  finalizeOwnerless(spec: BroadcastSpec, runtime: BroadcastRuntime): Promise<'finalized'> {
    return answer(() => {
      this.finalized.push(spec.broadcastId);
      this.runtimes.set(spec.broadcastId, runtime);
      return 'finalized' as const;
    });
  }

  workers(): Promise<MediaWorkerHeartbeat[]> {
    return answer(() => this.beats);
  }

  /** Active: not finalized yet (a requested stop stays active until its owner records it). */
  ids(activeOnly: boolean): Promise<string[]> {
    return answer(() => [...this.specs.keys(), ...this.expired].filter((id) => !activeOnly || !this.runtimes.get(id)?.stoppedAt));
  }

  /** Kept ids whose records expired (in the list of all broadcasts, no spec any more). */
  expired: string[] = [];
  forgotten: string[][] = [];

  forget(ids: string[]): Promise<void> {
    return answer(() => {
      this.forgotten.push(ids);
      this.expired = this.expired.filter((id) => !ids.includes(id));
    });
  }

  /** The active broadcast holding `sourceKey`, as the source claim and the active set tell. */
  activeHolder(sourceKey: string): Promise<string | null> {
    return answer(() => [...this.specs.values()].find((s) => s.sourceKey === sourceKey && !this.runtimes.get(s.broadcastId)?.stoppedAt)?.broadcastId ?? null);
  }
}

function worker(overrides: Partial<MediaWorkerHeartbeat> = {}): MediaWorkerHeartbeat {
  return { instanceId: 'worker-1', ffmpegAvailable: true, broadcastsRunning: 0, maxBroadcasts: 2, draining: false, updatedAt: '2026-01-01T00:00:00.000Z', ...overrides };
}

/**
 * A broadcast job queue: a media worker answers each job at once (Bull's global:completed event) with
 * `respond(job)`, by default `reply`.
 */
class FakeJobQueue<D> {
  readonly jobs: D[] = [];
  reply: unknown = { ok: true, value: null };
  respond: (job: D) => unknown = () => this.reply;
  /** Runs when a job is added, before it is answered (a concurrent writer, say). */
  onAdd: () => void = () => undefined;
  readonly client = { status: 'ready' };
  /** Bull's event subscriber: JobWaiter guards its subscribe commands (handleSubscribeRejections). */
  readonly eclient = { subscribe: () => answer(() => 1), psubscribe: () => answer(() => 1), ssubscribe: () => answer(() => 1) };
  private readonly handlers = new Map<string, (jobId: unknown, value: unknown) => void>();

  on(event: string, handler: (jobId: unknown, value: unknown) => void): this {
    this.handlers.set(event, handler);
    return this;
  }

  _registerEvent(): Promise<void> {
    return answer(() => undefined);
  }

  add(data: D, options: { jobId: string }): Promise<{ remove(): Promise<void> }> {
    return answer(() => {
      this.jobs.push(data);
      this.onAdd();
      const reply = this.respond(data);
      setImmediate(() => this.handlers.get('global:completed')?.(options.jobId, JSON.stringify(reply)));
      return { remove: () => answer(() => undefined) };
    });
  }
}

class FakeEvents {
  readonly published: { topic: string; event: Record<string, unknown> }[] = [];

  publish(topic: string, event: Record<string, unknown>): Promise<void> {
    return answer(() => {
      this.published.push({ topic, event });
    });
  }
}

interface Harness {
  service: BroadcastsService;
  state: FakeState;
  assignments: FakeJobQueue<BroadcastAssignmentJob>;
  validations: FakeJobQueue<BroadcastValidationJob>;
  events: FakeEvents;
}

function harness(options: { cipher?: TokenCipher | null } = {}): Harness {
  const state = new FakeState();
  const assignments = new FakeJobQueue<BroadcastAssignmentJob>();
  const validations = new FakeJobQueue<BroadcastValidationJob>();
  const events = new FakeEvents();
  const usedCipher = options.cipher === undefined ? cipher : options.cipher;
  const cipherProvider = {
    require: (unavailable: () => Error) => {
      if (!usedCipher) throw unavailable();
      return usedCipher;
    },
  };
  const service = new BroadcastsService(
    { probeTimeoutMs: 5000 } as BroadcastTimingSettings,
    { audioCodec: 'aac', audioBitrate: '128k' } as BroadcastSettings,
    { instanceId: 'control-api-1' } as ServiceIdentity,
    state as unknown as BroadcastState,
    events as unknown as EventBus,
    assignments as unknown as Queue<BroadcastAssignmentJob>,
    validations as unknown as Queue<BroadcastValidationJob>,
    cipherProvider as unknown as CipherProvider,
  );
  return { service, state, assignments, validations, events };
}

/** The refusal `promise` rejects with, as code and message. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = (await promise.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  )) as { code: string; message: string };
  return { code: error.code, message: error.message };
}

const update = (fields: Omit<UpdateBroadcastRequest, 'broadcastId'>) => ({ broadcastId: ID, ...fields }) as UpdateBroadcastRequest;
const plainDestinations = (spec: BroadcastSpec | undefined) => spec?.destinations.map((d) => [d.destinationId, cipher.decrypt(d.url.enc)]);

beforeAll(() => Logger.overrideLogger(false));

describe('BroadcastsService.update refuses', () => {
  it('a broadcast that does not exist (404) or is stopped (409), before probing anything', async () => {
    const { service, state, validations } = harness();
    expect(await refusal(service.update(update({ addRtmpOutputUrls: ['rtmp://new.example/app/k'] })))).toEqual({ code: ErrorCode.NotFound, message: 'Broadcast not found' });

    state.put(specWith({ desired: 'stopped', stopReason: BroadcastStopReason.Manual }));
    expect(await refusal(service.update(update({ addRtmpOutputUrls: ['rtmp://new.example/app/k'] })))).toEqual({ code: ErrorCode.Conflict, message: 'broadcast is stopped' });
    expect(validations.jobs).toEqual([]);
    expect(state.writes).toEqual([]);
  });

  it('a request that changes nothing, naming the fields it could give', async () => {
    const { service, state } = harness();
    state.put(specWith());
    const { code, message } = await refusal(service.update(update({ rtmpOutputUrl: null, backgroundVideoUrl: null, addRtmpOutputUrls: [], removeDestinationIds: [] })));
    expect(code).toBe(ErrorCode.ValidationFailed);
    expect(message).toMatch(/^nothing to change: give rtmpOutputUrl, .*removeDestinationIds or record$/);
    expect(state.writes).toEqual([]);
  });

  it('any change when the URL cipher is unusable (503): URLs are only stored encrypted', async () => {
    const { service, state } = harness({ cipher: null });
    state.put(specWith());
    const { code, message } = await refusal(service.update(update({ fallbackImageUrl: '' })));
    expect(code).toBe(ErrorCode.ServiceUnavailable);
    expect(message).toContain('STREAM_TOKEN_ENCRYPTION_KEY');
    expect(state.writes).toEqual([]);
  });

  it.each<[string, Omit<UpdateBroadcastRequest, 'broadcastId'>, string]>([
    ['removing a destination it does not have', { removeDestinationIds: ['d2', 'nope'] }, 'removeDestinationIds names unknown destinations: nope'],
    ['replacing the first destination while removing it', { rtmpOutputUrl: 'rtmp://new.example/app/k', removeDestinationIds: ['d1'] }, 'rtmpOutputUrl replaces destination d1, which removeDestinationIds removes'],
    ['removing every destination', { removeDestinationIds: ['d1', 'd2', 'd1'] }, 'the update would leave the broadcast without any destination'],
    ['more than 10 destinations', { addRtmpOutputUrls: Array.from({ length: 9 }, (_, i) => `rtmp://n${i}.example/app/k`) }, 'a broadcast has at most 10 destinations'],
    ['adding a destination it already sends to (compared in the clear)', { addRtmpOutputUrls: ['rtmp://two.example/app/key2'] }, 'the update would send to the same destination twice'],
    ['adding one URL twice', { addRtmpOutputUrls: ['rtmp://n.example/app/k', 'rtmp://n.example/app/k'] }, 'the update would send to the same destination twice'],
    ['replacing the first destination with another one it has', { rtmpOutputUrl: 'rtmp://two.example/app/key2' }, 'the update would send to the same destination twice'],
  ])('%s (400, before any worker probes a URL)', async (_, fields, problem) => {
    const { service, state, validations } = harness();
    state.put(specWith());
    const { code, message } = await refusal(service.update(update(fields)));
    expect(code).toBe(ErrorCode.ValidationFailed);
    expect(message).toContain(problem);
    expect(validations.jobs).toEqual([]);
    expect(state.writes).toEqual([]);
  });

  it('new URLs when no media worker with FFmpeg is up (503); draining ones do not count, full ones do', async () => {
    const { service, state, validations } = harness();
    state.put(specWith());
    state.beats = [worker({ ffmpegAvailable: false }), worker({ instanceId: 'worker-2', draining: true })];
    const { code, message } = await refusal(service.update(update({ fallbackImageUrl: 'https://cdn.example/brb.png' })));
    expect([code, message]).toEqual([ErrorCode.ServiceUnavailable, 'broadcasting is unavailable: no media worker with FFmpeg is running']);
    expect(validations.jobs).toEqual([]);

    // An update needs no room for a new broadcast: a full worker may probe.
    state.beats = [worker({ broadcastsRunning: 2, maxBroadcasts: 2 })];
    await expect(service.update(update({ fallbackImageUrl: 'https://cdn.example/brb.png' }))).resolves.toMatchObject({ pending: false });
  });

  it('what the media worker refuses while probing, with its code, and writes nothing', async () => {
    const { service, state, validations } = harness();
    state.put(specWith());
    validations.reply = { ok: false, status: 400, code: ErrorCode.ValidationFailed, message: 'addRtmpOutputUrls[0] did not accept a connection' };
    expect(await refusal(service.update(update({ addRtmpOutputUrls: ['rtmp://down.example/app/k'] })))).toEqual({
      code: ErrorCode.ValidationFailed,
      message: 'addRtmpOutputUrls[0] did not accept a connection',
    });
    expect(state.writes).toEqual([]);
  });

  it('a broadcast stopped while its new URLs were probed (409), and writes nothing', async () => {
    const { service, state, validations } = harness();
    state.put(specWith());
    validations.onAdd = () => state.specs.set(ID, specWith({ desired: 'stopped', stopReason: BroadcastStopReason.Manual, revision: 4 }));
    expect(await refusal(service.update(update({ addRtmpOutputUrls: ['rtmp://new.example/app/k'] })))).toEqual({ code: ErrorCode.Conflict, message: 'broadcast is stopped' });
    expect(state.writes).toEqual([]);
  });
});

describe('BroadcastsService.update applies', () => {
  it('new URLs only after a worker probed each, named by its request field, sealed as they will be stored', async () => {
    const { service, state, validations } = harness();
    state.put(specWith());
    await service.update(
      update({ rtmpOutputUrl: 'rtmp://first.example/app/new', addRtmpOutputUrls: ['rtmp://three.example/app/k3'], fallbackImageUrl: 'https://cdn.example/brb.png', fallbackStreamUrl: '' }),
    );

    const [job] = validations.jobs;
    expect(validations.jobs).toHaveLength(1);
    // A removal ("") has nothing to probe.
    expect(job.sources.map((s) => [s.role, cipher.decrypt(s.url.enc)])).toEqual([['fallbackImageUrl', 'https://cdn.example/brb.png']]);
    expect(job.destinations.map((d) => [d.field, cipher.decrypt(d.enc)])).toEqual([
      ['rtmpOutputUrl', 'rtmp://first.example/app/new'],
      ['addRtmpOutputUrls[0]', 'rtmp://three.example/app/k3'],
    ]);

    const written = state.writes[0];
    expect(state.writes).toHaveLength(1);
    // The first destination keeps its id; the probed ciphertext is what is stored.
    expect(plainDestinations(written)).toEqual([
      ['d1', 'rtmp://first.example/app/new'],
      ['d2', 'rtmp://two.example/app/key2'],
      [expect.any(String), 'rtmp://three.example/app/k3'],
    ]);
    expect(written.destinations[0].url.enc).toBe(job.destinations[0].enc);
    expect(written.fallbackImage?.enc).toBe(job.sources[0].url.enc);
    expect(written.fallbackStream).toBeNull();
  });

  it('a change with no new URL without asking a worker, one revision higher, answering with what the owner applied', async () => {
    const { service, state, validations } = harness();
    state.put(specWith());
    const answer = await service.update(update({ removeDestinationIds: ['d1'], fallbackStreamUrl: '' }));
    expect(validations.jobs).toEqual([]);
    expect(state.writes.map((s) => [s.revision, s.fallbackStream, s.destinations.map((d) => d.destinationId)])).toEqual([[4, null, ['d2']]]);
    // Unchanged: what the request did not name.
    expect(state.writes[0]).toMatchObject({ backgroundVideo: null, record: { enabled: true, segmentSeconds: 30 }, desired: 'running', createdBy: 'acct-1' });
    expect(answer).toMatchObject({ broadcastId: ID, pending: false, interruption: { revision: 4 } });
  });

  it('as pending, without an interruption, when no live worker owns the broadcast to apply it', async () => {
    const { service, state } = harness();
    state.put(specWith(), testBroadcastRuntime(specWith()), false);
    const answer = await service.update(update({ removeDestinationIds: ['d2'] }));
    expect(state.writes.map((s) => s.revision)).toEqual([4]);
    expect(answer).toMatchObject({ pending: true, interruption: null });
  });

  it('a recording change keeping the current segment length unless one is given, the default for a broadcast never recorded', async () => {
    const { service, state } = harness();
    state.put(specWith());
    await service.update(update({ record: { enabled: false } }));
    await service.update(update({ record: { enabled: true, segmentSeconds: 60 } }));
    state.put(specWith({ record: undefined }));
    await service.update(update({ record: { enabled: true } }));
    expect(state.writes.map((s) => s.record)).toEqual([
      { enabled: false, segmentSeconds: 30 },
      { enabled: true, segmentSeconds: 60 },
      { enabled: true, segmentSeconds: 10 },
    ]);
  });

  it('a first destination to a broadcast that has none left', async () => {
    const { service, state } = harness();
    state.put(specWith({ destinations: [] }));
    await service.update(update({ rtmpOutputUrl: 'rtmp://first.example/app/new' }));
    expect(plainDestinations(state.writes[0])).toEqual([[expect.any(String), 'rtmp://first.example/app/new']]);
  });
});

describe('BroadcastsService.stop', () => {
  it('asks the owner to stop (manual, one revision higher) and leaves announcing the stop to it', async () => {
    const { service, state, events } = harness();
    state.put(specWith());
    const view = await service.stop(ID);
    expect(state.writes.map((s) => [s.desired, s.stopReason, s.revision])).toEqual([['stopped', BroadcastStopReason.Manual, 4]]);
    expect(view.broadcastId).toBe(ID);
    expect(events.published).toEqual([]);
    expect(state.finalized).toEqual([]);
  });

  it('of a stopped broadcast writes nothing and keeps its first reason (idempotent)', async () => {
    const { service, state } = harness();
    const stopped = specWith({ desired: 'stopped', stopReason: BroadcastStopReason.SourceDisconnected, revision: 4 });
    state.put(stopped, testBroadcastRuntime(stopped, { stoppedAt: '2026-01-01T01:00:00.000Z', stopReason: BroadcastStopReason.SourceDisconnected }));
    await expect(service.stop(ID)).resolves.toMatchObject({ broadcastId: ID });
    expect(state.writes).toEqual([]);
    expect(state.specs.get(ID)?.stopReason).toBe(BroadcastStopReason.SourceDisconnected);
  });

  it('of a broadcast nobody owns finalizes it here and announces the stop, and the recording its dead owner lost', async () => {
    const { service, state, events } = harness();
    const recording = { state: 'recording' as const, recordingId: 'rec-1', segmentSeconds: 30, segments: 7, bytes: 7000, stopReason: null };
    state.put(specWith(), testBroadcastRuntime(specWith(), { recording }), false);
    await service.stop(ID, BroadcastStopReason.SourceDisconnected);
    expect(state.finalized).toEqual([ID]);
    expect(events.published.map(({ topic, event }) => [topic, event.reason])).toEqual([
      [EventTopic.BroadcastStopped, BroadcastStopReason.SourceDisconnected],
      [EventTopic.BroadcastRecordingStopped, 'worker_lost'],
    ]);
    expect(events.published[1].event).toMatchObject({ broadcastId: ID, recordingId: 'rec-1', workerId: 'worker-1', segments: 7, bytes: 7000 });
  });

  it('announces the reason the broadcast was first stopped with, not the later request\'s', async () => {
    const { service, state, events } = harness();
    // Stopped for a revoked consent, and its owner died before recording it.
    const stopped = specWith({ desired: 'stopped', stopReason: BroadcastStopReason.ConsentRevoked, revision: 4 });
    state.put(stopped, testBroadcastRuntime(stopped), false);
    await service.stop(ID);
    expect(state.writes).toEqual([]);
    expect(events.published.map(({ topic, event }) => [topic, event.reason])).toEqual([[EventTopic.BroadcastStopped, BroadcastStopReason.ConsentRevoked]]);
  });

  it('of a broadcast that does not exist is a 404', async () => {
    const { service } = harness();
    expect(await refusal(service.stop(ID))).toEqual({ code: ErrorCode.NotFound, message: 'Broadcast not found' });
  });

  it('by account stops only the running broadcasts that account started', async () => {
    const { service, state } = harness();
    state.put(specWith({ broadcastId: 'mine', sourceKey: 'a' }));
    // Its stop is requested but not recorded yet: still in the active set, not stopped again.
    const stopping = specWith({ broadcastId: 'mine-stopping', sourceKey: 'b', desired: 'stopped', stopReason: BroadcastStopReason.Manual });
    state.put(stopping, testBroadcastRuntime(stopping), false);
    state.put(specWith({ broadcastId: 'theirs', sourceKey: 'c', createdBy: 'acct-2' }));
    state.put(specWith({ broadcastId: 'voice', sourceKey: 'd', createdBy: null }));
    await expect(service.stopStartedBy('acct-1')).resolves.toBe(1);
    expect(state.writes.map((s) => [s.broadcastId, s.desired])).toEqual([['mine', 'stopped']]);
  });
});

const CAMERA_URL = 'rtmp://cams.example/live/cam-secret-key';
const start = (fields: Partial<StartBroadcastRequest> = {}) =>
  ({ sourceType: BroadcastSourceType.Camera, sourceId: 'cam-1', rtmpOutputUrl: 'rtmp://one.example/app/key1', ...fields }) as StartBroadcastRequest;

/** A media worker taking every new broadcast: it stores the spec as its claim does and answers with the status. */
function workerStarts(state: FakeState) {
  return ({ spec }: BroadcastAssignmentJob) => {
    state.put(spec);
    return acceptedResult(toBroadcastStatusView(spec, testBroadcastRuntime(spec), true));
  };
}

describe('BroadcastsService.start refuses', () => {
  it.each<[string, Partial<StartBroadcastRequest>, string]>([
    ['a VoiceRoom broadcast (voice events start those)', { sourceType: BroadcastSourceType.VoiceRoom, sourceId: 'room-1' }, 'VoiceRoom broadcasts are started by voice.room.broadcast.approved events'],
    ['a Camera broadcast without a source', { sourceId: undefined }, 'sourceId is required for a Camera broadcast'],
    ['a Camera source that is neither a camera id nor an RTMP URL', { sourceId: 'http://cams.example/cam' }, 'sourceId must be a camera id or an rtmp:// or rtmps:// URL'],
    ['a GameAudio broadcast without a source', { sourceType: BroadcastSourceType.GameAudio, sourceId: undefined }, 'sourceId is required for a GameAudio broadcast'],
    ['a GameAudio source that is not a media URL', { sourceType: BroadcastSourceType.GameAudio, sourceId: 'ftp://audio.example/a.mp3' }, 'for a GameAudio broadcast'],
    ['a destination given twice', { additionalRtmpOutputUrls: ['rtmp://two.example/app/k', 'rtmp://one.example/app/key1'] }, 'additionalRtmpOutputUrls repeats a destination'],
  ])('%s (400, before any worker is asked)', async (_, fields, problem) => {
    const { service, state, assignments } = harness();
    const { code, message } = await refusal(service.start(start(fields)));
    expect(code).toBe(ErrorCode.ValidationFailed);
    expect(message).toContain(problem);
    expect(assignments.jobs).toEqual([]);
    expect(state.specs.size).toBe(0);
  });

  it('any broadcast when the URL cipher is unusable (503)', async () => {
    const { service, assignments } = harness({ cipher: null });
    const { code, message } = await refusal(service.start(start()));
    expect(code).toBe(ErrorCode.ServiceUnavailable);
    expect(message).toContain('STREAM_TOKEN_ENCRYPTION_KEY');
    expect(assignments.jobs).toEqual([]);
  });

  it('when no media worker can take a new broadcast (503): none with FFmpeg, only draining ones, or every one full', async () => {
    const { service, state, assignments } = harness();
    state.beats = [worker({ ffmpegAvailable: false }), worker({ instanceId: 'worker-2', draining: true })];
    expect(await refusal(service.start(start()))).toEqual({ code: ErrorCode.ServiceUnavailable, message: 'broadcasting is unavailable: no media worker with FFmpeg is running' });

    // Unlike an update, a start needs room on some worker.
    state.beats = [worker({ broadcastsRunning: 2, maxBroadcasts: 2 }), worker({ instanceId: 'worker-2', broadcastsRunning: 1, maxBroadcasts: 1 })];
    const full = await refusal(service.start(start()));
    expect(full.code).toBe(ErrorCode.ServiceUnavailable);
    expect(full.message).toContain('STREAM_MAX_CONCURRENT_BROADCASTS');
    expect(assignments.jobs).toEqual([]);

    state.beats = [worker({ broadcastsRunning: 2, maxBroadcasts: 2 }), worker({ instanceId: 'worker-2', broadcastsRunning: 0, maxBroadcasts: 1 })];
    assignments.respond = workerStarts(state);
    await expect(service.start(start())).resolves.toMatchObject({ isActive: true });
  });

  it('a source already on air (409 naming its broadcast); a stopped broadcast of it does not count', async () => {
    const { service, state, assignments } = harness();
    const onAir = specWith({ broadcastId: 'on-air', sourceKey: broadcastSourceKey({ cameraId: 'cam-1' }) });
    state.put(onAir);
    expect(await refusal(service.start(start()))).toEqual({ code: ErrorCode.Conflict, message: 'a broadcast is already active for this source (on-air)' });
    expect(assignments.jobs).toEqual([]);

    state.runtimes.set('on-air', testBroadcastRuntime(onAir, { stoppedAt: '2026-01-01T01:00:00.000Z' }));
    assignments.respond = workerStarts(state);
    await expect(service.start(start())).resolves.toMatchObject({ isActive: true });
  });

  it('with what the media worker refused, its code and message as they are', async () => {
    const { service, assignments } = harness();
    assignments.respond = () => refusedResult(new BroadcastRefusal(ErrorCode.ValidationFailed, 'sourceId did not answer within 5 s'), 'fallback');
    expect(await refusal(service.start(start()))).toEqual({ code: ErrorCode.ValidationFailed, message: 'sourceId did not answer within 5 s' });
  });
});

describe('BroadcastsService.start', () => {
  it('queues a camera broadcast as its first desired state: running, revision 1, every URL sealed, defaults filled in', async () => {
    const { service, state, assignments } = harness();
    assignments.respond = workerStarts(state);
    const view = await service.start(
      start({ additionalRtmpOutputUrls: ['rtmp://two.example/app/key2'], fallbackImageUrl: 'https://cdn.example/brb.png', fallbackStreamUrl: null, record: { enabled: true } }),
      'acct-1',
    );

    expect(assignments.jobs).toHaveLength(1);
    const { spec } = assignments.jobs[0];
    expect(spec).toMatchObject({
      sourceType: BroadcastSourceType.Camera,
      video: { kind: 'camera', cameraId: 'cam-1' },
      audio: null,
      sourceKey: broadcastSourceKey({ cameraId: 'cam-1' }),
      backgroundVideo: null,
      fallbackStream: null,
      voiceRoomId: null,
      createdBy: 'acct-1',
      desired: 'running',
      stopReason: null,
      revision: 1,
      // BroadcastSettings' defaults; the recording's default segment length.
      audioCodec: 'aac',
      audioBitrate: '128k',
      record: { enabled: true, segmentSeconds: RECORD_SEGMENT_SECONDS.default },
    });
    expect(plainDestinations(spec)).toEqual([
      [expect.any(String), 'rtmp://one.example/app/key1'],
      [expect.any(String), 'rtmp://two.example/app/key2'],
    ]);
    expect(new Set(spec.destinations.map((d) => d.destinationId)).size).toBe(2);
    expect(cipher.decrypt(spec.fallbackImage?.enc ?? '')).toBe('https://cdn.example/brb.png');
    // Nothing in the job in the clear: the masked forms hide the stream keys.
    expect(JSON.stringify(assignments.jobs[0])).not.toContain('key1');
    // The answer is the status the worker gave.
    expect(view).toMatchObject({ broadcastId: spec.broadcastId, isActive: true, workerId: 'worker-1', revision: 1 });
  });

  it('a camera read from its RTMP URL, and game audio: sealed as the source, keyed by their URL', async () => {
    const { service, state, assignments } = harness();
    assignments.respond = workerStarts(state);
    const camera = await service.start(start({ sourceId: CAMERA_URL, audioCodec: 'libmp3lame', audioBitrate: '192k' }));
    const audio = await service.start(start({ sourceType: BroadcastSourceType.GameAudio, sourceId: 'https://audio.example/game.mp3' }));

    const [cameraSpec, audioSpec] = assignments.jobs.map((job) => job.spec);
    expect(cameraSpec.video.kind === 'url' && cipher.decrypt(cameraSpec.video.url.enc)).toBe(CAMERA_URL);
    expect(cameraSpec).toMatchObject({ audio: null, sourceKey: broadcastSourceKey({ url: CAMERA_URL }), audioCodec: 'libmp3lame', audioBitrate: '192k' });
    expect(camera.sourceId).not.toContain('cam-secret-key');

    expect(audioSpec.video).toEqual({ kind: 'none' });
    expect(cipher.decrypt(audioSpec.audio?.enc ?? '')).toBe('https://audio.example/game.mp3');
    expect(audioSpec.sourceKey).toBe(broadcastSourceKey({ url: 'https://audio.example/game.mp3' }));
    expect(audio.sourceId).toBe(audioSpec.audio?.masked);
  });

  it('answers with the stored status when the worker\'s answer is not the broadcast\'s, and 404 when there is none', async () => {
    const { service, state, assignments } = harness();
    assignments.respond = ({ spec }) => {
      state.put(spec);
      return acceptedResult(null);
    };
    const view = await service.start(start());
    expect(view).toMatchObject({ broadcastId: assignments.jobs[0].spec.broadcastId, isActive: true });

    assignments.respond = () => acceptedResult(null);
    expect(await refusal(service.start(start({ sourceId: 'cam-2' })))).toEqual({ code: ErrorCode.NotFound, message: 'Broadcast not found' });
  });
});

describe('BroadcastsService.list and status', () => {
  function threeBroadcasts(state: FakeState): void {
    state.put(specWith({ broadcastId: 'old', sourceKey: 'a', createdAt: '2026-01-01T00:00:00.000Z' }));
    state.put(specWith({ broadcastId: 'new', sourceKey: 'b', createdAt: '2026-01-03T00:00:00.000Z' }));
    const stopped = specWith({ broadcastId: 'stopped', sourceKey: 'c', createdAt: '2026-01-02T00:00:00.000Z', desired: 'stopped', stopReason: BroadcastStopReason.Manual });
    state.put(stopped, testBroadcastRuntime(stopped, { stoppedAt: '2026-01-02T01:00:00.000Z', stopReason: BroadcastStopReason.Manual, health: 'stopped' }), false);
    state.expired = ['expired'];
  }

  it('lists the active broadcasts, newest first, and forgets nothing', async () => {
    const { service, state } = harness();
    threeBroadcasts(state);
    const views = await service.list();
    expect(views.map((v) => [v.broadcastId, v.isActive])).toEqual([
      ['new', true],
      ['old', true],
    ]);
    expect(state.forgotten).toEqual([]);
  });

  it('with the stopped ones too, dropping from the kept list the ids whose records expired', async () => {
    const { service, state } = harness();
    threeBroadcasts(state);
    const views = await service.list(false);
    expect(views.map((v) => [v.broadcastId, v.isActive, v.health])).toEqual([
      ['new', true, 'healthy'],
      ['stopped', false, 'stopped'],
      ['old', true, 'healthy'],
    ]);
    expect(state.forgotten).toEqual([['expired']]);
  });

  it('status shows the owner while it holds the lease, an unhealthy broadcast without a worker when not, and 404 for none', async () => {
    const { service, state } = harness();
    state.put(specWith());
    await expect(service.status(ID)).resolves.toMatchObject({ broadcastId: ID, isActive: true, health: 'healthy', workerId: 'worker-1', revision: 3, appliedRevision: 3 });

    state.owned.delete(ID);
    await expect(service.status(ID)).resolves.toMatchObject({ broadcastId: ID, isActive: true, health: 'unhealthy', workerId: null });

    expect(await refusal(service.status('nope'))).toEqual({ code: ErrorCode.NotFound, message: 'Broadcast not found' });
  });
});
