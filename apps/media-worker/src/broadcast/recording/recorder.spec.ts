import { Logger } from '@nestjs/common';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type RecordingStopReason, VideoSourceType } from '@lib-stream/contracts';
import { testBroadcastSpec } from '@lib-stream/testing';

import { BroadcastRunner } from '../broadcast-runner';
import { type ScriptedProcess, ScriptedMediaProcesses } from '../ffmpeg/scripted-processes';
import { backoff } from '../restart-policy';
import { readManifest } from './manifest';
import { type RecordedSegment, Recorder } from './recorder';

// The recorder against scripted ffmpeg processes, with real files in a temporary directory (what the
// manifest lists is what is on disk). Timers are fake except setImmediate, which lets the file I/O
// finish while the spec waits (`until`).

const PROGRAM = 'rtmp://127.0.0.1:1935/program/bus-token';
const BROADCAST = 'b7c1d2e3-0000-4000-8000-000000000002';
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

/** Waits (on real I/O, not on timers: the clock is fake) until `condition` holds, at most 5 s of real time. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = process.hrtime.bigint() + 5_000_000_000n;
  while (!condition()) {
    if (process.hrtime.bigint() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function startNumber(process: ScriptedProcess): number {
  const args = process.options.args;
  return Number(args[args.indexOf('-segment_start_number') + 1]);
}

// Real directories: what matters is where nothing gets created.
describe('Recorder', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lib-stream-recorder-'));
    mkdirSync(join(root, 'recordings'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each(['../escaped', '..', '.', 'a/b', '/abs', '', 'x\0y'])('refuses the broadcast id %j as a folder name: stops with error, writes nothing anywhere', async (broadcastId) => {
    const stops: RecordingStopReason[] = [];
    const recorder = new Recorder({
      ffmpegPath: '/nonexistent/ffmpeg',
      ffprobePath: '/nonexistent/ffprobe',
      programUrl: 'rtmp://127.0.0.1:1/bus/x',
      recordingsDir: join(root, 'recordings'),
      broadcastId,
      workerId: 'w1',
      segmentSeconds: 2,
      previousRecordingId: null,
      minFreeBytes: 0,
      stallMs: 3000,
      restartOnFailure: false,
      maxRestarts: 0,
      logger: quiet,
      onSegment: () => undefined,
      onStopped: (reason) => stops.push(reason),
    });
    await recorder.start();
    expect(stops).toEqual(['error']);
    expect(recorder.state).toBe('stopped');
    expect(readdirSync(root)).toEqual(['recordings']);
    expect(readdirSync(join(root, 'recordings'))).toEqual([]);
  });
});

describe('Recorder against scripted ffmpeg processes', () => {
  let dir: string;
  let processes: ScriptedMediaProcesses;
  let segments: RecordedSegment[];
  let stopped: { reason: RecordingStopReason; totals: { segments: number; bytes: number } }[];

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    dir = mkdtempSync(join(tmpdir(), 'lib-stream-recorder-'));
    processes = new ScriptedMediaProcesses();
    segments = [];
    stopped = [];
  });

  afterEach(() => {
    jest.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
    expect(processes.unscripted).toEqual([]);
  });

  function recorder(overrides: { maxRestarts?: number } = {}): Recorder {
    return new Recorder({
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
      programUrl: PROGRAM,
      recordingsDir: dir,
      broadcastId: BROADCAST,
      workerId: 'worker-1',
      segmentSeconds: 2,
      previousRecordingId: null,
      minFreeBytes: 0,
      stallMs: 8000,
      restartOnFailure: true,
      maxRestarts: overrides.maxRestarts ?? 3,
      logger: quiet,
      onSegment: (segment) => segments.push(segment),
      onStopped: (reason, totals) => stopped.push({ reason, totals }),
      processes,
    });
  }

  /** A segment file as ffmpeg would have written it. */
  function segmentFile(subject: Recorder, sequence: number, bytes: number): string {
    const path = join(subject.dir, `seg-${String(sequence).padStart(5, '0')}.ts`);
    writeFileSync(path, Buffer.alloc(bytes, 0x47));
    return path;
  }

  it('reads the program bus into numbered segments and lists each one it completes', async () => {
    const subject = recorder();
    await subject.start();
    const process = processes.last('recorder');
    expect(process.options.args).toEqual(expect.arrayContaining([PROGRAM, `${subject.dir}/seg-%05d.ts`]));
    expect(startNumber(process)).toBe(0);

    segmentFile(subject, 0, 1880);
    process.sideOutput('seg-00000.ts,0.000000,2.000000');
    await until(() => segments.length === 1, 'segment 0 announced');
    expect(segments[0]).toMatchObject({ sequence: 0, file: 'seg-00000.ts', durationSeconds: 2, sizeBytes: 1880, recordingId: subject.recordingId, path: join(BROADCAST, subject.recordingId, 'seg-00000.ts') });
    expect((await readManifest(subject.dir))?.segments).toHaveLength(1);
  });

  it('at a cut keeps the partial segment and resumes in a new process at the next sequence', async () => {
    const subject = recorder();
    await subject.start();
    const first = processes.last('recorder');
    segmentFile(subject, 0, 1880);
    first.sideOutput('seg-00000.ts,0.000000,2.000000');
    processes.durations.set(segmentFile(subject, 1, 940), 0.8);

    await subject.cut();
    expect(first.exit).toMatchObject({ requested: true });
    expect(first.stops).toEqual([{}]); // killed at once: the bus is silent, nothing more will come
    expect(segments.map((s) => [s.sequence, s.durationSeconds])).toEqual([
      [0, 2],
      [1, 0.8],
    ]);
    expect(processes.labelled('recorder')).toHaveLength(1);

    await subject.resume();
    const second = processes.last('recorder');
    expect(second).not.toBe(first);
    expect(startNumber(second)).toBe(2);
    expect(subject.totals()).toEqual({ segments: 2, bytes: 1880 + 940 });
  });

  it('drops an empty or unplayable partial segment at a cut; the next process writes that number again', async () => {
    const subject = recorder();
    await subject.start();
    const partial = segmentFile(subject, 0, 0);
    await subject.cut();
    expect(existsSync(partial)).toBe(false);
    await subject.resume();
    expect(startNumber(processes.last('recorder'))).toBe(0);

    processes.durations.set(segmentFile(subject, 0, 100), null);
    await subject.cut();
    await subject.resume();
    expect(startNumber(processes.last('recorder'))).toBe(0);
    expect(segments).toEqual([]);
  });

  it('restarts a crashed recorder after the backoff, after keeping its partial segment', async () => {
    const subject = recorder();
    await subject.start();
    processes.durations.set(segmentFile(subject, 0, 500), 1.5);
    processes.last('recorder').die('exited', { lastError: 'Broken pipe' });
    await until(() => segments.length === 1, 'partial segment kept');
    expect(subject.lastError).toBe('Broken pipe');

    await jest.advanceTimersByTimeAsync(backoff(1) - 1);
    expect(processes.labelled('recorder')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(processes.labelled('recorder')).toHaveLength(2);
    expect(startNumber(processes.last('recorder'))).toBe(1);
  });

  it('stops with error after too many crashes in a row', async () => {
    const subject = recorder({ maxRestarts: 1 });
    await subject.start();
    processes.last('recorder').die('stalled');
    await until(() => processes.labelled('recorder').length === 1 && jest.getTimerCount() === 2, 'the restart scheduled (beside the disk check)');
    await jest.advanceTimersByTimeAsync(backoff(1));
    processes.last('recorder').die('stalled');
    await until(() => stopped.length === 1, 'recording stopped');
    expect(stopped[0]).toEqual({ reason: 'error', totals: { segments: 0, bytes: 0 } });
    expect(subject.state).toBe('stopped');
  });

  it('stops gracefully: SIGINT with a grace, then endedAt and the reason in the manifest', async () => {
    const subject = recorder();
    await subject.start();
    const process = processes.last('recorder');
    await subject.stop('broadcast_stopped');
    expect(process.stops).toEqual([{ graceful: true, graceMs: 3000 }]);
    expect(stopped).toEqual([{ reason: 'broadcast_stopped', totals: { segments: 0, bytes: 0 } }]);
    expect(await readManifest(subject.dir)).toMatchObject({ stopReason: 'broadcast_stopped', endedAt: expect.any(String) });
    // Idempotent, and nothing starts afterwards.
    await subject.stop('error');
    await subject.resume();
    expect(stopped).toHaveLength(1);
    expect(processes.labelled('recorder')).toHaveLength(1);
  });

  describe('at a source switch of its broadcast', () => {
    beforeAll(() => Logger.overrideLogger(false));

    it('the recording process is cut and a new one records the next source from the next sequence', async () => {
      const cameras = new Set(['cam-primary']);
      const runner = new BroadcastRunner(
        testBroadcastSpec({
          broadcastId: BROADCAST,
          video: { kind: 'camera', cameraId: 'cam-primary' },
          fallbackImage: { enc: '/media/fallback.png', masked: '/media/fallback.png' },
          destinations: [{ destinationId: 'dest-0001', url: { enc: 'rtmp://platform.example/live/dest-key-0001', masked: 'rtmp://platform.example/live/****' } }],
          record: { enabled: true, segmentSeconds: 2 },
          sourceKey: 'source-key-hash',
          createdAt: '2026-01-01T00:00:00.000Z',
        }),
        '2026-01-01T00:00:00.000Z',
        {
          settings: {
            ffmpegPath: 'ffmpeg',
            ffprobePath: 'ffprobe',
            restartOnFailure: true,
            maxRestarts: 3,
            recoveryCheckMs: 1000,
            defaultBackground: '',
            encode: { videoCodec: 'libx264', videoBitrate: '2500k', audioCodec: 'aac', audioBitrate: '128k', width: 1280, height: 720, fps: 30 },
          },
          open: (url) => url.enc,
          liveCamera: (cameraId) =>
            Promise.resolve(cameras.has(cameraId) ? { url: `rtmp://127.0.0.1:1935/live/${cameraId}`, copyVideo: true, copyAudio: true, hasVideo: true, hasAudio: true, width: 1280, height: 720, fps: 30 } : null),
          cameraForUrl: () => null,
          bus: {
            open: () => ({ token: 'bus-token', url: PROGRAM }),
            close: () => undefined,
            hasPublisher: () => processes.labelled('source ').some((p) => p.running && p.firstProgressAt !== null),
            forgetLastSource: () => undefined,
          },
          onSourceChanged: () => undefined,
          onTerminal: () => undefined,
          recording: { dir, workerId: 'worker-1', minFreeBytes: 0, spaceRecheckMs: 10_000, onSegment: (segment) => segments.push(segment), onStopped: (_id, reason, totals) => stopped.push({ reason, totals }) },
          processes,
        },
      );
      const starting = runner.start();
      // The recorder has its folder and manifest before the source goes on air (it takes the source's
      // first packets, not a moment of its own start-up).
      const manifestWritten = () => {
        const recordingId = runner.recording()?.recordingId;
        return !!recordingId && existsSync(join(dir, BROADCAST, recordingId, 'manifest.json'));
      };
      await until(() => processes.labelled('source ').length === 1 && manifestWritten(), 'source spawned, recording started');
      await new Promise((resolve) => setImmediate(resolve));
      processes.last('source ').progress({ frame: 1 });
      await jest.advanceTimersByTimeAsync(25);
      await starting;
      await until(() => processes.labelled('recorder').length === 1, 'recorder spawned');
      const firstRecorder = processes.last('recorder');
      const recordingDir = join(dir, BROADCAST, runner.recording()?.recordingId ?? 'none');
      writeFileSync(join(recordingDir, 'seg-00000.ts'), Buffer.alloc(1880, 0x47));
      firstRecorder.sideOutput('seg-00000.ts,0.000000,2.000000');
      const partial = join(recordingDir, 'seg-00001.ts');
      writeFileSync(partial, Buffer.alloc(940, 0x47));
      processes.durations.set(partial, 0.5);

      cameras.delete('cam-primary');
      processes.last('source ').die('exited');
      await until(() => processes.labelled('source ').length === 2, 'fallback source spawned');
      const fallback = processes.last('source ');
      expect(fallback.label).toBe(`source ${VideoSourceType.FallbackImage}`);
      fallback.progress({ frame: 1 });
      await until(() => processes.labelled('recorder').length === 2, 'recorder resumed');

      expect(firstRecorder.exit).toMatchObject({ requested: true });
      const secondRecorder = processes.last('recorder');
      expect(secondRecorder.running).toBe(true);
      expect(startNumber(secondRecorder)).toBe(2);
      expect(segments.map((s) => s.sequence)).toEqual([0, 1]);
      expect(runner.recording()).toMatchObject({ state: 'recording', segments: 2, bytes: 1880 + 940 });

      await runner.stop();
      expect(secondRecorder.exit).toMatchObject({ requested: true });
      expect(stopped).toEqual([{ reason: 'broadcast_stopped', totals: { segments: 2, bytes: 1880 + 940 } }]);
    });
  });
});
