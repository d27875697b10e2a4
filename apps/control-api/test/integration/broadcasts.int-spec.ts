import { randomBytes, randomUUID } from 'node:crypto';
import Bull from 'bull';
import Redis from 'ioredis';
import request from 'supertest';

import { BroadcastRefusal, BroadcastState, acceptedResult, refusedResult } from '@lib-stream/broadcast-control';
import {
  type BroadcastAssignmentJob,
  type BroadcastJobResult,
  BroadcastKeys,
  type BroadcastRuntime,
  type BroadcastSpec,
  type BroadcastStatusView,
  type BroadcastValidationJob,
  ErrorCode,
  EventTopic,
  InternalChannels,
  type MediaWorkerHeartbeat,
  QueueNames,
  toBroadcastStatusView,
} from '@lib-stream/contracts';
import { redisOptionsFromUrl, scanKeys } from '@lib-stream/nest-kit';
import { TokenCipher } from '@lib-stream/stream-key';
import { type TestDatabase, bearerToken, createTestDatabase, dumpRedis, expectEventually, findLeaks, present, testRedisUrl, requestIdOf, untilReady } from '@lib-stream/testing';

import { type ControlApiUnderTest, capturedLogLines, createControlApi } from './control-api.factory';

// A Redis database of its own: media-worker tests run real workers on the same queues in database 0.
const REDIS_URL = testRedisUrl();
const WORKER_ID = 'fake-media-worker-1';

const DEST_KEY = 'live_123_SECRETKEY';
const DEST_URL = `rtmp://live.example.com/app/${DEST_KEY}`;
const SECOND_KEY = 'live_456_SECRETKEY2';
const SECOND_URL = `rtmps://backup.example.com:443/live/${SECOND_KEY}`;
const THIRD_KEY = 'live_789_SECRETKEY3';
const THIRD_URL = `rtmp://third.example.com/app/${THIRD_KEY}`;
const FALLBACK_TOKEN = 'SIGNEDTOKEN123';
const FALLBACK_URL = `https://cdn.example.com/slate.png?token=${FALLBACK_TOKEN}`;
const AUDIO_KEY = 'audio_key_abc987';
const AUDIO_URL = `rtmp://audio.example.com/live/${AUDIO_KEY}`;
const SECRETS = [DEST_KEY, SECOND_KEY, THIRD_KEY, FALLBACK_TOKEN, AUDIO_KEY];

const admin = bearerToken('ops-1', ['admin']);

type StartBehaviour = (spec: BroadcastSpec) => Promise<BroadcastJobResult<BroadcastStatusView>>;
type ValidateBehaviour = (job: BroadcastValidationJob) => Promise<BroadcastJobResult<unknown>>;

/** A worker's refusal: like the real one, it completes the job with it rather than failing the job. */
function refusal(code: string, message: string): Promise<BroadcastJobResult<never>> {
  return Promise.resolve(refusedResult(new BroadcastRefusal(code as ErrorCode, message), 'unused'));
}

const accept = async (spec: BroadcastSpec, run: (spec: BroadcastSpec) => Promise<BroadcastStatusView>) => {
  try {
    return acceptedResult(await run(spec));
  } catch (error) {
    return refusedResult(error, 'the media worker could not start the broadcast');
  }
};

describe('broadcast API (with a fake media worker on the Bull queues)', () => {
  const encryptionKey = randomBytes(32);
  const cipher = new TokenCipher(encryptionKey);
  const redis = new Redis(REDIS_URL);
  /** The fake media worker's view of the broadcast state, through the library the real one uses. */
  const workerState = new BroadcastState(redis);
  const subscriber = new Redis(REDIS_URL);
  const bullOptions = { prefix: 'stream:bull', redis: redisOptionsFromUrl(REDIS_URL) };
  const assignments = new Bull<BroadcastAssignmentJob>(QueueNames.BroadcastAssignments, bullOptions);
  const validations = new Bull<BroadcastValidationJob>(QueueNames.BroadcastValidations, bullOptions);
  const responses: string[] = [];
  const stoppedEvents: { broadcastId: string; reason: string }[] = [];
  const recordingStoppedEvents: Record<string, unknown>[] = [];
  const validationJobs: BroadcastValidationJob[] = [];
  const assignmentJobs: BroadcastAssignmentJob[] = [];
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  let startBehaviour: StartBehaviour;
  let validateBehaviour: ValidateBehaviour;
  /** Broadcasts whose fake owner confirms a stop announced on the internal channel. */
  const ownedByFake = new Set<string>();

  const post = (path: string, body: object, token = admin) =>
    request(sut.app.getHttpServer())
      .post(path)
      .set('Authorization', token)
      .send(body)
      .expect((response) => void responses.push(response.text));

  async function heartbeat(overrides: Partial<MediaWorkerHeartbeat> = {}): Promise<void> {
    const beat: MediaWorkerHeartbeat = {
      instanceId: WORKER_ID,
      ffmpegAvailable: true,
      broadcastsRunning: 0,
      maxBroadcasts: 10,
      draining: false,
      updatedAt: new Date().toISOString(),
      ...overrides,
    };
    await redis.set(BroadcastKeys.worker(beat.instanceId), JSON.stringify(beat), 'EX', 600);
  }

  /** What a media worker does when it takes a job: claim the source, store the spec, report a runtime. */
  async function claimAndRun(spec: BroadcastSpec): Promise<BroadcastStatusView> {
    const now = new Date().toISOString();
    const runtime: BroadcastRuntime = {
      broadcastId: spec.broadcastId,
      workerId: WORKER_ID,
      appliedRevision: spec.revision,
      health: 'healthy',
      videoSourceType: 'primary_stream' as BroadcastRuntime['videoSourceType'],
      currentVideoSource: spec.video.kind === 'camera' ? spec.video.cameraId : 'black',
      sourceRestarts: 0,
      sourceFps: 30,
      destinations: spec.destinations.map((d) => ({
        destinationId: d.destinationId,
        rtmpOutputUrl: d.url.masked,
        state: 'live',
        lastError: null,
        retryCount: 0,
        bytesSent: 1024,
        liveSince: now,
      })),
      lastError: null,
      startedAt: now,
      stoppedAt: null,
      stopReason: null,
      lastInterruption: null,
      updatedAt: now,
    };
    const claim = await workerState.claimNew(spec, WORKER_ID);
    if (!claim.ok) throw new BroadcastRefusal(ErrorCode.Conflict, `a broadcast is already active for this source (${claim.heldBy})`);
    await workerState.saveRuntime(runtime);
    // The fake never renews its lease: it holds it for as long as the suite runs.
    await redis.pexpire(BroadcastKeys.lease(spec.broadcastId), 120_000);
    return toBroadcastStatusView(spec, runtime, true);
  }

  /** The fake owner following a stop announced on the internal channel, as a worker's finish does. */
  async function confirmStop(broadcastId: string): Promise<void> {
    const spec = await workerState.spec(broadcastId);
    if (!spec || spec.desired !== 'stopped') return;
    const runtime = present(await workerState.runtime(broadcastId), 'the fake worker runtime');
    await workerState.saveRuntime({ ...runtime, health: 'stopped', stoppedAt: new Date().toISOString(), stopReason: spec.stopReason, appliedRevision: spec.revision });
    await workerState.finalize(spec);
  }

  async function keysMatching(pattern: string): Promise<string[]> {
    return (await scanKeys(redis, pattern)).sort();
  }

  async function cleanRedis(): Promise<void> {
    const keys = [
      ...(await keysMatching('stream:bc*')),
      ...(await keysMatching('stream:media-worker:*')),
      ...(await keysMatching('stream:lock:broadcast:*')),
    ];
    if (keys.length > 0) await redis.del(...keys);
  }

  /** Everything a refused request could have left behind: broadcast records and queued jobs. */
  async function writtenState() {
    const counts = await assignments.getJobCounts();
    return { keys: await keysMatching('stream:bc*'), jobs: counts.waiting + counts.active + counts.completed + counts.failed + counts.delayed };
  }

  /** Every key of this test's database with its type and value, in key order (hash fields and set members sorted). */
  async function snapshot(): Promise<Map<string, string>> {
    const entries = new Map<string, string>();
    for (const key of await keysMatching('*')) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? JSON.stringify(Object.entries(await redis.hgetall(key)).sort())
        : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
        : type === 'set' ? JSON.stringify((await redis.smembers(key)).sort())
        : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))
        : '';
      entries.set(key, `${type} ${value}`);
    }
    return entries;
  }

  /**
   * The only keys a job may change for good: Bull's job counter (a number, bumped by every add) and
   * its stalled-check timer (rewritten every 30 s by the processing side). Neither holds job data.
   */
  const BULL_BOOKKEEPING = /^stream:bull:[^:]+:(id|stalled-check)$/;

  function changedKeys(before: Map<string, string>, after: Map<string, string>): string[] {
    return [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key) && !BULL_BOOKKEEPING.test(key)).sort();
  }

  const validStart = (overrides: object = {}) => ({ sourceType: 'Camera', sourceId: `cam-${randomBytes(4).toString('hex')}`, rtmpOutputUrl: DEST_URL, ...overrides });

  beforeAll(async () => {
    await cleanRedis();
    await Promise.all([assignments.empty(), validations.empty()]);
    await Promise.all([assignments.clean(0, 'completed'), assignments.clean(0, 'failed'), validations.clean(0, 'completed'), validations.clean(0, 'failed')]);
    db = await createTestDatabase();
    sut = await createControlApi({
      STREAM_DATABASE_URL: db.url,
      STREAM_REDIS_URL: REDIS_URL,
      STREAM_BROADCAST_ENABLED: 'true',
      STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey.toString('hex'),
      STREAM_RTMP_PROBE_TIMEOUT_SECONDS: '1',
    });
    startBehaviour = (spec) => accept(spec, claimAndRun);
    validateBehaviour = () => Promise.resolve({ ok: true, value: true });
    void assignments.process(1, (job) => {
      assignmentJobs.push(job.data);
      return startBehaviour(job.data.spec);
    });
    void validations.process(1, (job) => {
      validationJobs.push(job.data);
      return validateBehaviour(job.data);
    });
    await untilReady(subscriber);
    await subscriber.subscribe(EventTopic.BroadcastStopped, EventTopic.BroadcastRecordingStopped, InternalChannels.BroadcastChanged);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === EventTopic.BroadcastStopped) stoppedEvents.push(JSON.parse(message).data);
      if (channel === EventTopic.BroadcastRecordingStopped) recordingStoppedEvents.push(JSON.parse(message).data);
      if (channel === InternalChannels.BroadcastChanged && ownedByFake.has(message)) void confirmStop(message);
    });
  });

  afterAll(async () => {
    await sut?.app.close();
    await Promise.all([assignments.obliterate({ force: true }), validations.obliterate({ force: true })]).catch(() => undefined);
    await Promise.all([assignments.close(), validations.close()]);
    await cleanRedis();
    await subscriber.quit();
    await redis.quit();
    await db?.drop();
  });

  it('is for admins only', async () => {
    await request(sut.app.getHttpServer()).post('/stream/broadcast/start').send(validStart()).expect(401);
    const forbidden = await post('/stream/broadcast/start', validStart(), bearerToken('u1', ['user'])).expect(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    await post('/stream/broadcast/list', {}, bearerToken('u1', ['user'])).expect(403);
  });

  it('rejects invalid requests by field name, without echoing keys, and writes nothing', async () => {
    await heartbeat();
    const before = await writtenState();
    const cases: [object, string][] = [
      [{ sourceType: 'Camera', sourceId: 'cam-1' }, 'rtmpOutputUrl must be a string'],
      [validStart({ rtmpOutputUrl: `http://live.example.com/app/${DEST_KEY}` }), 'rtmpOutputUrl must be an rtmp:// or rtmps:// URL'],
      [validStart({ sourceType: 'VoiceRoom', sourceId: 'room-1' }), 'VoiceRoom broadcasts are started by voice.room.broadcast.approved events, not by this endpoint'],
      [validStart({ sourceId: undefined }), 'sourceId is required for a Camera broadcast'],
      [validStart({ sourceType: 'GameAudio', sourceId: undefined }), 'sourceId is required for a GameAudio broadcast'],
      [validStart({ sourceType: 'GameAudio', sourceId: `ftp://audio.example.com/${AUDIO_KEY}` }), 'sourceId must be an rtmp://'],
      [validStart({ sourceId: 'http://cams.example.com/x' }), 'sourceId must be a camera id or an rtmp:// or rtmps:// URL'],
      [validStart({ audioBitrate: 'loud' }), 'audioBitrate must be a bitrate such as 128k'],
      [validStart({ audioCodec: 'opus' }), 'audioCodec must be one of: aac, libmp3lame'],
      [validStart({ sourceType: 'Drone' }), 'sourceType must be one of'],
      [validStart({ fallbackImageUrl: 'slate.png' }), 'fallbackImageUrl must be an rtmp://, rtmps://, http:// or https:// URL or an absolute file path'],
      [validStart({ additionalRtmpOutputUrls: [`https://x.example.com/${SECOND_KEY}`] }), 'additionalRtmpOutputUrls[0] must be an rtmp:// or rtmps:// URL'],
      [validStart({ additionalRtmpOutputUrls: [SECOND_URL, 'rtmp://x.example.com/app'] }), 'additionalRtmpOutputUrls[1] must be an rtmp:// or rtmps:// URL with an application and a stream key'],
      // No stream key: accepted before, then published to nothing over and over.
      [validStart({ rtmpOutputUrl: 'rtmp://live.example.com/app' }), 'rtmpOutputUrl must be an rtmp:// or rtmps:// URL with an application and a stream key (rtmp://host/app/key)'],
      [validStart({ rtmpOutputUrl: 'rtmp://live.example.com/app/' }), 'rtmpOutputUrl must be an rtmp:// or rtmps:// URL with an application and a stream key'],
      [validStart({ rtmpOutputUrl: 'rtmp://live.example.com/' }), 'rtmpOutputUrl must be an rtmp:// or rtmps:// URL with an application and a stream key'],
      [validStart({ additionalRtmpOutputUrls: Array.from({ length: 10 }, (_, i) => `rtmp://h${i}.example.com/app/k`) }), 'additionalRtmpOutputUrls may hold at most 9 URLs'],
      [validStart({ additionalRtmpOutputUrls: [DEST_URL] }), 'additionalRtmpOutputUrls repeats a destination'],
      [validStart({ record: { enabled: true, segmentSeconds: 1 } }), 'record.segmentSeconds must be a whole number of seconds from 2 to 600'],
      [validStart({ record: { enabled: true, segmentSeconds: 601 } }), 'record.segmentSeconds must be a whole number of seconds from 2 to 600'],
      [validStart({ record: { enabled: true, segmentSeconds: 2.5 } }), 'record.segmentSeconds must be a whole number of seconds from 2 to 600'],
      [validStart({ record: { enabled: true, segmentSeconds: '10' } }), 'record.segmentSeconds must be a whole number'],
      [validStart({ record: { segmentSeconds: 10 } }), 'record.enabled is required (true or false)'],
      [validStart({ record: { enabled: 'yes' } }), 'record.enabled must be a boolean'],
      [validStart({ record: {} }), 'record.enabled is required (true or false)'],
      [validStart({ record: { enabled: null, segmentSeconds: 10 } }), 'record.enabled is required (true or false)'],
      [validStart({ record: { enabled: true, format: 'mp4' } }), 'property record.format should not exist'],
      [validStart({ record: true }), 'record must be an object such as {"enabled": true, "segmentSeconds": 10}'],
      [validStart({ record: [] }), 'record must be an object'],
    ];
    for (const [body, message] of cases) {
      const response = await post('/stream/broadcast/start', body).expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.message).toContain(message);
    }
    expect(responses.join('\n')).not.toContain(DEST_KEY);
    expect(await writtenState()).toEqual(before);
    await redis.del(BroadcastKeys.worker(WORKER_ID));
  });

  it('answers 503 when no media worker can broadcast, and writes nothing', async () => {
    const before = await writtenState();
    const none = await post('/stream/broadcast/start', validStart()).expect(503);
    expect(none.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'broadcasting is unavailable: no media worker with FFmpeg is running' });

    // The same refusal, each with its own request's id.
    const sameRefusal = (response: request.Response) => expect(response.body).toEqual({ ...none.body, correlationId: requestIdOf(response) });
    await heartbeat({ ffmpegAvailable: false });
    sameRefusal(await post('/stream/broadcast/start', validStart()).expect(503));
    await heartbeat({ draining: true });
    sameRefusal(await post('/stream/broadcast/start', validStart()).expect(503));

    await heartbeat({ broadcastsRunning: 2, maxBroadcasts: 2 });
    const full = await post('/stream/broadcast/start', validStart()).expect(503);
    expect(full.body.message).toContain('STREAM_MAX_CONCURRENT_BROADCASTS');
    expect(await writtenState()).toEqual(before);
  });

  describe('with a media worker', () => {
    let cameraBroadcast: BroadcastStatusView;
    let cameraId: string;

    beforeAll(() => heartbeat());

    it('starts a broadcast through the queue and answers with its status, every URL masked', async () => {
      cameraId = `cam-arena-${randomBytes(3).toString('hex')}`;
      const response = await post('/stream/broadcast/start', {
        sourceType: 'Camera',
        sourceId: cameraId,
        // Upper-case schemes are stored lower-case: FFmpeg knows no "RTMP" protocol.
        rtmpOutputUrl: DEST_URL.replace('rtmp://', 'RTMP://'),
        additionalRtmpOutputUrls: [SECOND_URL.replace('rtmps://', 'RtMpS://')],
        fallbackImageUrl: FALLBACK_URL.replace('https://', 'HTTPS://'),
        fallbackStreamUrl: null,
        record: { enabled: true, segmentSeconds: 4 },
      })
        .set('X-Request-Id', 'start-request-1')
        .expect(200);
      cameraBroadcast = response.body;
      // The request's id travels to the worker in the job, and comes back in the response header.
      expect(response.headers['x-request-id']).toBe('start-request-1');
      expect(assignmentJobs.find((job) => job.spec.broadcastId === cameraBroadcast.broadcastId)?.correlationId).toBe('start-request-1');
      expect(cameraBroadcast).toMatchObject({
        sourceType: 'Camera',
        sourceId: cameraId,
        isActive: true,
        health: 'healthy',
        rtmpOutputUrl: 'rtmp://live.example.com/app/****',
        fallbackImageUrl: 'https://cdn.example.com/slate.png',
        fallbackStreamUrl: null,
        backgroundVideoUrl: null,
        workerId: WORKER_ID,
        revision: 1,
      });
      expect(cameraBroadcast.destinations.map((d) => d.rtmpOutputUrl)).toEqual(['rtmp://live.example.com/app/****', 'rtmps://backup.example.com:443/live/****']);

      const spec = JSON.parse((await redis.get(BroadcastKeys.spec(cameraBroadcast.broadcastId))) ?? 'null') as BroadcastSpec;
      expect(spec).toMatchObject({ video: { kind: 'camera', cameraId }, audio: null, audioCodec: 'aac', audioBitrate: '128k', desired: 'running', voiceRoomId: null, record: { enabled: true, segmentSeconds: 4 } });
      expect(spec.destinations.map((d) => cipher.decrypt(d.url.enc))).toEqual([DEST_URL, SECOND_URL]);
      expect(cipher.decrypt(spec.fallbackImage?.enc ?? '')).toBe(FALLBACK_URL);
      expect(spec.sourceKey).toMatch(/^[0-9a-f]{64}$/);
      // Answered jobs are gone at once: the answer travelled in Bull's completed event.
      expect(await assignments.getJob(cameraBroadcast.broadcastId)).toBeNull();
    });

    it('refuses a second broadcast of the same source while the first is active (409)', async () => {
      const before = await writtenState();
      const response = await post('/stream/broadcast/start', { sourceType: 'Camera', sourceId: cameraId, rtmpOutputUrl: THIRD_URL }).expect(409);
      expect(response.body).toEqual({ statusCode: 409, code: 'CONFLICT', message: `a broadcast is already active for this source (${cameraBroadcast.broadcastId})`, correlationId: requestIdOf(response) });
      expect(await writtenState()).toEqual(before);
    });

    it("answers with the worker's error when it refuses the broadcast", async () => {
      startBehaviour = () => refusal('VALIDATION_FAILED', 'rtmpOutputUrl rtmp://live.example.com/app/**** is not usable: connection refused');
      const refused = await post('/stream/broadcast/start', validStart()).expect(400);
      expect(refused.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'rtmpOutputUrl rtmp://live.example.com/app/**** is not usable: connection refused', correlationId: requestIdOf(refused) });

      startBehaviour = () => Promise.reject(new Error('ffmpeg exited with signal SIGSEGV'));
      const crashed = await post('/stream/broadcast/start', validStart()).expect(503);
      expect(crashed.body.message).toBe('the media worker could not start the broadcast');
      startBehaviour = (spec) => accept(spec, claimAndRun);
    });

    it('leaves Redis exactly as it was once a refused start or update is answered: no job, spec, URL or stack trace', async () => {
      const before = await snapshot();
      startBehaviour = () => refusal('VALIDATION_FAILED', 'rtmpOutputUrl rtmp://live.example.com/app/**** is not usable: connection refused');
      await post('/stream/broadcast/start', validStart({ additionalRtmpOutputUrls: [SECOND_URL], fallbackImageUrl: FALLBACK_URL })).expect(400);
      startBehaviour = () => Promise.resolve({ ok: false, status: 409, code: 'CONFLICT', message: 'a broadcast is already active for this source (x)' });
      await post('/stream/broadcast/start', validStart()).expect(409);
      // A crash fails the Bull job; it is removed all the same, with its stack trace.
      startBehaviour = () => Promise.reject(new Error(`ffmpeg crashed at /srv/app/dist/main.js:1:1 sending to ${DEST_URL}`));
      await post('/stream/broadcast/start', validStart()).expect(503);
      validateBehaviour = () => refusal('VALIDATION_FAILED', 'rtmpOutputUrl rtmp://third.example.com/app/**** is not usable: no RTMP server answers');
      await post('/stream/broadcast/update', { broadcastId: cameraBroadcast.broadcastId, addRtmpOutputUrls: [THIRD_URL] }).expect(400);
      startBehaviour = (spec) => accept(spec, claimAndRun);
      validateBehaviour = () => Promise.resolve({ ok: true, value: true });

      const after = await snapshot();
      expect(changedKeys(before, after)).toEqual([]);
      expect([...after.values()].join('\n')).not.toContain('/srv/app');
      for (const queue of [assignments, validations]) expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    });

    it('keeps no job data once an accepted start and its stop are answered: only the broadcast records change', async () => {
      const before = await snapshot();
      const started = await post('/stream/broadcast/start', validStart({ rtmpOutputUrl: THIRD_URL })).expect(200);
      ownedByFake.add(started.body.broadcastId);
      await post('/stream/broadcast/stop', { broadcastId: started.body.broadcastId }).expect(200);
      const changed = changedKeys(before, await snapshot());
      expect(changed.filter((key) => !key.startsWith('stream:bc'))).toEqual([]);
      expect(changed).toContain(BroadcastKeys.spec(started.body.broadcastId));
      expect(await assignments.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    });

    it('answers 503 and withdraws the job when no worker takes it within 10 s', async () => {
      await assignments.pause(true);
      try {
        const response = await post('/stream/broadcast/start', validStart()).expect(503);
        expect(response.body.message).toBe('no media worker took the broadcast within 10 s');
        expect((await assignments.getJobCounts()).waiting).toBe(0);
      } finally {
        await assignments.resume(true);
      }
    }, 20_000);

    it('shows status and lists broadcasts newest first; 404 for an unknown id', async () => {
      const audio = await post('/stream/broadcast/start', {
        sourceType: 'GameAudio',
        sourceId: AUDIO_URL,
        rtmpOutputUrl: THIRD_URL,
        backgroundVideoUrl: '/opt/backgrounds/arena.mp4',
        audioCodec: 'libmp3lame',
        audioBitrate: '192k',
      }).expect(200);
      expect(audio.body).toMatchObject({ sourceType: 'GameAudio', sourceId: 'rtmp://audio.example.com/live/****', backgroundVideoUrl: '/opt/backgrounds/arena.mp4' });

      const status = await post('/stream/broadcast/status', { broadcastId: cameraBroadcast.broadcastId }).expect(200);
      expect(status.body).toMatchObject({ broadcastId: cameraBroadcast.broadcastId, isActive: true, health: 'healthy', rtmpOutputUrl: 'rtmp://live.example.com/app/****' });

      const list = await post('/stream/broadcast/list', {}).expect(200);
      const ids = list.body.broadcasts.map((b: BroadcastStatusView) => b.broadcastId);
      expect(ids.indexOf(audio.body.broadcastId)).toBeLessThan(ids.indexOf(cameraBroadcast.broadcastId));
      expect(ids.indexOf(cameraBroadcast.broadcastId)).toBeGreaterThanOrEqual(0);

      await post('/stream/broadcast/status', { broadcastId: randomUUID() }).expect(404);
      const bad = await post('/stream/broadcast/status', { broadcastId: 'nope' }).expect(400);
      expect(bad.body.message).toBe('broadcastId must be a broadcast id (UUID)');
      await post('/stream/broadcast/stop', { broadcastId: randomUUID() }).expect(404);
      await post('/stream/broadcast/update', { broadcastId: randomUUID(), fallbackImageUrl: '' }).expect(404);
    });

    it("shows no worker and unhealthy as soon as the owner's lease lapsed or a peer took it over", async () => {
      const { broadcastId } = cameraBroadcast;
      const view = async () => (await post('/stream/broadcast/status', { broadcastId }).expect(200)).body as BroadcastStatusView;
      expect(await view()).toMatchObject({ health: 'healthy', workerId: WORKER_ID });
      try {
        // A peer adopted it and has not written its record yet: the old worker's "healthy" is nobody's.
        await redis.set(BroadcastKeys.lease(broadcastId), 'fake-media-worker-2', 'PX', 120_000);
        expect(await view()).toMatchObject({ isActive: true, health: 'unhealthy', workerId: null });
        // The lease lapses (the worker died): unhealthy at the first read after it, not later.
        await redis.set(BroadcastKeys.lease(broadcastId), WORKER_ID, 'PX', 300);
        expect(await view()).toMatchObject({ health: 'healthy', workerId: WORKER_ID });
        await new Promise((resolve) => setTimeout(resolve, 350));
        expect(await view()).toMatchObject({ isActive: true, health: 'unhealthy', workerId: null });
      } finally {
        await redis.set(BroadcastKeys.lease(broadcastId), WORKER_ID, 'PX', 120_000);
      }
    });

    it('refuses an update the worker cannot validate, and leaves the broadcast unchanged', async () => {
      const { broadcastId } = cameraBroadcast;
      const specBefore = await redis.get(BroadcastKeys.spec(broadcastId));
      validateBehaviour = () => refusal('VALIDATION_FAILED', 'rtmpOutputUrl rtmp://third.example.com/app/**** is not usable: no RTMP server answers');
      const response = await post('/stream/broadcast/update', { broadcastId, addRtmpOutputUrls: [THIRD_URL.replace('rtmp://', 'RTMP://')], fallbackStreamUrl: AUDIO_URL }).expect(400);
      expect(response.body.message).toBe('rtmpOutputUrl rtmp://third.example.com/app/**** is not usable: no RTMP server answers');
      expect(await redis.get(BroadcastKeys.spec(broadcastId))).toBe(specBefore);
      const job = validationJobs.at(-1);
      expect(job?.sources).toEqual([{ role: 'fallbackStreamUrl', url: { enc: expect.any(String), masked: 'rtmp://audio.example.com/live/****' } }]);
      expect(job?.destinations.map((d) => cipher.decrypt(d.enc))).toEqual([THIRD_URL]);
      // The worker names the field in its refusal (a dead added URL is not "rtmpOutputUrl").
      expect(job?.destinations).toEqual([{ enc: expect.any(String), masked: 'rtmp://third.example.com/app/****', field: 'addRtmpOutputUrls[0]' }]);
      validateBehaviour = () => Promise.resolve({ ok: true, value: true });

      const nothing = await post('/stream/broadcast/update', { broadcastId }).expect(400);
      expect(nothing.body.message).toContain('nothing to change');
      const unknown = randomUUID();
      const unknownRemoval = await post('/stream/broadcast/update', { broadcastId, removeDestinationIds: [unknown] }).expect(400);
      expect(unknownRemoval.body.message).toBe(`removeDestinationIds names unknown destinations: ${unknown}`);
      const all = cameraBroadcast.destinations.map((d) => d.destinationId);
      const empty = await post('/stream/broadcast/update', { broadcastId, removeDestinationIds: all }).expect(400);
      expect(empty.body.message).toContain('without any destination');
      const duplicate = await post('/stream/broadcast/update', { broadcastId, addRtmpOutputUrls: [SECOND_URL] }).expect(400);
      expect(duplicate.body.message).toContain('same destination twice');
      const badField = await post('/stream/broadcast/update', { broadcastId, rtmpOutputUrl: 'http://x.example.com/a' }).expect(400);
      expect(badField.body.message).toBe('rtmpOutputUrl must be an rtmp:// or rtmps:// URL with an application and a stream key (rtmp://host/app/key)');
      const badAdded = await post('/stream/broadcast/update', { broadcastId, addRtmpOutputUrls: [THIRD_URL, 'rtmp://x.example.com/app'] }).expect(400);
      expect(badAdded.body.message).toBe('addRtmpOutputUrls[1] must be an rtmp:// or rtmps:// URL with an application and a stream key (rtmp://host/app/key)');
      expect(await redis.get(BroadcastKeys.spec(broadcastId))).toBe(specBefore);
    });

    it('applies a validated update to the desired state and tells the owner', async () => {
      const { broadcastId } = cameraBroadcast;
      const announced: string[] = [];
      const listener = (channel: string, message: string) => channel === InternalChannels.BroadcastChanged && message === broadcastId && announced.push(message);
      subscriber.on('message', listener);
      try {
        const removed = cameraBroadcast.destinations[1].destinationId;
        // No owner applies it here, so the answer says it is pending once the confirmation wait ends.
        await redis.del(BroadcastKeys.lease(broadcastId));
        const badRecord = await post('/stream/broadcast/update', { broadcastId, record: { enabled: true, segmentSeconds: 0 } }).expect(400);
        expect(badRecord.body.message).toBe('record.segmentSeconds must be a whole number of seconds from 2 to 600');
        // No segmentSeconds: the current one is kept.
        const response = await post('/stream/broadcast/update', { broadcastId, addRtmpOutputUrls: [THIRD_URL], removeDestinationIds: [removed], fallbackImageUrl: '', record: { enabled: false } }).expect(200);
        expect(response.body).toMatchObject({ broadcastId, revision: 2, appliedRevision: 1, fallbackImageUrl: null, interruption: null, pending: true });
        expect(response.body.recording).toMatchObject({ enabled: false, segmentSeconds: 4 });
        expect(response.body.destinations.map((d: { rtmpOutputUrl: string }) => d.rtmpOutputUrl)).toEqual(['rtmp://live.example.com/app/****', 'rtmp://third.example.com/app/****']);
        const spec = JSON.parse((await redis.get(BroadcastKeys.spec(broadcastId))) ?? 'null') as BroadcastSpec;
        expect(spec.revision).toBe(2);
        expect(spec.record).toEqual({ enabled: false, segmentSeconds: 4 });
        expect(spec.destinations.map((d) => cipher.decrypt(d.url.enc))).toEqual([DEST_URL, THIRD_URL]);
        expect(validationJobs.at(-1)?.correlationId).toBe(requestIdOf(response));
        await expectEventually(() => expect(announced).toEqual([broadcastId]));
      } finally {
        subscriber.off('message', listener);
        await redis.set(BroadcastKeys.lease(broadcastId), WORKER_ID, 'PX', 120_000);
      }
    });

    it('stops a broadcast whose owner confirms the stop', async () => {
      const started = await post('/stream/broadcast/start', validStart({ rtmpOutputUrl: SECOND_URL })).expect(200);
      ownedByFake.add(started.body.broadcastId);
      const stopped = await post('/stream/broadcast/stop', { broadcastId: started.body.broadcastId }).expect(200);
      expect(stopped.body).toMatchObject({ isActive: false, health: 'stopped', stopReason: 'manual', revision: 2 });
      expect(await redis.sismember(BroadcastKeys.active(), started.body.broadcastId)).toBe(0);
    });

    it('cleanup-by-account stops the broadcasts that account started, and only those', async () => {
      const leaving = bearerToken('ops-leaving', ['admin']);
      const otherAdmin = bearerToken('ops-2', ['admin']);
      const mine = await post('/stream/broadcast/start', validStart(), leaving).expect(200);
      const theirs = await post('/stream/broadcast/start', validStart(), otherAdmin).expect(200);
      for (const id of [mine.body.broadcastId, theirs.body.broadcastId]) ownedByFake.add(id);
      const spec = JSON.parse((await redis.get(BroadcastKeys.spec(mine.body.broadcastId))) ?? 'null') as BroadcastSpec;
      expect(spec.createdBy).toBe('ops-leaving');

      const cleanup = await post('/stream/cleanup-by-account', { accountId: 'ops-leaving' }).expect(200);
      expect(cleanup.body.broadcastsStopped).toBe(1);
      expect((await post('/stream/broadcast/status', { broadcastId: mine.body.broadcastId }).expect(200)).body).toMatchObject({ isActive: false, stopReason: 'manual' });
      expect((await post('/stream/broadcast/status', { broadcastId: theirs.body.broadcastId }).expect(200)).body.isActive).toBe(true);
      expect((await post('/stream/cleanup-by-account', { accountId: 'ops-leaving' }).expect(200)).body.broadcastsStopped).toBe(0);
      await post('/stream/broadcast/stop', { broadcastId: theirs.body.broadcastId }).expect(200);
    });

    it('finalizes the stop itself when the broadcast has no owner: event, status stopped, gone from the active list', async () => {
      const { broadcastId } = cameraBroadcast;
      const spec = JSON.parse((await redis.get(BroadcastKeys.spec(broadcastId))) ?? 'null') as BroadcastSpec;
      await redis.del(BroadcastKeys.lease(broadcastId)); // its worker died, nobody adopted it yet
      // It died recording.
      const last = JSON.parse((await redis.get(BroadcastKeys.runtime(broadcastId))) ?? '{}') as BroadcastRuntime;
      const recording = { state: 'recording', recordingId: 'rec-1', segmentSeconds: 4, segments: 7, bytes: 7000, stopReason: null } as const;
      await redis.set(BroadcastKeys.runtime(broadcastId), JSON.stringify({ ...last, broadcastId, recording }));
      const response = await post('/stream/broadcast/stop', { broadcastId }).expect(200);
      expect(response.body.recording).toMatchObject({ state: 'stopped', stopReason: 'worker_lost', recordingId: 'rec-1', segments: 7, bytes: 7000 });
      expect(response.body).toMatchObject({ broadcastId, isActive: false, health: 'stopped', stopReason: 'manual', workerId: null, stoppedAt: expect.any(String) });
      await expectEventually(() => expect(stoppedEvents).toContainEqual(expect.objectContaining({ broadcastId, reason: 'manual', eventId: expect.any(String) })));

      expect(await redis.sismember(BroadcastKeys.active(), broadcastId)).toBe(0);
      expect(await redis.get(BroadcastKeys.sourceClaim(spec.sourceKey))).toBeNull();
      expect(await redis.ttl(BroadcastKeys.spec(broadcastId))).toBeGreaterThan(3500);
      expect(await redis.ttl(BroadcastKeys.runtime(broadcastId))).toBeGreaterThan(3500);

      const status = await post('/stream/broadcast/status', { broadcastId }).expect(200);
      expect(status.body).toMatchObject({ isActive: false, health: 'stopped' });
      // Its worker last wrote them live; a stopped broadcast pushes nothing.
      expect(status.body.destinations.map((d: { state: string }) => d.state)).toEqual(['stopped', 'stopped']);
      const active = await post('/stream/broadcast/list', {}).expect(200);
      expect(active.body.broadcasts.map((b: BroadcastStatusView) => b.broadcastId)).not.toContain(broadcastId);
      const all = await post('/stream/broadcast/list', { activeOnly: false }).expect(200);
      expect(all.body.broadcasts.map((b: BroadcastStatusView) => b.broadcastId)).toContain(broadcastId);

      // Idempotent: a second stop answers the same, with no second event.
      const again = await post('/stream/broadcast/stop', { broadcastId }).expect(200);
      expect(again.body).toMatchObject({ isActive: false, health: 'stopped' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stoppedEvents.filter((e) => e.broadcastId === broadcastId)).toHaveLength(1);
      // The recording its worker was writing ended with it: the uploader hears so, once.
      expect(recordingStoppedEvents.filter((e) => e.broadcastId === broadcastId)).toEqual([
        expect.objectContaining({ recordingId: 'rec-1', workerId: WORKER_ID, reason: 'worker_lost', segments: 7, bytes: 7000, eventId: expect.any(String) }),
      ]);

      const update = await post('/stream/broadcast/update', { broadcastId, fallbackImageUrl: '' }).expect(409);
      expect(update.body.message).toBe('broadcast is stopped');

      // The source is free again.
      await post('/stream/broadcast/start', { sourceType: 'Camera', sourceId: cameraId, rtmpOutputUrl: DEST_URL }).expect(200);
    });

    it('leaves no stream key or signed-URL token in Redis, responses or logs', async () => {
      const places = { redis: await dumpRedis(redis), responses: responses.join('\n'), logs: capturedLogLines.join('') };
      expect(places.redis).toContain('stream:bc:');
      expect(findLeaks(places, SECRETS)).toEqual({});
    });
  });
});

describe('broadcast API when it cannot run', () => {
  const redis = new Redis(REDIS_URL);
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await redis.del(BroadcastKeys.worker(WORKER_ID));
    await redis.quit();
    await db?.drop();
  });

  async function withApp(env: Record<string, string>, work: (sut: ControlApiUnderTest) => Promise<void>): Promise<void> {
    const sut = await createControlApi({ STREAM_DATABASE_URL: db.url, STREAM_REDIS_URL: REDIS_URL, ...env });
    try {
      await work(sut);
    } finally {
      await sut.app.close();
    }
  }

  it('answers 503 FEATURE_DISABLED naming the setting when STREAM_BROADCAST_ENABLED=false (before validating the body)', async () => {
    await withApp({ STREAM_BROADCAST_ENABLED: 'false', STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') }, async (sut) => {
      const server = sut.app.getHttpServer();
      for (const [path, body] of [
        ['/stream/broadcast/start', { sourceType: 'Camera', sourceId: 'cam-1', rtmpOutputUrl: DEST_URL }],
        ['/stream/broadcast/start', {}],
        ['/stream/broadcast/list', {}],
      ] as const) {
        const response = await request(server).post(path).set('Authorization', admin).send(body).expect(503);
        expect(response.body.code).toBe('FEATURE_DISABLED');
        expect(response.body.message).toContain('STREAM_BROADCAST_ENABLED');
      }
      await request(server).post('/stream/broadcast/list').set('Authorization', bearerToken('u1', ['user'])).send({}).expect(403);
    });
  });

  it('answers 503 naming STREAM_TOKEN_ENCRYPTION_KEY when URLs cannot be stored encrypted', async () => {
    await redis.set(BroadcastKeys.worker(WORKER_ID), JSON.stringify({ instanceId: WORKER_ID, ffmpegAvailable: true, broadcastsRunning: 0, maxBroadcasts: 10, draining: false, updatedAt: new Date().toISOString() }), 'EX', 60);
    await withApp({ STREAM_BROADCAST_ENABLED: 'true' }, async (sut) => {
      const response = await request(sut.app.getHttpServer())
        .post('/stream/broadcast/start')
        .set('Authorization', admin)
        .send({ sourceType: 'Camera', sourceId: 'cam-1', rtmpOutputUrl: DEST_URL })
        .expect(503);
      expect(response.body.code).toBe('SERVICE_UNAVAILABLE');
      expect(response.body.message).toContain('STREAM_TOKEN_ENCRYPTION_KEY');
    });
  });
});
