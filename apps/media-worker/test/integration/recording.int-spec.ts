import type { INestApplication } from '@nestjs/common';
import type Bull from 'bull';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Redis from 'ioredis';

import {
  type BroadcastAssignmentJob,
  BroadcastKeys,
  type BroadcastSpec,
  type BroadcastStatusView,
  CameraKeys,
  VideoSourceType,
  broadcastSourceKey,
} from '@lib-stream/contracts';
import {
  type FfmpegPublisher,
  type ReceivedEvent,
  type RtmpPlatform,
  expectEventually,
  freePort,
  present,
  recordEvents,
  startRtmpPlatform,
  startRtmpPublisher,
  testBroadcastSpec,
} from '@lib-stream/testing';

import type { RecordingManifest } from '../../src/broadcast/recording/manifest';
import { broadcastQueue, controlSide, registerCamera, startMediaWorker, submitBroadcast } from './media-worker.factory';

const execFileAsync = promisify(execFile);

/** Tiny cameras and 2 s segments: the suite is CPU-bound on two cores. */
const CAMERA = { size: '320x180', rate: 15 };
const SEGMENT_SECONDS = 2;
/** The disk-guard threshold: the recordings directory is a tmpfs of RECORDINGS_FS_MB when this process may mount one. */
const MIN_FREE_MB = 4;
const RECORDINGS_FS_MB = 24;
/** Retention's size limit: below what the suite records, so only what retention keeps (recent, being written) stays. */
const MAX_TOTAL_MB = 1;
const ROOT = process.getuid?.() === 0;

interface SegmentProbe {
  /** Frame sizes decoded, e.g. ['320x180']. */
  sizes: string[];
  codecs: string[];
  duration: number;
  /** Lines FFmpeg's decoder complained with over the whole file (an SPS that does not fit the frames shows here). */
  decodeErrors: number;
  /**
   * Every frame is black (no luma above 40): the cascade's last level, which takes the camera's size
   * once a camera was seen. The test cameras' pattern is never dark.
   */
  black: boolean;
}

/**
 * What a player makes of one segment file: ffprobe for streams and frame sizes, a full decode (both
 * streams) for errors that also measures each frame's peak luma. Two processes, run together: most
 * of a probe's cost is FFmpeg's start-up, and the suite probes dozens of segments.
 */
async function probeSegment(path: string): Promise<SegmentProbe> {
  const [probed, decoded] = await Promise.all([
    execFileAsync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,codec_type:format=duration:frame=media_type,width,height', '-of', 'json', path]),
    // Decoder complaints go to stderr (-v error), the luma peaks to stdout (the metadata filter's file).
    execFileAsync('ffmpeg', ['-v', 'error', '-i', path, '-vf', 'signalstats,metadata=mode=print:key=lavfi.signalstats.YMAX:file=-', '-f', 'null', '-']),
  ]);
  const info = JSON.parse(probed.stdout) as { streams: { codec_name: string; codec_type: string }[]; frames: { media_type: string; width?: number; height?: number }[]; format: { duration: string } };
  const peaks = [...decoded.stdout.matchAll(/YMAX=(\d+)/g)].map((m) => Number(m[1]));
  return {
    sizes: [...new Set(info.frames.filter((f) => f.media_type === 'video').map((f) => `${f.width}x${f.height}`))],
    codecs: info.streams.filter((s) => s.codec_type === 'video' || s.codec_type === 'audio').map((s) => s.codec_name).sort(),
    duration: Number(info.format.duration),
    decodeErrors: decoded.stderr.split('\n').filter(Boolean).length,
    black: peaks.length > 0 && peaks.every((peak) => peak <= 40),
  };
}

/** Segments probed at once: the probes run beside live broadcasts on two cores. */
const PROBES_AT_ONCE = 2;
const probeSlots = { free: PROBES_AT_ONCE, waiting: [] as (() => void)[] };
/** A segment's probe, once per file: an announced segment is complete and never changes. */
const probed = new Map<string, Promise<SegmentProbe>>();

function probeOnce(path: string): Promise<SegmentProbe> {
  let probe = probed.get(path);
  if (!probe) {
    probe = (async () => {
      if (probeSlots.free > 0) probeSlots.free--;
      else await new Promise<void>((resolve) => probeSlots.waiting.push(resolve));
      try {
        return await probeSegment(path);
      } finally {
        const next = probeSlots.waiting.shift();
        if (next) next();
        else probeSlots.free++;
      }
    })();
    probed.set(path, probe);
    probe.catch(() => probed.delete(path)); // a failed probe is tried again
  }
  return probe;
}

// One media worker in this process (real node-media-server, FFmpeg source, pusher and recorder), a
// fake platform as the destination and the fallback stream's server, real Redis; recordings on a
// small tmpfs when this process may mount one (root), so the disk guard meets a really full disk.
describe('broadcast recordings', () => {
  /** control-api's part: the desired state, its URLs sealed, the worker's runtime record read back. */
  const { redis, control, encryptionKey, seal, runtime } = controlSide();
  let subscriber: Redis;
  const events: ReceivedEvent[] = [];
  const logLines: string[] = [];
  const publishers: FfmpegPublisher[] = [];
  const recordingsDir = join(tmpdir(), `lib-stream-recordings-${process.pid}`);
  const dataDir = join(tmpdir(), `lib-stream-test-rec-${process.pid}`);
  /** Each broadcast its own destination key (a platform keeps a path reserved a while after its publisher left). */
  const destinationKeys: string[] = [];
  let appClosed = false;
  let tmpfs = false;
  let platform: RtmpPlatform;
  let app: INestApplication;
  let queue: Bull.Queue<BroadcastAssignmentJob>;
  let port: number;

  const eventsOf = (channel: string, broadcastId: string) => events.filter((e) => e.channel === channel && e.data.broadcastId === broadcastId);
  const segmentEvents = (broadcastId: string) => eventsOf('stream.broadcast.recording.segment', broadcastId);
  const manifestOf = (broadcastId: string, recordingId: string) => JSON.parse(readFileSync(join(recordingsDir, broadcastId, recordingId, 'manifest.json'), 'utf8')) as RecordingManifest;

  async function liveCamera(size = CAMERA.size): Promise<{ cameraId: string; streamKey: string; publisher: FfmpegPublisher }> {
    const { cameraId, streamKey } = await registerCamera(redis);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const publisher = startRtmpPublisher(`rtmp://127.0.0.1:${port}/live/${streamKey}`, { size, rate: CAMERA.rate });
    publishers.push(publisher);
    await expectEventually(async () => expect(JSON.parse((await redis.get(CameraKeys.registry(cameraId))) ?? '{}').state).toBe('live'), { timeoutMs: 10_000 });
    return { cameraId, streamKey, publisher };
  }

  /** Every key and value in the test Redis, as text (to look for secrets in what a run leaves behind). */
  async function redisDump(): Promise<string> {
    const parts: string[] = [];
    for (const key of await redis.keys('*')) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key) : type === 'hash' ? await redis.hgetall(key) : type === 'set' ? await redis.smembers(key) : type === 'zset' ? await redis.zrange(key, 0, -1) : type === 'list' ? await redis.lrange(key, 0, -1) : null;
      parts.push(key, JSON.stringify(value));
    }
    return parts.join('\n');
  }

  const recordedSpec = (cameraId: string, extra: Partial<BroadcastSpec> = {}): BroadcastSpec =>
    testBroadcastSpec({
      video: { kind: 'camera', cameraId },
      destinations: [{ destinationId: randomUUID(), url: seal(platform.url('app', destinationKeys[destinationKeys.push(`live_${randomBytes(6).toString('hex')}_RECSECRET`) - 1])) }],
      record: { enabled: true, segmentSeconds: SEGMENT_SECONDS },
      audioBitrate: '64k',
      sourceKey: broadcastSourceKey({ cameraId }),
      ...extra,
    });

  async function start(spec: BroadcastSpec): Promise<BroadcastStatusView> {
    const result = await submitBroadcast(queue, { spec });
    if (!result.ok) throw new Error(`not started: ${result.status} ${result.message}`);
    return result.value;
  }

  async function writeSpec(spec: BroadcastSpec, fields: Partial<BroadcastSpec>): Promise<number> {
    return present(await control.requestChange(spec.broadcastId, (current) => ({ ...current, ...fields })), 'the changed spec').revision;
  }

  async function change(spec: BroadcastSpec, fields: Partial<BroadcastSpec>): Promise<void> {
    const revision = await writeSpec(spec, fields);
    await expectEventually(async () => expect((await runtime(spec.broadcastId))?.appliedRevision).toBe(revision), { timeoutMs: 10_000, intervalMs: 100 });
  }

  async function stop(spec: BroadcastSpec): Promise<void> {
    await writeSpec(spec, { desired: 'stopped', stopReason: null });
    await expectEventually(async () => expect((await runtime(spec.broadcastId))?.stoppedAt).toBeTruthy(), { timeoutMs: 10_000 });
  }

  /** The recording's folder holds exactly the manifest's segments, each as announced, each playable. */
  async function expectCompleteRecording(broadcastId: string, recordingId: string, segmentSeconds = SEGMENT_SECONDS): Promise<{ manifest: RecordingManifest; probes: SegmentProbe[] }> {
    const manifest = manifestOf(broadcastId, recordingId);
    const dir = join(recordingsDir, broadcastId, recordingId);
    expect(manifest).toMatchObject({ broadcastId, recordingId, format: 'mpegts', segmentSeconds });
    expect(manifest.segments.map((s) => s.sequence)).toEqual(manifest.segments.map((_, i) => i));
    expect(readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()).toEqual(manifest.segments.map((s) => s.file));
    const announced = segmentEvents(broadcastId).filter((e) => e.data.recordingId === recordingId).map((e) => e.data);
    expect(announced).toEqual(
      manifest.segments.map((s) =>
        expect.objectContaining({ path: `${broadcastId}/${recordingId}/${s.file}`, sequence: s.sequence, sizeBytes: s.sizeBytes, durationSeconds: s.durationSeconds, startedAt: s.startedAt }),
      ),
    );
    for (const segment of manifest.segments) expect(statSync(join(dir, segment.file)).size).toBe(segment.sizeBytes);
    const probes = await Promise.all(manifest.segments.map((segment) => probeOnce(join(dir, segment.file))));
    manifest.segments.forEach((segment, i) => {
      expect({ file: segment.file, codecs: probes[i].codecs, decodeErrors: probes[i].decodeErrors }).toEqual({ file: segment.file, codecs: ['aac', 'h264'], decodeErrors: 0 });
      expect(probes[i].duration).toBeGreaterThan(0); // the last one ends where the recording was stopped: it may be short
    });
    return { manifest, probes };
  }

  beforeAll(async () => {
    port = await freePort();
    mkdirSync(recordingsDir, { recursive: true });
    if (ROOT) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${RECORDINGS_FS_MB}m`, 'tmpfs', recordingsDir], { stdio: 'ignore' });
      tmpfs = true;
    }
    platform = await startRtmpPlatform();
    ({ app } = await startMediaWorker(
      {
        STREAM_RTMP_INGEST_PORT: String(port),
        STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey.toString('hex'),
        STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
        STREAM_BROADCAST_ENABLED: 'true',
        STREAM_BROADCAST_RECOVERY_CHECK_SECONDS: '1',
        STREAM_BROADCAST_FALLBACK_SIZE: CAMERA.size,
        STREAM_BROADCAST_VIDEO_BITRATE: '200k',
        STREAM_CAMERA_OFFLINE_GRACE_SECONDS: '1',
        STREAM_DEFAULT_BACKGROUND_VIDEO: '/nonexistent/default.mp4',
        STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
        STREAM_DATA_DIR: dataDir,
        STREAM_RECORDINGS_DIR: recordingsDir,
        STREAM_RECORDINGS_MIN_FREE_MB: String(MIN_FREE_MB),
        // Recording resumes within a second of the space coming back, not up to 10 s later.
        STREAM_RECORDINGS_SPACE_RECHECK_SECONDS: '1',
        STREAM_RECORDINGS_MAX_TOTAL_MB: String(MAX_TOTAL_MB),
      },
      logLines,
    ));
    queue = broadcastQueue();
    subscriber = await recordEvents(events, ['stream.broadcast.recording.segment', 'stream.broadcast.recording.stopped', 'stream.broadcast.source-changed']);
  }, 30_000);

  // Each test's cameras end with it: left publishing, they would load the later tests' two cores.
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop('SIGKILL')));
  });

  afterAll(async () => {
    try {
      await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
      if (!appClosed) await app?.close();
      await queue?.close();
      await platform?.stop();
      await subscriber?.quit();
      await redis.quit();
    } finally {
      if (tmpfs) execFileSync('umount', [recordingsDir]);
      for (const dir of [recordingsDir, dataDir]) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records what went on air into playable segments, across a fallback switch, with a manifest and events that agree', async () => {
    const { cameraId, streamKey, publisher } = await liveCamera();
    // The fallback is another live stream at another size, copied: the recording shows the switch as a size change.
    const fallbackKey = `fb${randomBytes(6).toString('hex')}`;
    publishers.push(startRtmpPublisher(platform.url('fb', fallbackKey), { size: '256x144', rate: CAMERA.rate }));
    await expectEventually(() => expect(platform.keyframes(fallbackKey).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
    const spec = recordedSpec(cameraId, { fallbackStream: seal(platform.url('fb', fallbackKey)) });
    const started = await start(spec);
    expect(started.recording).toMatchObject({ enabled: true, segmentSeconds: SEGMENT_SECONDS });
    await expectEventually(() => expect(segmentEvents(spec.broadcastId).length).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });

    const killedAt = Date.now();
    await publisher.stop('SIGKILL');
    await expectEventually(async () => expect((await runtime(spec.broadcastId))?.videoSourceType).toBe('fallback_stream'), { timeoutMs: 10_000, intervalMs: 100 });
    const switchedAt = Date.now();
    // Two complete segments that began after the switch (by their first frame, not by when they were
    // announced: on a loaded machine the camera's last segments can still be listed after it).
    const startedAfterSwitch = () => segmentEvents(spec.broadcastId).filter((e) => Date.parse(String(e.data.startedAt)) > switchedAt);
    await expectEventually(() => expect(startedAfterSwitch().length).toBeGreaterThanOrEqual(2), { timeoutMs: 30_000 });
    // And one of them is the fallback's: on a loaded machine the live fallback can stall (150 ms,
    // broadcast-runner.ts LIVE_STALL_MS) and go to black and back before it stays on air.
    await expectEventually(
      async () => {
        const probes = await Promise.all(startedAfterSwitch().map((e) => probeOnce(join(recordingsDir, String(e.data.path)))));
        expect(probes.map((p) => (p.black ? 'black' : p.sizes.join('+')))).toContain('256x144');
      },
      { timeoutMs: 30_000, intervalMs: 1000 },
    );
    const status = present(await runtime(spec.broadcastId), 'runtime').recording;
    expect(status).toMatchObject({ state: 'recording', segmentSeconds: SEGMENT_SECONDS, stopReason: null });
    expect(status?.segments).toBeGreaterThanOrEqual(2);
    await stop(spec);

    const [stopped] = eventsOf('stream.broadcast.recording.stopped', spec.broadcastId);
    expect(stopped.data).toMatchObject({ reason: 'broadcast_stopped', recordingId: status?.recordingId });
    const { manifest, probes } = await expectCompleteRecording(spec.broadcastId, present(status, 'recording').recordingId);
    expect(manifest).toMatchObject({ previousRecordingId: null, stopReason: 'broadcast_stopped' });
    expect(manifest.endedAt).toBeTruthy();
    const bytes = manifest.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
    expect(stopped.data).toMatchObject({ segments: manifest.segments.length, bytes });
    expect((await runtime(spec.broadcastId))?.recording).toMatchObject({ state: 'stopped', stopReason: 'broadcast_stopped', segments: manifest.segments.length, bytes });
    // The camera first, then the fallback; black between where the fallback stalled on a loaded machine
    // (broadcast-runner.ts LIVE_STALL_MS: 150 ms), at the camera's size. A segment never mixes two
    // sources (each decodes at one size), and nothing of the dead camera comes after the switch.
    const sizes = probes.map((p) => (p.black ? 'black' : p.sizes.join('+')));
    const switchAt = sizes.findIndex((size) => size !== CAMERA.size);
    expect(sizes[0]).toBe(CAMERA.size);
    expect(switchAt).toBeGreaterThan(0);
    expect(sizes.slice(switchAt).filter((size) => size !== '256x144' && size !== 'black')).toEqual([]);
    expect(sizes.slice(switchAt)).toContain('256x144');
    // On the recording's clock, less than one segment is missing between segments of one source (its
    // clock is an estimate within a GOP). Where the program switched sources (a source-changed event
    // near the gap, or segments of two sizes) the recording misses what the program missed — from the
    // camera's death or the first switch to the last switch near the gap: ~0.3 s on a quiet machine;
    // in CI rehearsals loaded by the whole run 14 s once, and a live fallback that stalled to black and
    // back — plus the recorder joining the next source once it is on air: under three segments more.
    const switches = eventsOf('stream.broadcast.source-changed', spec.broadcastId).map((e) => Date.parse(String(e.data.timestamp)));
    const fallbackOnAirAt = Date.parse(String(eventsOf('stream.broadcast.source-changed', spec.broadcastId).find((e) => e.data.currentSource === 'fallback_stream')?.data.timestamp));
    expect(fallbackOnAirAt).toBeGreaterThan(killedAt);
    const segmentMs = SEGMENT_SECONDS * 1000;
    /** Whether a time falls between `from` and `to`, widened by a segment on each side. */
    const nearSpan = (from: number, to: number) => (at: number) => at >= from - segmentMs && at <= to + segmentMs;
    for (let i = 1; i < manifest.segments.length; i++) {
      const previous = manifest.segments[i - 1];
      const previousEnd = Date.parse(previous.startedAt) + previous.durationSeconds * 1000;
      const nextStart = Date.parse(manifest.segments[i].startedAt);
      const gapMs = nextStart - previousEnd;
      const near = nearSpan(previousEnd, nextStart);
      const marks = [killedAt, ...switches].filter(near);
      const switched = sizes[i] !== sizes[i - 1] || switches.some(near);
      const programMs = marks.length > 0 ? Math.max(...marks) - Math.min(...marks) : 0;
      const limitMs = switched ? programMs + 3 * segmentMs : segmentMs;
      expect({ segment: i, gapMs, switched, programMs, withinLimit: gapMs < limitMs }).toEqual({ segment: i, gapMs, switched, programMs, withinLimit: true });
    }
    // Segments are cut at keyframes after the target length (the cameras send one a second), where the
    // source changed, at the stop, or (once at most) where a source restarted (seen on a machine loaded
    // by the whole run).
    // A segment cut short where the program switched (a source-changed event near its end, as for the gaps above) is expected too.
    const switchedAtEnd = (segment: RecordingManifest['segments'][number]) => {
      const end = Date.parse(segment.startedAt) + segment.durationSeconds * 1000;
      return switches.some(nearSpan(end, end));
    };
    const short = manifest.segments.flatMap((segment, i) => (segment.durationSeconds < SEGMENT_SECONDS - 0.1 && i < sizes.length - 1 && sizes[i + 1] === sizes[i] && !switchedAtEnd(segment) ? [i] : []));
    expect(short.length).toBeLessThanOrEqual(1);
    // Nothing secret in any file name, manifest, event, log line or Redis value.
    const written = JSON.stringify(manifest) + JSON.stringify(events) + readdirSync(join(recordingsDir, spec.broadcastId), { recursive: true }).join('\n');
    expect(written).not.toContain('rtmp://');
    const leftBehind = written + logLines.join('\n') + (await redisDump());
    for (const secret of [present(destinationKeys.at(-1), 'destination key'), fallbackKey, streamKey]) expect(leftBehind).not.toContain(secret);
  }, 120_000);

  it('stops recording when an update turns it off, and starts a new recording when it is turned on again', async () => {
    const { cameraId } = await liveCamera();
    const spec = recordedSpec(cameraId);
    await start(spec);
    await expectEventually(() => expect(segmentEvents(spec.broadcastId).length).toBeGreaterThanOrEqual(1), { timeoutMs: 20_000 });
    const first = present(await runtime(spec.broadcastId), 'runtime').recording;

    await change(spec, { record: { enabled: false, segmentSeconds: SEGMENT_SECONDS } });
    await expectEventually(() => expect(eventsOf('stream.broadcast.recording.stopped', spec.broadcastId).map((e) => e.data.reason)).toEqual(['disabled']), { timeoutMs: 10_000 });
    await expectEventually(async () => expect((await runtime(spec.broadcastId))?.recording).toMatchObject({ state: 'stopped', stopReason: 'disabled' }));
    await expectCompleteRecording(spec.broadcastId, present(first, 'recording').recordingId);
    // The broadcast itself went on.
    expect((await runtime(spec.broadcastId))?.destinations[0].state).toBe('live');

    await change(spec, { record: { enabled: true, segmentSeconds: SEGMENT_SECONDS } });
    const second = await expectEventually(async () => {
      const recording = (await runtime(spec.broadcastId))?.recording;
      expect(recording).toMatchObject({ state: 'recording' });
      expect(recording?.recordingId).not.toBe(first?.recordingId);
      return present(recording, 'recording');
    });
    await expectEventually(() => expect(segmentEvents(spec.broadcastId).filter((e) => e.data.recordingId === second.recordingId).length).toBeGreaterThanOrEqual(1), { timeoutMs: 20_000 });
    expect(manifestOf(spec.broadcastId, second.recordingId).previousRecordingId).toBe(first?.recordingId);
    await stop(spec);
    await expectCompleteRecording(spec.broadcastId, second.recordingId);
    // Totals cover both recordings.
    const total = [first, second].reduce((sum, r) => sum + manifestOf(spec.broadcastId, present(r, 'recording').recordingId).segments.length, 0);
    expect((await runtime(spec.broadcastId))?.recording?.segments).toBe(total);
  }, 120_000);

  it('ends the recording (segment_length_changed) when an update changes the segment length, and records on in a new one that names it', async () => {
    const { cameraId } = await liveCamera();
    const spec = recordedSpec(cameraId);
    await start(spec);
    await expectEventually(() => expect(segmentEvents(spec.broadcastId).length).toBeGreaterThanOrEqual(1), { timeoutMs: 20_000 });
    const first = present((await runtime(spec.broadcastId))?.recording, 'recording');

    await change(spec, { record: { enabled: true, segmentSeconds: 3 } });
    await expectEventually(() => expect(eventsOf('stream.broadcast.recording.stopped', spec.broadcastId).map((e) => e.data)).toEqual([expect.objectContaining({ recordingId: first.recordingId, reason: 'segment_length_changed' })]), {
      timeoutMs: 10_000,
    });
    const second = await expectEventually(async () => {
      const recording = present((await runtime(spec.broadcastId))?.recording, 'recording');
      expect(recording).toMatchObject({ state: 'recording', segmentSeconds: 3, stopReason: null });
      expect(recording.recordingId).not.toBe(first.recordingId);
      return recording;
    });
    // Two segments of the new length: the first ends at the first keyframe 3 s in, whatever was cached.
    await expectEventually(() => expect(segmentEvents(spec.broadcastId).filter((e) => e.data.recordingId === second.recordingId).length).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });
    await stop(spec);

    const before = await expectCompleteRecording(spec.broadcastId, first.recordingId);
    expect(before.manifest).toMatchObject({ stopReason: 'segment_length_changed', previousRecordingId: null });
    const after = await expectCompleteRecording(spec.broadcastId, second.recordingId, 3);
    expect(after.manifest).toMatchObject({ stopReason: 'broadcast_stopped', previousRecordingId: first.recordingId });
    // Full-length segments of the new recording are 3 s (cut at the camera's 1 s keyframes), not 2.
    expect(after.manifest.segments.slice(0, -1).every((segment) => segment.durationSeconds > 2.9)).toBe(true);
    // The next recording begins where the last one ended, give or take the GOP the bus hands a new reader.
    const last = present(before.manifest.segments.at(-1), 'a segment');
    const gapMs = Date.parse(after.manifest.segments[0].startedAt) - (Date.parse(last.startedAt) + last.durationSeconds * 1000);
    expect(Math.abs(gapMs)).toBeLessThan(SEGMENT_SECONDS * 1000);
    // Each recording's segments were announced once, in order; the totals cover both.
    const sequences = (recordingId: string) => segmentEvents(spec.broadcastId).filter((e) => e.data.recordingId === recordingId).map((e) => e.data.sequence);
    expect(sequences(first.recordingId)).toEqual(before.manifest.segments.map((s) => s.sequence));
    expect(sequences(second.recordingId)).toEqual(after.manifest.segments.map((s) => s.sequence));
    const segments = before.manifest.segments.length + after.manifest.segments.length;
    const bytes = [...before.manifest.segments, ...after.manifest.segments].reduce((sum, s) => sum + s.sizeBytes, 0);
    expect((await runtime(spec.broadcastId))?.recording).toMatchObject({ state: 'stopped', segments, bytes });
  }, 90_000);

  it("keeps an adopted broadcast's recording history in its status when recording was off at the takeover", async () => {
    const { cameraId } = await liveCamera();
    const spec = recordedSpec(cameraId, { record: { enabled: false, segmentSeconds: SEGMENT_SECONDS } });
    // Another worker recorded it, turned recording off by an update, and is gone now (its lease lapsed).
    expect(await control.claimNew(spec, 'gone-worker')).toEqual({ ok: true });
    const recorded = { state: 'stopped', recordingId: randomUUID(), segmentSeconds: SEGMENT_SECONDS, segments: 5, bytes: 50_000, stopReason: 'disabled' } as const;
    const now = new Date().toISOString();
    await control.saveRuntime({
      broadcastId: spec.broadcastId,
      workerId: 'gone-worker',
      appliedRevision: spec.revision,
      health: 'healthy',
      videoSourceType: VideoSourceType.PrimaryStream,
      currentVideoSource: `camera:${cameraId}`,
      sourceRestarts: 0,
      sourceFps: 15,
      destinations: [],
      lastError: null,
      startedAt: now,
      stoppedAt: null,
      stopReason: null,
      lastInterruption: null,
      recording: recorded,
      updatedAt: now,
    });
    await redis.del(BroadcastKeys.lease(spec.broadcastId));
    await expectEventually(async () => expect((await runtime(spec.broadcastId))?.destinations.map((d) => d.state)).toEqual(['live']), { timeoutMs: 20_000 });
    expect((await runtime(spec.broadcastId))?.recording).toEqual(recorded);
    await stop(spec);
    expect((await runtime(spec.broadcastId))?.recording).toEqual(recorded);
    // It had ended before: nobody announces it again.
    expect(eventsOf('stream.broadcast.recording.stopped', spec.broadcastId)).toEqual([]);
  }, 60_000);

  it('retention deletes a finished recording whole once the directory is above its size limit, never the one being written nor recent ones', async () => {
    const { cameraId } = await liveCamera();
    const old = recordedSpec(cameraId);
    await start(old);
    await expectEventually(() => expect(segmentEvents(old.broadcastId).length).toBeGreaterThanOrEqual(1), { timeoutMs: 20_000 });
    await stop(old);
    // It finished two hours ago, as far as the files tell (retention goes by when a recording was last written).
    const oldDir = join(recordingsDir, old.broadcastId);
    const twoHoursAgo = (Date.now() - 2 * 3_600_000) / 1000;
    for (const file of readdirSync(oldDir, { recursive: true })) utimesSync(join(oldDir, String(file)), twoHoursAgo, twoHoursAgo);
    const others = readdirSync(recordingsDir).filter((name) => name !== old.broadcastId && name !== 'lost+found');

    // A recording's next segment sweeps soon after it (the minute's sweep would do too).
    const writing = recordedSpec(cameraId);
    await start(writing);
    await expectEventually(() => expect(existsSync(oldDir)).toBe(false), { timeoutMs: 30_000, intervalMs: 500 });
    const { recordingId } = present((await runtime(writing.broadcastId))?.recording, 'recording');
    await expectEventually(() => expect(segmentEvents(writing.broadcastId).length).toBeGreaterThanOrEqual(1), { timeoutMs: 20_000 });
    // The total is still above the limit: what is left is being written or finished minutes ago.
    expect(existsSync(join(recordingsDir, writing.broadcastId, recordingId))).toBe(true);
    for (const name of others) expect({ name, kept: existsSync(join(recordingsDir, name)) }).toEqual({ name, kept: true });
    await stop(writing);
    await expectCompleteRecording(writing.broadcastId, recordingId);
  }, 90_000);

  // Only root can give the worker a small file system to fill (tmpfs); elsewhere jest lists this test as skipped.
  (ROOT ? it : it.skip)('stops recording with disk_low when free space falls below the threshold, keeps broadcasting, and records again once there is room', async () => {
    expect(tmpfs).toBe(true);
    const { cameraId } = await liveCamera();
    const spec = recordedSpec(cameraId);
    await start(spec);
    await expectEventually(() => expect(segmentEvents(spec.broadcastId).length).toBeGreaterThanOrEqual(1), { timeoutMs: 20_000 });
    const first = present((await runtime(spec.broadcastId))?.recording, 'recording');
    // Leave less than MIN_FREE_MB free on the recordings' file system.
    const free = Number(execFileSync('df', ['--output=avail', '-B1', recordingsDir], { encoding: 'utf8' }).split('\n')[1]);
    const filler = join(recordingsDir, 'filler.bin');
    execFileSync('fallocate', ['-l', String(free - (MIN_FREE_MB - 1) * 1024 * 1024), filler]);
    await expectEventually(() => expect(eventsOf('stream.broadcast.recording.stopped', spec.broadcastId).map((e) => e.data)).toEqual([expect.objectContaining({ recordingId: first.recordingId, reason: 'disk_low' })]), {
      timeoutMs: 10_000,
    });
    const stoppedAt = Date.now();
    expect((await runtime(spec.broadcastId))?.recording).toMatchObject({ state: 'stopped', stopReason: 'disk_low' });
    // The broadcast goes on: frames keep reaching the platform.
    await expectEventually(() => expect(platform.keyframes(present(destinationKeys.at(-1), 'key')).some((k) => k.t > stoppedAt + 1000)).toBe(true), { timeoutMs: 10_000 });
    expect((await runtime(spec.broadcastId))?.health).not.toBe('stopped');
    await expectCompleteRecording(spec.broadcastId, first.recordingId);

    rmSync(filler);
    const resumed = await expectEventually(
      async () => {
        const recording = present((await runtime(spec.broadcastId))?.recording, 'recording');
        expect(recording).toMatchObject({ state: 'recording' });
        expect(recording.recordingId).not.toBe(first.recordingId);
        return recording;
      },
      { timeoutMs: 20_000 },
    );
    await expectEventually(() => expect(segmentEvents(spec.broadcastId).some((e) => e.data.recordingId === resumed.recordingId)).toBe(true), { timeoutMs: 20_000 });
    await stop(spec);
  }, 120_000);

  it("closes the segment being written on the worker's shutdown (SIGTERM) and says handed_over", async () => {
    const { cameraId } = await liveCamera();
    const spec = recordedSpec(cameraId, { record: { enabled: true, segmentSeconds: 10 } });
    await start(spec);
    // Mid-segment: 10 s segments, shut down after ~3 s of recording.
    await expectEventually(async () => expect((await runtime(spec.broadcastId))?.recording?.state).toBe('recording'), { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const { recordingId } = present((await runtime(spec.broadcastId))?.recording, 'recording');
    expect(segmentEvents(spec.broadcastId)).toHaveLength(0);
    appClosed = true;
    await app.close();
    await expectEventually(() => expect(eventsOf('stream.broadcast.recording.stopped', spec.broadcastId).map((e) => e.data.reason)).toEqual(['handed_over']));
    const manifest = manifestOf(spec.broadcastId, recordingId);
    expect(manifest).toMatchObject({ stopReason: 'handed_over', segments: [expect.objectContaining({ sequence: 0 })] });
    expect(manifest.segments[0].durationSeconds).toBeGreaterThan(1);
    expect(manifest.segments[0].durationSeconds).toBeLessThan(10);
    expect(existsSync(join(recordingsDir, spec.broadcastId, recordingId, manifest.segments[0].file))).toBe(true);
    const probe = await probeOnce(join(recordingsDir, spec.broadcastId, recordingId, manifest.segments[0].file));
    expect(probe).toMatchObject({ codecs: ['aac', 'h264'], decodeErrors: 0 });
  }, 60_000);
});
