import { Logger } from '@nestjs/common';

import { type BroadcastSpec, type SealedUrl, VideoSourceType } from '@lib-stream/contracts';
import { testBroadcastSpec } from '@lib-stream/testing';

import { BroadcastRunner, type LiveCamera, type RunnerSettings } from './broadcast-runner';
import { type ScriptedProcess, ScriptedMediaProcesses } from './ffmpeg/scripted-processes';
import { backoff } from './restart-policy';

// The cascade's logic against scripted processes (ffmpeg/scripted-processes.ts) and fake timers: what
// broadcast.int-spec.ts checks with real FFmpeg in minutes, here in milliseconds. Levels used: camera
// (primary), a fallback stream that names another of our cameras, a fallback image, black; none of
// them needs a probe, so any probe is a failure (ScriptedMediaProcesses.unscripted).

const PRIMARY = 'cam-primary';
const SECOND = 'cam-second';
const SECOND_INGEST = 'rtmp://127.0.0.1:1935/live/second-ingest-key';
const IMAGE = '/media/fallback.png';
const PROGRAM = 'rtmp://127.0.0.1:1935/program/bus-token';
const RECOVERY_CHECK_MS = 1000;
/** How often a fallen-back runner looks at its cameras (CAMERA_CHECK_MS in broadcast-runner.ts). */
const CAMERA_CHECK_MS = 250;

const SOURCE = {
  primary: `source ${VideoSourceType.PrimaryStream}`,
  second: `source ${VideoSourceType.FallbackStream}`,
  image: `source ${VideoSourceType.FallbackImage}`,
  black: `source ${VideoSourceType.Black}`,
};

function sealed(url: string): SealedUrl {
  return { enc: url, masked: url.replace(/[^/]+$/, '****') };
}

function cameraUrl(cameraId: string): string {
  return `rtmp://127.0.0.1:1935/live/${cameraId}-read-token`;
}

function broadcastSpec(overrides: Partial<BroadcastSpec> = {}): BroadcastSpec {
  return testBroadcastSpec({
    broadcastId: 'b7c1d2e3-0000-4000-8000-000000000001',
    video: { kind: 'camera', cameraId: PRIMARY },
    fallbackStream: sealed(SECOND_INGEST),
    fallbackImage: sealed(IMAGE),
    destinations: [{ destinationId: 'dest-0001-aaaa', url: sealed('rtmp://platform.example/live/dest-key-0001') }],
    record: null,
    sourceKey: 'source-key-hash',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });
}

/** What the coordinator gives a runner, with cameras the spec switches on and off. */
class World {
  readonly processes = new ScriptedMediaProcesses();
  readonly live = new Set<string>([PRIMARY, SECOND]);
  readonly sourceChanges: [VideoSourceType | null, VideoSourceType][] = [];
  readonly terminal: string[] = [];
  forgotten = 0;

  runner(overrides: { spec?: Partial<BroadcastSpec>; settings?: Partial<RunnerSettings> } = {}): BroadcastRunner {
    const settings: RunnerSettings = {
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
      restartOnFailure: true,
      maxRestarts: 3,
      recoveryCheckMs: RECOVERY_CHECK_MS,
      defaultBackground: '',
      encode: { videoCodec: 'libx264', videoBitrate: '2500k', audioCodec: 'aac', audioBitrate: '128k', width: 1280, height: 720, fps: 30 },
      ...overrides.settings,
    };
    return new BroadcastRunner(broadcastSpec(overrides.spec), '2026-01-01T00:00:00.000Z', {
      settings,
      open: (url) => url.enc,
      liveCamera: (cameraId) => Promise.resolve(this.live.has(cameraId) ? camera(cameraId) : null),
      cameraForUrl: (url) => (url.enc === SECOND_INGEST ? SECOND : null),
      bus: {
        open: () => ({ token: 'bus-token', url: PROGRAM }),
        close: () => undefined,
        // node-media-server has a publisher once the source's ffmpeg writes (its first progress).
        hasPublisher: () => this.processes.labelled('source ').some((p) => p.running && p.firstProgressAt !== null),
        forgetLastSource: () => void this.forgotten++,
      },
      onSourceChanged: (previous, current) => this.sourceChanges.push([previous, current]),
      onTerminal: (message) => this.terminal.push(message),
      recording: { dir: '/nonexistent', workerId: 'worker-1', minFreeBytes: 0, spaceRecheckMs: 10_000, onSegment: () => undefined, onStopped: () => undefined },
      processes: this.processes,
    });
  }

  /** The running source process (exactly one may run: break before make). */
  source(): ScriptedProcess {
    const running = this.processes.labelled('source ').filter((p) => p.running);
    if (running.length !== 1) throw new Error(`${running.length} source processes running`);
    return running[0];
  }

  sources(): string[] {
    return this.processes.labelled('source ').map((p) => p.label);
  }
}

function camera(cameraId: string): LiveCamera {
  return { url: cameraUrl(cameraId), copyVideo: true, copyAudio: true, hasVideo: true, hasAudio: true, width: 1280, height: 720, fps: 30 };
}

/** Lets the runner's promise chains run (no timer is due at +0 ms). */
async function settle(): Promise<void> {
  await jest.advanceTimersByTimeAsync(0);
}

/** start(), with the first source going on air. */
async function started(world: World, runner: BroadcastRunner): Promise<ScriptedProcess> {
  const starting = runner.start();
  await settle();
  const source = world.source();
  source.progress({ frame: 30 });
  await jest.advanceTimersByTimeAsync(25);
  await starting;
  return source;
}

/** Steps the clock until a new source process is spawned; returns it and how long that took. */
async function nextSource(world: World, limitMs: number, stepMs = 10): Promise<{ process: ScriptedProcess; afterMs: number }> {
  const before = world.processes.labelled('source ').length;
  for (let elapsed = 0; elapsed <= limitMs; elapsed += stepMs) {
    if (world.processes.labelled('source ').length > before) return { process: world.processes.last('source '), afterMs: elapsed };
    await jest.advanceTimersByTimeAsync(stepMs);
  }
  throw new Error(`no new source within ${limitMs} ms (sources so far: ${world.sources().join(', ')})`);
}

describe('BroadcastRunner source cascade against scripted processes', () => {
  let world: World;
  let runner: BroadcastRunner | null;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers();
    world = new World();
    runner = null;
  });

  afterEach(async () => {
    await runner?.stop();
    jest.useRealTimers();
    expect(world.processes.unscripted).toEqual([]);
  });

  it('starts on the primary camera and announces it once it is on air', async () => {
    runner = world.runner();
    const source = await started(world, runner);
    expect(source.label).toBe(SOURCE.primary);
    expect(source.options.args).toEqual(expect.arrayContaining([cameraUrl(PRIMARY), PROGRAM]));
    expect(world.processes.last('pusher').options.args).toEqual(expect.arrayContaining([PROGRAM, 'rtmp://platform.example/live/dest-key-0001']));
    expect(world.sourceChanges).toEqual([[null, VideoSourceType.PrimaryStream]]);
    expect(runner.videoSourceType()).toBe(VideoSourceType.PrimaryStream);
    expect(runner.publishedAt).not.toBeNull();
  });

  it('falls down the cascade one level per source exit; the destination keeps its connection', async () => {
    runner = world.runner();
    const primary = await started(world, runner);
    const pusher = world.processes.last('pusher');
    pusher.progress({ totalSizeBytes: 10_000 });
    expect(runner.health()).toBe('healthy');

    world.live.delete(PRIMARY);
    primary.die('exited', { code: 1, lastError: 'Input/output error' });
    await settle();
    const second = world.source();
    expect(second.label).toBe(SOURCE.second);
    expect(second.options.args).toContain(cameraUrl(SECOND));
    expect(runner.videoSourceType()).toBe(VideoSourceType.FallbackStream);
    expect(runner.error()).toBe('Input/output error');
    expect(runner.restarts()).toBe(1);
    // Announced only once the new source is on air.
    expect(world.sourceChanges).toHaveLength(1);
    second.progress({ frame: 10 });
    expect(world.sourceChanges.at(-1)).toEqual([VideoSourceType.PrimaryStream, VideoSourceType.FallbackStream]);
    pusher.progress({ totalSizeBytes: 20_000 });
    expect(runner.health()).toBe('degraded');

    world.live.delete(SECOND);
    second.die('stalled');
    await settle();
    const image = world.source();
    expect(image.label).toBe(SOURCE.image);
    expect(image.options.args).toContain(IMAGE);
    image.progress({ frame: 1 });
    expect(world.sourceChanges.at(-1)).toEqual([VideoSourceType.FallbackStream, VideoSourceType.FallbackImage]);

    // One pusher process throughout, never stopped; the bus forgot each dead source's headers.
    expect(world.processes.labelled('pusher')).toHaveLength(1);
    expect(pusher.stops).toHaveLength(0);
    expect(world.forgotten).toBe(3);
    expect(world.terminal).toEqual([]);
  });

  it('skips a level that is gone by the time the cascade reaches it', async () => {
    runner = world.runner();
    const primary = await started(world, runner);
    world.live.delete(PRIMARY);
    world.live.delete(SECOND);
    primary.die('exited');
    await settle();
    expect(world.source().label).toBe(SOURCE.image);
    expect(world.sources()).toEqual([SOURCE.primary, SOURCE.image]);
  });

  it('moves back up when the better source answers again, stopping the fallback before starting it', async () => {
    runner = world.runner();
    const primary = await started(world, runner);
    world.live.delete(PRIMARY);
    primary.die('exited');
    await settle();
    const second = world.source();
    second.progress({ frame: 1 });

    // The camera stays away: the recovery checks find nothing and the fallback stays on air.
    await jest.advanceTimersByTimeAsync(5 * RECOVERY_CHECK_MS);
    expect(world.sources()).toEqual([SOURCE.primary, SOURCE.second]);

    // It is back: the next check switches, break before make.
    const release = second.holdStop();
    world.live.add(PRIMARY);
    await jest.advanceTimersByTimeAsync(CAMERA_CHECK_MS);
    expect(second.stops).toHaveLength(1);
    expect(world.sources()).toEqual([SOURCE.primary, SOURCE.second]);
    release();
    await settle();
    const back = world.source();
    expect(back.label).toBe(SOURCE.primary);
    expect(second.exit).toMatchObject({ requested: true });
    expect(runner.videoSourceType()).toBe(VideoSourceType.PrimaryStream);
    back.progress({ frame: 1 });
    expect(world.sourceChanges.at(-1)).toEqual([VideoSourceType.FallbackStream, VideoSourceType.PrimaryStream]);
    world.processes.last('pusher').progress({ totalSizeBytes: 1 });
    expect(runner.health()).toBe('healthy');
  });

  it('does not try a failed level again before the recovery interval', async () => {
    runner = world.runner();
    const primary = await started(world, runner);
    // The camera is still listed as live (it connects and drops): only the interval holds it back.
    primary.die('exited');
    await settle();
    world.source().progress({ frame: 1 });
    const { process, afterMs } = await nextSource(world, 3 * RECOVERY_CHECK_MS);
    expect(process.label).toBe(SOURCE.primary);
    expect(afterMs).toBeGreaterThanOrEqual(RECOVERY_CHECK_MS);
    expect(afterMs).toBeLessThanOrEqual(RECOVERY_CHECK_MS + CAMERA_CHECK_MS);
  });

  it('damps a flapping primary: from the third failure in a minute it waits twice as long each time', async () => {
    runner = world.runner();
    let primary = await started(world, runner);
    const waits: number[] = [];
    for (let failure = 1; failure <= 4; failure++) {
      primary.die('exited');
      await settle();
      world.source().progress({ frame: 1 }); // the fallback goes on air
      const next = await nextSource(world, 10_000);
      expect(next.process.label).toBe(SOURCE.primary);
      waits.push(next.afterMs);
      primary = next.process;
      primary.progress({ frame: 1 }); // on air a moment, then fails again
    }
    const expected = [RECOVERY_CHECK_MS, RECOVERY_CHECK_MS, 2 * RECOVERY_CHECK_MS, 4 * RECOVERY_CHECK_MS];
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(expected[i]);
      expect(wait).toBeLessThanOrEqual(expected[i] + CAMERA_CHECK_MS);
    });
  });

  it('restarts a source that crashed while fine in place, after the backoff', async () => {
    runner = world.runner();
    const primary = await started(world, runner);
    primary.die('exited', { code: null, signal: 'SIGSEGV' });
    await jest.advanceTimersByTimeAsync(backoff(1) - 1);
    expect(world.sources()).toEqual([SOURCE.primary]);
    await jest.advanceTimersByTimeAsync(1);
    expect(world.sources()).toEqual([SOURCE.primary, SOURCE.primary]);
    expect(runner.restarts()).toBe(1);
  });

  it('restarts the last level in place and gives up after maxRestarts failures in a row', async () => {
    world.live.delete(PRIMARY);
    runner = world.runner({ spec: { fallbackStream: null, fallbackImage: null }, settings: { maxRestarts: 2 } });
    const black = await started(world, runner);
    expect(black.label).toBe(SOURCE.black);

    black.die('exited');
    await jest.advanceTimersByTimeAsync(backoff(1));
    world.source().die('exited');
    await jest.advanceTimersByTimeAsync(backoff(2));
    expect(world.sources()).toEqual([SOURCE.black, SOURCE.black, SOURCE.black]);
    expect(world.terminal).toEqual([]);
    world.source().die('exited', { lastError: 'Cannot allocate memory' });
    await settle();
    expect(world.terminal).toEqual(['source failed 3 times in a row: Cannot allocate memory']);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(world.sources()).toHaveLength(3);
  });

  it('ends the broadcast when every destination has failed', async () => {
    runner = world.runner({
      spec: { destinations: [{ destinationId: 'dest-a', url: sealed('rtmp://a.example/live/key-aaaaaa') }, { destinationId: 'dest-b', url: sealed('rtmp://b.example/live/key-bbbbbb') }] },
      settings: { restartOnFailure: false },
    });
    await started(world, runner);
    const [a, b] = world.processes.labelled('pusher');
    a.die('exited', { lastError: 'refused' });
    expect(world.terminal).toEqual([]);
    b.die('exited', { lastError: 'refused' });
    expect(world.terminal).toEqual(['every destination failed: refused']);
  });

  describe('openSource with holdPrimary (the start check)', () => {
    it('reports why a primary that never produced failed, and does not fall back', async () => {
      runner = world.runner();
      const opening = runner.openSource({ holdPrimary: true, timeoutMs: 3000 });
      await settle();
      world.source().die('exited', { lastError: 'Connection refused' });
      await jest.advanceTimersByTimeAsync(25);
      await expect(opening).resolves.toBe('Connection refused');
      await jest.advanceTimersByTimeAsync(5000);
      expect(world.sources()).toEqual([SOURCE.primary]);
    });

    it('reports a primary camera that is not live', async () => {
      world.live.delete(PRIMARY);
      runner = world.runner();
      const opening = runner.openSource({ holdPrimary: true, timeoutMs: 3000 });
      await settle();
      await expect(opening).resolves.toBe('source not available');
      expect(world.sources()).toEqual([]);
    });

    it('answers null once the primary publishes, and then falls back like any broadcast', async () => {
      runner = world.runner();
      const opening = runner.openSource({ holdPrimary: true, timeoutMs: 3000 });
      await settle();
      const primary = world.source();
      primary.progress({ frame: 1 });
      await jest.advanceTimersByTimeAsync(25);
      await expect(opening).resolves.toBeNull();
      primary.die('stalled');
      await settle();
      expect(world.source().label).toBe(SOURCE.second);
    });

    it('without holdPrimary, a failing primary falls down the cascade', async () => {
      runner = world.runner();
      const opening = runner.openSource({ holdPrimary: false, timeoutMs: 3000 });
      await settle();
      world.source().die('exited');
      await settle();
      world.source().progress({ frame: 1 });
      await jest.advanceTimersByTimeAsync(25);
      await expect(opening).resolves.toBeNull();
      expect(world.sources()).toEqual([SOURCE.primary, SOURCE.second]);
    });
  });

  it('stop() stops every process and starts nothing afterwards', async () => {
    runner = world.runner();
    const primary = await started(world, runner);
    const pusher = world.processes.last('pusher');
    await runner.stop();
    expect(primary.exit).toMatchObject({ requested: true });
    expect(pusher.exit).toMatchObject({ requested: true });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(world.processes.spawned).toHaveLength(2);
    expect(runner.health()).toBe('stopped');
  });
});
