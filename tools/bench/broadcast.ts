/**
 * Broadcast benchmark: control-api and media workers built from dist, real FFmpeg, a fake platform
 * (node-media-server in its own process, logging publishes, keyframes and video gaps) and synthetic
 * x264 cameras. This machine is small and noisy, so every figure of ours is printed beside a baseline
 * measured in the same run, rounds interleaved, with the ratio.
 *
 *   npm run bench:broadcast -- [ROUNDS=5] [--all]   (needs ffmpeg and redis-server; builds the apps first,
 *                                                   BENCH_SKIP_BUILD=1 skips that)
 *
 * By default only the hot paths (issue 15): rows 1 and 3, each beside its same-run baseline. `--all`
 * adds rows 2, 5, 6 and the load sweep (4). `runBroadcastBench()` returns the rows for a combined bench.
 *
 * 1. POST /stream/broadcast/start → first keyframe at the destination (and the API response time), beside
 *    a bare `ffmpeg -c copy` relay spawned by hand (spawn → first keyframe), tuned and with ffmpeg defaults.
 *    The workers log where a start's time goes (`stagesMs` of "broadcast started"): printed as medians.
 * 2. Camera (published to a worker's ingest) SIGKILLed → first fallback keyframe at the destination, the
 *    longest video gap, no new publish at the platform; camera respawned → primary_stream again. Baselines:
 *    the same black encoder, and the same camera publishing straight to the platform, spawned by hand.
 * 3. Owning worker SIGKILLed → first keyframe from the adopting worker, and the most publishers the platform
 *    saw at once on that key (must be 1). Baseline: a bare tuned relay SIGKILLed and spawned again by hand
 *    (kill → first keyframe of the new one).
 * 5. A relayed fallback stream dies (its server keeps readers attached) → the image fallback: the longest
 *    video gap at the destination, beside the same image encoder spawned by hand (spawn → keyframe).
 * 6. An audio-only camera broadcast: source changes per minute over a window (must be 0), beside an A/V
 *    camera broadcast over the same window.
 * 4. CPU per copy-mode broadcast (worker + its ffmpeg children, from /proc) and sourceFps for K = 1, 2, 4,
 *    8, 16, 32, 48 (BENCH_LOAD_STEPS) broadcasts of one RTMP camera, beside K bare relays, until one drops under 29 fps.
 * 7. (always) CPU of one recorded copy-mode broadcast (2 s segments): the whole broadcast (worker + children),
 *    its recorder FFmpeg alone, and the same broadcast unrecorded, beside a bare `ffmpeg -c copy -f segment`
 *    of the same camera, each over the same window, in the same run.
 *
 * The apps get a redis-server of their own (started here on a free port, nothing persisted, stopped at the
 * end), never the developer's 127.0.0.1:6379. control-api keeps its SQLite file in a temp dir. Every
 * process, broadcast, camera and directory is removed on exit. Nothing is pinned (taskset): every figure
 * here is a latency of processes spawned on demand, and the machine's other load shows as spread.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';

import { type BroadcastRuntime, BroadcastKeys } from '@lib-stream/contracts';
import {
  type FfmpegPublisher,
  type RtmpPlatform,
  type RunningApp,
  TEST_JWT_SECRET,
  type TestRedisServer,
  bearerToken,
  childPids,
  freePort,
  startBuiltApp,
  startRtmpPlatform,
  startRedisServer,
  startRtmpPublisher,
  testMediaEnv,
  waitForReady,
} from '@lib-stream/testing';

import { sourceArgs } from '../../apps/media-worker/src/broadcast/ffmpeg/ffmpeg-args';
import { median, runMain } from '../shared/bench-kit';

const ROOT = resolve(__dirname, '../..');
const CAMERA_SIZE = '1280x720';
/** startRtmpPublisher encodes `-g <rate>` at 30 fps: one keyframe a second. */
const CAMERA_FPS = 30;
const FPS_FLOOR = 29;
const LOAD_STEPS = (process.env.BENCH_LOAD_STEPS ?? '1,2,4,8,16,32,48').split(',').map(Number);
const LOAD_WARMUP_MS = 2000;
const LOAD_WINDOW_MS = 8000;
const CLOCK_TICKS = 100;
const MAX_BROADCASTS_PER_WORKER = 64;
const TUNING = ['-tcp_nodelay', '1', '-fpsprobesize', '0', '-analyzeduration', '500000'];

interface Worker {
  name: string;
  app: RunningApp;
  rtmpPort: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API bodies are read loosely, as in the e2e specs
type Json = Record<string, any>;

/** Everything this run started or created, so cleanup can undo it even after a failure. */
const stack = {
  redis: null as Redis | null,
  redisServer: null as TestRedisServer | null,
  platform: null as RtmpPlatform | null,
  cameraKey: `cam${randomBytes(5).toString('hex')}`,
  camera: null as FfmpegPublisher | null,
  apiPort: 0,
  env: {} as Record<string, string>,
  apps: [] as RunningApp[],
  workers: [] as Worker[],
  publishers: new Set<FfmpegPublisher>(),
  processes: new Set<ChildProcess>(),
  broadcasts: new Set<string>(),
  cameras: new Set<string>(),
  dirs: [] as string[],
  workerCount: 0,
  /** A still image inside STREAM_MEDIA_DIR, for the fallbackImageUrl of row 5. */
  image: '',
};
/** Failed rounds and anything odd seen while measuring, printed after the tables. */
const notes: string[] = [];

// --- small helpers ---

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const newKey = (tag: string) => `${tag}_${randomBytes(5).toString('hex')}`;
const platform = (): RtmpPlatform => stack.platform as RtmpPlatform;
const cameraUrl = () => platform().url('cam', stack.cameraKey);

async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 30_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function firstKeyframeAfter(key: string, t: number): number | null {
  return platform().keyframes(key).find((k) => k.t >= t)?.t ?? null;
}

function longestGapAfter(key: string, from: number, to = Infinity): number {
  return Math.max(0, ...platform().gaps(key).filter((g) => g.t >= from && g.t <= to).map((g) => g.ms ?? 0));
}

/** Frames per second at the platform, from keyframe spacing (the camera sends one keyframe every CAMERA_FPS frames). */
function platformFps(key: string, from: number, to: number): number {
  const times = platform().keyframes(key).filter((k) => k.t >= from && k.t <= to).map((k) => k.t);
  if (times.length < 2) return 0;
  return (CAMERA_FPS * (times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
}

function tempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lib-stream-bench-bc-${tag}-`));
  stack.dirs.push(dir);
  return dir;
}

// --- CPU from /proc ---

/** utime+stime of a process and cutime+cstime of its reaped children, in seconds; null once it is gone. */
function procTimes(pid: number): { ppid: number; own: number; reaped: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { ppid: Number(fields[1]), own: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, reaped: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS };
  } catch {
    return null;
  }
}


/** CPU seconds so far of a worker itself (Nest + the program-bus NMS) and of every ffmpeg/ffprobe it started. */
function workerCpu(pid: number): { worker: number; children: number } {
  const self = procTimes(pid);
  if (!self) throw new Error(`worker ${pid} is gone`);
  const live = childPids(pid).reduce((sum, child) => {
    const times = procTimes(child);
    return sum + (times ? times.own + times.reaped : 0);
  }, 0);
  return { worker: self.own, children: self.reaped + live };
}

// --- processes ---

/** A process of ours (bare relay or encoder); stderr is kept for the notes. */
function startProcess(command: string, args: string[]): ChildProcess & { stderrText: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  stack.processes.add(child);
  return Object.assign(child, { stderrText: () => stderr });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  stack.processes.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

function bareRelay(from: string, to: string, tuned: boolean) {
  return startProcess('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...(tuned ? TUNING : []), '-rw_timeout', '5000000', '-i', from,
    '-c', 'copy', '-f', 'flv', '-tcp_nodelay', '1', to,
  ]);
}

/** The media worker's own black fallback command (same settings as for a 1280x720 camera), run by hand. */
function bareBlackEncoder(to: string) {
  const [width, height] = CAMERA_SIZE.split('x').map(Number);
  const settings = { videoCodec: testMediaEnv().STREAM_BROADCAST_VIDEO_CODEC, videoBitrate: '2500k', audioCodec: 'aac', audioBitrate: '128k', width, height, fps: CAMERA_FPS };
  return startProcess('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...sourceArgs({ kind: 'black' }, null, to, settings)]);
}

function startPublisher(url: string): FfmpegPublisher {
  const publisher = startRtmpPublisher(url, { size: CAMERA_SIZE, rate: 30 });
  stack.publishers.add(publisher);
  return publisher;
}

async function stopPublisher(publisher: FfmpegPublisher): Promise<void> {
  stack.publishers.delete(publisher);
  await publisher.stop('SIGKILL');
}

/** SIGTERM, then SIGKILL when the app has not exited within `ms`. */
async function stopApp(app: RunningApp, ms = 15_000): Promise<void> {
  const children = app.child.pid ? childPids(app.child.pid) : [];
  const exit = await Promise.race([app.stop('SIGTERM'), sleep(ms).then(() => 'timeout')]);
  if (exit === 'timeout') {
    notes.push(`${app.name} did not exit within ${ms / 1000} s of SIGTERM: killed`);
    await app.stop('SIGKILL');
  }
  killOrphans(children, `${app.name} (SIGTERM)`);
}

/** ffmpegs that outlived their worker: noted and killed. */
function killOrphans(pids: number[], after: string): number {
  const alive = pids.filter((pid) => procTimes(pid) !== null);
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  if (alive.length) notes.push(`${alive.length} child process(es) of ${after} still ran after it ended (killed by the bench)`);
  return alive.length;
}

// --- the stack ---

function buildApps(): void {
  if (process.env.BENCH_SKIP_BUILD) return;
  // The build must not inherit this script's ts-node settings.
  const { TS_NODE_PROJECT: _omit, ...buildEnv } = process.env;
  try {
    execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'control-api', 'media-worker', '--output-style=static'], { cwd: ROOT, stdio: 'pipe', env: buildEnv });
  } catch (error) {
    const output = String((error as { stdout?: Buffer }).stdout ?? '') + String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`build failed:\n${output.slice(-3000)}`);
  }
}

/** This run's own redis-server: the apps never meet the developer's Redis or a test's. */
async function startOwnRedis(): Promise<void> {
  stack.redisServer = await startRedisServer();
  stack.redis = new Redis(stack.redisServer.url);
}

async function startWorker(): Promise<Worker> {
  const name = `worker-${++stack.workerCount}`;
  const [httpPort, rtmpPort] = [await freePort(), await freePort()];
  const app = startBuiltApp('media-worker', {
    ...stack.env,
    MEDIA_WORKER_HTTP_PORT: String(httpPort),
    STREAM_RTMP_INGEST_PORT: String(rtmpPort),
    STREAM_DATA_DIR: tempDir(name),
    STREAM_RECORDINGS_DIR: tempDir(`${name}-recordings`),
    STREAM_MAX_CONCURRENT_BROADCASTS: String(MAX_BROADCASTS_PER_WORKER),
  });
  app.name = name;
  stack.apps.push(app);
  await waitForReady(`http://127.0.0.1:${httpPort}`);
  const worker = { name, app, rtmpPort };
  stack.workers.push(worker);
  return worker;
}

async function startPlatformCamera(): Promise<void> {
  const since = Date.now();
  stack.camera = startPublisher(cameraUrl());
  await waitFor('the camera on the platform', () => firstKeyframeAfter(stack.cameraKey, since), 15_000);
}

async function stopPlatformCamera(): Promise<void> {
  if (stack.camera) await stopPublisher(stack.camera);
  stack.camera = null;
}

async function startStack(): Promise<void> {
  buildApps();
  await startOwnRedis();
  stack.platform = await startRtmpPlatform();
  stack.apiPort = await freePort();
  stack.env = {
    STREAM_REDIS_URL: (stack.redisServer as TestRedisServer).url,
    STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
    STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    STREAM_LOG_LEVEL: 'info',
    STREAM_BROADCAST_ENABLED: 'true',
    STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
    // The fake platforms and cameras are on loopback, which the media policy refuses by default.
    STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
    // The cascade ends at black: nothing to find on this machine.
    STREAM_DEFAULT_BACKGROUND_VIDEO: '/nonexistent/default.mp4',
    STREAM_MEDIA_DIR: tempDir('media'),
  };
  stack.image = join(stack.env.STREAM_MEDIA_DIR, 'fallback.png');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `smptehdbars=size=${CAMERA_SIZE}`, '-frames:v', '1', stack.image]);
  const api = startBuiltApp('control-api', { ...stack.env, CONTROL_API_PORT: String(stack.apiPort), STREAM_DATA_DIR: tempDir('control-api') });
  stack.apps.push(api);
  await waitForReady(`http://127.0.0.1:${stack.apiPort}`);
  await startWorker();
  await startWorker();
  await startPlatformCamera();
}

// --- the API ---

async function api(path: string, body: object): Promise<{ status: number; body: Json }> {
  const response = await fetch(`http://127.0.0.1:${stack.apiPort}${path}`, {
    method: 'POST',
    headers: { Authorization: bearerToken('bench', ['admin']), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Json = {};
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    parsed = { message: text };
  }
  return { status: response.status, body: parsed };
}

async function startBroadcast(sourceId: string, key: string, extra: Json = {}): Promise<{ broadcastId: string; answeredAt: number }> {
  const started = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId, rtmpOutputUrl: platform().url('app', key), ...extra });
  const answeredAt = Date.now();
  if (started.status !== 200) throw new Error(`broadcast start answered ${started.status}: ${started.body.message}`);
  stack.broadcasts.add(started.body.broadcastId);
  return { broadcastId: started.body.broadcastId, answeredAt };
}

async function stopBroadcast(broadcastId: string): Promise<void> {
  const stopped = await api('/stream/broadcast/stop', { broadcastId });
  if (stopped.status !== 200 || stopped.body.isActive !== false) notes.push(`stop of ${broadcastId} answered ${stopped.status} (isActive ${stopped.body.isActive})`);
  stack.broadcasts.delete(broadcastId);
}

async function status(broadcastId: string): Promise<Json> {
  return (await api('/stream/broadcast/status', { broadcastId })).body;
}

/** What the owning worker last wrote (the API's status is built from it; sourceFps is only here). */
async function runtime(broadcastId: string): Promise<BroadcastRuntime | null> {
  const raw = await (stack.redis as Redis).get(BroadcastKeys.runtime(broadcastId));
  return raw ? (JSON.parse(raw) as BroadcastRuntime) : null;
}

/** Polls the runtime (25 ms) until the video source on air is (or is no longer) `type`; returns when that was seen. */
async function sourceTypeSeen(broadcastId: string, matches: (type: string | null) => boolean, what: string): Promise<{ at: number; type: string | null }> {
  return waitFor(what, async () => {
    const type = (await runtime(broadcastId))?.videoSourceType ?? null;
    return matches(type) ? { at: Date.now(), type } : null;
  }, 30_000, 25);
}

async function createCamera(): Promise<{ cameraId: string; streamKey: string }> {
  const created = await api('/stream/camera/create', { name: 'bench camera' });
  if (created.status !== 200) throw new Error(`camera create answered ${created.status}: ${created.body.message}`);
  stack.cameras.add(created.body.camera.cameraId);
  return { cameraId: created.body.camera.cameraId, streamKey: created.body.streamKey };
}

async function deleteCamera(cameraId: string): Promise<void> {
  await api('/stream/camera/delete', { cameraId });
  stack.cameras.delete(cameraId);
}

// --- 1. start → first keyframe ---

const startRowIds = new Set<string>();

/** The workers' `stagesMs` of the row-1 starts ("broadcast started" log lines), per stage. */
function startStages(): Record<string, number[]> {
  const stages: Record<string, number[]> = {};
  for (const app of stack.apps) {
    for (const line of app.output().split('\n')) {
      if (!line.includes('"broadcast started"')) continue;
      try {
        const entry = JSON.parse(line) as Json;
        if (!startRowIds.has(entry.broadcastId)) continue;
        for (const [stage, ms] of Object.entries(entry.stagesMs ?? {})) if (typeof ms === 'number') (stages[stage] ??= []).push(ms);
      } catch {
        // not a log line
      }
    }
  }
  return stages;
}

async function oursStartToKeyframe(): Promise<{ ttff: number; response: number }> {
  const key = newKey('start');
  const sentAt = Date.now();
  const { broadcastId, answeredAt } = await startBroadcast(cameraUrl(), key);
  startRowIds.add(broadcastId);
  try {
    const keyframe = await waitFor('the first keyframe of a new broadcast', () => firstKeyframeAfter(key, sentAt));
    return { ttff: keyframe - sentAt, response: answeredAt - sentAt };
  } finally {
    await stopBroadcast(broadcastId);
  }
}

async function bareSpawnToKeyframe(start: (to: string) => ChildProcess & { stderrText: () => string }, tag: string): Promise<number> {
  const key = newKey(tag.replace(/\W+/g, ''));
  const spawnedAt = Date.now();
  const child = start(platform().url('app', key));
  try {
    const keyframe = await waitFor(`the first keyframe of ${tag}`, () => {
      const seen = firstKeyframeAfter(key, spawnedAt);
      if (seen === null && child.exitCode !== null) throw new Error(`${tag} exited: ${child.stderrText().trim()}`);
      return seen;
    });
    return keyframe - spawnedAt;
  } finally {
    await stopProcess(child);
  }
}

// --- 2. camera SIGKILL → fallback, camera back → primary ---

interface CameraRound {
  killToStatus: number;
  killToKeyframe: number;
  gapAfterKill: number;
  fallbackType: string | null;
  respawnToStatus: number;
  respawnToKeyframe: number;
  gapAfterRespawn: number;
  newPublishes: number;
}

async function cameraKillAndReturn(): Promise<CameraRound> {
  const { cameraId, streamKey } = await createCamera();
  const ingest = `rtmp://127.0.0.1:${stack.workers[0].rtmpPort}/live/${streamKey}`;
  let camera = startPublisher(ingest);
  let broadcastId: string | null = null;
  try {
    await waitFor('the camera live on the ingest', async () => (await api('/stream/camera/status', { cameraId })).body.state === 'live', 15_000, 100);
    const key = newKey('camkill');
    broadcastId = (await startBroadcast(cameraId, key)).broadcastId;
    const id = broadcastId;
    await waitFor('the camera at the platform', () => firstKeyframeAfter(key, 0));
    await sleep(2000);
    const publishes = platform().publishes(key).length;

    const killedAt = Date.now();
    await stopPublisher(camera);
    const fallback = await sourceTypeSeen(id, (type) => type !== 'primary_stream', 'the fallback on air');
    const fallbackKeyframe = await waitFor('the first fallback keyframe', () => firstKeyframeAfter(key, fallback.at));
    await sleep(Math.max(0, killedAt + 5000 - Date.now()));
    const gapAfterKill = longestGapAfter(key, killedAt);

    const respawnedAt = Date.now();
    camera = startPublisher(ingest);
    const primary = await sourceTypeSeen(id, (type) => type === 'primary_stream', 'the camera back on air');
    const primaryKeyframe = await waitFor('the first keyframe of the camera back', () => firstKeyframeAfter(key, primary.at));
    await sleep(2000);
    return {
      killToStatus: fallback.at - killedAt,
      killToKeyframe: fallbackKeyframe - killedAt,
      gapAfterKill,
      fallbackType: fallback.type,
      respawnToStatus: primary.at - respawnedAt,
      respawnToKeyframe: primaryKeyframe - respawnedAt,
      gapAfterRespawn: longestGapAfter(key, respawnedAt),
      newPublishes: platform().publishes(key).length - publishes,
    };
  } finally {
    if (broadcastId) await stopBroadcast(broadcastId);
    await stopPublisher(camera);
    await deleteCamera(cameraId);
  }
}

// --- 5. fallback stream dies → image ---

async function fallbackStreamToImage(): Promise<number> {
  const { cameraId, streamKey } = await createCamera();
  const camera = startPublisher(`rtmp://127.0.0.1:${stack.workers[0].rtmpPort}/live/${streamKey}`);
  const fallbackKey = newKey('fbstream');
  const fallback = startPublisher(platform().url('fb', fallbackKey));
  let broadcastId: string | null = null;
  try {
    await waitFor('the camera live on the ingest', async () => (await api('/stream/camera/status', { cameraId })).body.state === 'live', 15_000, 100);
    await waitFor('the fallback stream on the platform', () => firstKeyframeAfter(fallbackKey, 0), 15_000);
    const key = newKey('fbstall');
    const started = await api('/stream/broadcast/start', {
      sourceType: 'Camera', sourceId: cameraId, rtmpOutputUrl: platform().url('app', key), fallbackStreamUrl: platform().url('fb', fallbackKey), fallbackImageUrl: stack.image,
    });
    if (started.status !== 200) throw new Error(`broadcast start answered ${started.status}: ${started.body.message}`);
    broadcastId = started.body.broadcastId as string;
    stack.broadcasts.add(broadcastId);
    const id = broadcastId;
    await waitFor('the camera at the platform', () => firstKeyframeAfter(key, 0));
    await stopPublisher(camera);
    await sourceTypeSeen(id, (type) => type === 'fallback_stream', 'the fallback stream on air');
    await sleep(3000);
    const killedAt = Date.now();
    stack.publishers.delete(fallback);
    await fallback.stop('SIGKILL');
    await sourceTypeSeen(id, (type) => type === 'fallback_image', 'the image on air');
    await waitFor('the first image keyframe', () => firstKeyframeAfter(key, killedAt));
    await sleep(1500);
    return longestGapAfter(key, killedAt - 200);
  } finally {
    if (broadcastId) await stopBroadcast(broadcastId);
    await stopPublisher(camera);
    await stopPublisher(fallback);
    await deleteCamera(cameraId);
  }
}

/** The worker's own image fallback command, run by hand. */
function bareImageEncoder(to: string) {
  const [width, height] = CAMERA_SIZE.split('x').map(Number);
  const settings = { videoCodec: testMediaEnv().STREAM_BROADCAST_VIDEO_CODEC, videoBitrate: '2500k', audioCodec: 'aac', audioBitrate: '128k', width, height, fps: CAMERA_FPS };
  return startProcess('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...sourceArgs({ kind: 'image', path: stack.image }, null, to, settings)]);
}

// --- 6. source changes of an audio-only camera broadcast ---

const SOURCE_CHANGE_WINDOW_MS = 30_000;

/** Source changes per minute of a camera broadcast over the window, counted from stream.broadcast.source-changed. */
async function sourceChangesPerMinute(audioOnly: boolean): Promise<number> {
  const { cameraId, streamKey } = await createCamera();
  const ingest = `rtmp://127.0.0.1:${stack.workers[0].rtmpPort}/live/${streamKey}`;
  const media = audioOnly
    ? ['-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100', '-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '2', '-vn']
    : ['-f', 'lavfi', '-i', `testsrc2=size=${CAMERA_SIZE}:rate=${CAMERA_FPS}`, '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(CAMERA_FPS), '-pix_fmt', 'yuv420p', '-b:v', '2500k', '-c:a', 'aac', '-b:a', '64k'];
  const camera = startProcess('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', ...media, '-f', 'flv', '-tcp_nodelay', '1', ingest]);
  const events = new Redis((stack.redisServer as TestRedisServer).url);
  let broadcastId: string | null = null;
  let changes = 0;
  try {
    await waitFor('the camera live on the ingest', async () => (await api('/stream/camera/status', { cameraId })).body.state === 'live', 15_000, 100);
    const key = newKey(audioOnly ? 'audioonly' : 'avcamera');
    broadcastId = (await startBroadcast(cameraId, key)).broadcastId;
    const id = broadcastId;
    await waitFor('the broadcast at the platform', () => firstKeyframeAfter(key, 0));
    await events.subscribe('stream.broadcast.source-changed');
    events.on('message', (_channel: string, message: string) => {
      if ((JSON.parse(message) as Json).data?.broadcastId === id) changes++;
    });
    await sleep(SOURCE_CHANGE_WINDOW_MS);
    return (changes * 60_000) / SOURCE_CHANGE_WINDOW_MS;
  } finally {
    events.disconnect();
    if (broadcastId) await stopBroadcast(broadcastId);
    await stopProcess(camera);
    await deleteCamera(cameraId);
  }
}

// --- 3. worker SIGKILL → back on air ---

/** When the adopting worker logged that it takes `broadcastId` over (epoch ms), or null. */
function adoptionLoggedAt(broadcastId: string): number | null {
  for (const app of stack.apps) {
    for (const line of app.output().split('\n')) {
      if (!line.includes('"adopting broadcast whose worker is gone"') || !line.includes(broadcastId)) continue;
      try {
        return Date.parse((JSON.parse(line) as Json).time);
      } catch {
        // not a log line
      }
    }
  }
  return null;
}

/** Baseline of row 3: a bare tuned relay SIGKILLed and spawned again by hand; kill → the new one's first keyframe. */
async function bareRelayRestart(): Promise<number> {
  const key = newKey('barerestart');
  const to = platform().url('app', key);
  const first = bareRelay(cameraUrl(), to, true);
  let second: ReturnType<typeof bareRelay> | null = null;
  try {
    await waitFor('the first bare relay at the platform', () => firstKeyframeAfter(key, 0));
    await sleep(500);
    const killedAt = Date.now();
    await stopProcess(first);
    second = bareRelay(cameraUrl(), to, true);
    const relay = second;
    const keyframe = await waitFor('the respawned bare relay at the platform', () => {
      const republished = platform().publishes(key).find((p) => p.t >= killedAt);
      if (!republished && relay.exitCode !== null) throw new Error(`bare relay exited: ${relay.stderrText().trim()}`);
      return republished ? firstKeyframeAfter(key, republished.t) : null;
    });
    return keyframe - killedAt;
  } finally {
    await stopProcess(first);
    if (second) await stopProcess(second);
  }
}

async function workerKillToAir(): Promise<{ backOnAir: number; ownerInStatus: number; detected: number; orphans: number; maxPublishers: number }> {
  const key = newKey('failover');
  const { broadcastId } = await startBroadcast(cameraUrl(), key);
  try {
    await waitFor('the broadcast at the platform', () => firstKeyframeAfter(key, 0));
    const ownerId = await waitFor('an owner in status', async () => (await status(broadcastId)).workerId as string | null);
    const owner = stack.workers.find((w) => w.app.output().includes(`"instanceId":"${ownerId}"`));
    if (!owner) throw new Error(`no running worker printed instance id ${ownerId}`);
    await sleep(1000);
    const children = childPids(owner.app.child.pid as number);

    const killedAt = Date.now();
    await owner.app.stop('SIGKILL');
    stack.workers = stack.workers.filter((w) => w !== owner);
    const [backOnAir, ownerInStatus] = await Promise.all([
      waitFor('keyframes from the adopting worker', () => {
        const republished = platform().publishes(key).find((p) => p.t > killedAt);
        return republished ? firstKeyframeAfter(key, republished.t) : null;
      }),
      waitFor('a new owner in status', async () => {
        const workerId = (await status(broadcastId)).workerId as string | null;
        return workerId && workerId !== ownerId ? Date.now() : null;
      }, 30_000, 100),
    ]);
    await sleep(500);
    const adoptedAt = adoptionLoggedAt(broadcastId);
    return {
      backOnAir: backOnAir - killedAt,
      ownerInStatus: ownerInStatus - killedAt,
      detected: adoptedAt ? adoptedAt - killedAt : NaN,
      orphans: killOrphans(children, `SIGKILLed ${owner.name}`),
      maxPublishers: platform().mostPublishersAtOnce(key),
    };
  } finally {
    await stopBroadcast(broadcastId);
    if (stack.workers.length < 2) await startWorker();
  }
}

// --- 4. CPU and fps under load ---

interface LoadSide {
  cpuPerStream: number;
  workerPerStream?: number;
  minSourceFps?: number;
  minPlatformFps: number;
}

interface LoadStep {
  k: number;
  ours: LoadSide;
  bare: LoadSide;
}

async function oursUnderLoad(k: number, worker: Worker): Promise<LoadSide> {
  const keys = Array.from({ length: k }, () => newKey(`load${k}`));
  const ids: string[] = [];
  try {
    // One at a time: the worker takes assignments one by one anyway. Each source URL differs by a query
    // NMS ignores, since a source may feed only one broadcast.
    for (const [i, key] of keys.entries()) ids.push((await startBroadcast(`${cameraUrl()}?n=${i}`, key)).broadcastId);
    await waitFor('keyframes on every destination', () => keys.every((key) => platform().keyframes(key).length > 0));
    await sleep(LOAD_WARMUP_MS);
    const pid = worker.app.child.pid as number;
    const before = workerCpu(pid);
    const from = Date.now();
    const fps = new Map<string, number[]>(ids.map((id) => [id, []]));
    while (Date.now() - from < LOAD_WINDOW_MS) {
      await sleep(1000);
      for (const id of ids) {
        const value = (await runtime(id))?.sourceFps;
        if (value != null) fps.get(id)?.push(value);
      }
    }
    const after = workerCpu(pid);
    const to = Date.now();
    const seconds = (to - from) / 1000;
    const meanFps = [...fps.values()].map((values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0));
    return {
      cpuPerStream: (100 * (after.worker - before.worker + after.children - before.children)) / k / seconds,
      workerPerStream: (100 * (after.worker - before.worker)) / k / seconds,
      minSourceFps: Math.min(...meanFps),
      minPlatformFps: Math.min(...keys.map((key) => platformFps(key, from, to))),
    };
  } finally {
    await Promise.all(ids.map((id) => stopBroadcast(id)));
  }
}

async function bareUnderLoad(k: number): Promise<LoadSide> {
  const keys = Array.from({ length: k }, () => newKey(`bareload${k}`));
  const relays = keys.map((key) => bareRelay(cameraUrl(), platform().url('app', key), true));
  try {
    await waitFor('keyframes on every bare relay', () => keys.every((key) => platform().keyframes(key).length > 0));
    await sleep(LOAD_WARMUP_MS);
    const cpu = () => relays.reduce((sum, relay) => sum + (procTimes(relay.pid as number)?.own ?? 0), 0);
    const before = cpu();
    const from = Date.now();
    await sleep(LOAD_WINDOW_MS);
    const after = cpu();
    const to = Date.now();
    return { cpuPerStream: (100 * (after - before)) / k / ((to - from) / 1000), minPlatformFps: Math.min(...keys.map((key) => platformFps(key, from, to))) };
  } finally {
    await Promise.all(relays.map((relay) => stopProcess(relay)));
  }
}

/** CPU of the worker with no broadcast (heartbeats, ticks, ingest), in % of a core: part of every figure above. */
async function idleWorkerCpu(worker: Worker): Promise<number> {
  const pid = worker.app.child.pid as number;
  const before = workerCpu(pid);
  const from = Date.now();
  await sleep(LOAD_WINDOW_MS);
  const after = workerCpu(pid);
  return (100 * (after.worker - before.worker + after.children - before.children)) / ((Date.now() - from) / 1000);
}

/** K = 1, 2, 4 … on one worker (the others are stopped), until a broadcast falls below FPS_FLOOR. */
async function loadSweep(): Promise<{ idle: number; steps: LoadStep[] }> {
  while (stack.workers.length > 1) await stopApp((stack.workers.pop() as Worker).app);
  const worker = stack.workers[0];
  const idle = await idleWorkerCpu(worker);
  const steps: LoadStep[] = [];
  for (const k of LOAD_STEPS) {
    try {
      const ours = await oursUnderLoad(k, worker);
      const bare = await bareUnderLoad(k);
      steps.push({ k, ours, bare });
      console.log(`  K=${k}: ours ${ours.cpuPerStream.toFixed(1)} %/broadcast, min sourceFps ${ours.minSourceFps?.toFixed(1)}; bare ${bare.cpuPerStream.toFixed(1)} %/relay`);
      if ((ours.minSourceFps ?? 0) < FPS_FLOOR || ours.minPlatformFps < FPS_FLOOR) break;
    } catch (error) {
      notes.push(`load K=${k}: ${(error as Error).message}`);
      break;
    }
  }
  return { idle, steps };
}

// --- 7. CPU of a recording ---

const RECORD_SEGMENT_SECONDS = 2;

interface RecordingCpu {
  /** % of one core over the window. */
  recorded: number;
  recorder: number;
  unrecorded: number;
  bare: number;
  segments: number;
  /** Recorder processes seen in the window (more than one: a source switch replaced it). */
  recorderProcesses: number;
}

/** CPU % of one core of a worker's broadcast (worker + children) and of its children whose command line matches `recorder`. */
async function broadcastCpu(broadcastId: string, key: string): Promise<{ total: number; recorder: number; recorderProcesses: number }> {
  await waitFor('the broadcast at the platform', () => firstKeyframeAfter(key, 0));
  const ownerId = await waitFor('an owner in status', async () => (await status(broadcastId)).workerId as string | null);
  const owner = stack.workers.find((w) => w.app.output().includes(`"instanceId":"${ownerId}"`));
  if (!owner) throw new Error(`no running worker printed instance id ${ownerId}`);
  await sleep(LOAD_WARMUP_MS);
  const pid = owner.app.child.pid as number;
  // The recorder is the child writing segments (bound to the worker through setpriv, which execs ffmpeg).
  // A source switch replaces its process (recorder.ts), so every recorder seen is sampled every 100 ms:
  // its CPU over the window is its last sample minus its first (0 for one born in the window).
  const recorderCpu = new Map<number, { first: number; last: number }>();
  const sampleRecorders = (initial: boolean) => {
    for (const child of childPids(pid)) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      if (!cmdline.includes('\0segment\0')) continue;
      const own = procTimes(child)?.own;
      if (own === undefined) continue;
      const seen = recorderCpu.get(child);
      if (seen) seen.last = own;
      else recorderCpu.set(child, { first: initial ? own : 0, last: own });
    }
  };
  const before = workerCpu(pid);
  sampleRecorders(true);
  const from = Date.now();
  while (Date.now() - from < LOAD_WINDOW_MS) {
    await sleep(100);
    sampleRecorders(false);
  }
  const after = workerCpu(pid);
  const seconds = (Date.now() - from) / 1000;
  const recorder = [...recorderCpu.values()].reduce((sum, { first, last }) => sum + last - first, 0);
  return { total: (100 * (after.worker - before.worker + after.children - before.children)) / seconds, recorder: (100 * recorder) / seconds, recorderProcesses: recorderCpu.size };
}

/** Row 7: one recorded broadcast, the same unrecorded, and a bare segmenter of the same camera, one after another. */
async function recordingCpu(): Promise<RecordingCpu> {
  const recordedKey = newKey('recorded');
  const recorded = await startBroadcast(cameraUrl(), recordedKey, { record: { enabled: true, segmentSeconds: RECORD_SEGMENT_SECONDS } });
  let withRecording: { total: number; recorder: number; recorderProcesses: number };
  let segments = 0;
  try {
    withRecording = await broadcastCpu(recorded.broadcastId, recordedKey);
    segments = Number((await status(recorded.broadcastId)).recording?.segments ?? 0);
  } finally {
    await stopBroadcast(recorded.broadcastId);
  }
  const plainKey = newKey('unrecorded');
  const plain = await startBroadcast(cameraUrl(), plainKey);
  let without: { total: number };
  try {
    without = await broadcastCpu(plain.broadcastId, plainKey);
  } finally {
    await stopBroadcast(plain.broadcastId);
  }
  const dir = tempDir('bare-segments');
  const bare = startProcess('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error', ...TUNING, '-rw_timeout', '5000000', '-i', cameraUrl(),
    '-map', '0', '-c', 'copy', '-f', 'segment', '-segment_format', 'mpegts', '-segment_time', String(RECORD_SEGMENT_SECONDS), join(dir, 'seg-%05d.ts'),
  ]);
  try {
    await waitFor('the bare segmenter writing', () => existsSync(join(dir, 'seg-00000.ts')), 15_000);
    await sleep(LOAD_WARMUP_MS);
    const before = procTimes(bare.pid as number)?.own ?? NaN;
    const from = Date.now();
    await sleep(LOAD_WINDOW_MS);
    const after = procTimes(bare.pid as number)?.own ?? NaN;
    return {
      recorded: withRecording.total,
      recorder: withRecording.recorder,
      recorderProcesses: withRecording.recorderProcesses,
      unrecorded: without.total,
      bare: (100 * (after - before)) / ((Date.now() - from) / 1000),
      segments,
    };
  } finally {
    await stopProcess(bare);
  }
}

function printRecordingTable(cpu: RecordingCpu): void {
  console.log(`
## 7. Recording one copy-mode broadcast of the ${CAMERA_SIZE}@${CAMERA_FPS} camera (${RECORD_SEGMENT_SECONDS} s MPEG-TS segments), ${LOAD_WINDOW_MS / 1000} s windows, measured once (CPU in % of one core)
`);
  console.log('| measure | ours | baseline (same run) | ours / baseline |');
  console.log('|---|---|---|---|');
  const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '—');
  console.log(`| 7. recorder FFmpeg of a recorded broadcast | ${cpu.recorder.toFixed(1)} % | bare \`ffmpeg -c copy -f segment\` of the camera: ${cpu.bare.toFixed(1)} % | ${x(cpu.recorder, cpu.bare)} |`);
  console.log(`| 7. whole recorded broadcast (worker + source, pusher, recorder) | ${cpu.recorded.toFixed(1)} % | the same broadcast unrecorded: ${cpu.unrecorded.toFixed(1)} % | ${x(cpu.recorded, cpu.unrecorded)} |`);
  console.log(
    `\nThe recorded broadcast had written ${cpu.segments} segment(s) when its window ended, with ${cpu.recorderProcesses} recorder process(es) (a source switch starts a new one). ` +
      `The recording's own cost is the first row; the second row's difference (${(cpu.recorded - cpu.unrecorded).toFixed(1)} % of a core) also holds whatever else differed between the two windows (source restarts on a loaded machine show in the warnings below).`,
  );
}

// --- rounds ---

interface Results {
  ttff: number[];
  response: number[];
  bareTuned: number[];
  bareDefault: number[];
  cameras: CameraRound[];
  bareBlack: number[];
  bareCamera: number[];
  backOnAir: number[];
  ownerInStatus: number[];
  maxPublishers: number[];
  detected: number[];
  bareRestart: number[];
  streamToImageGap: number[];
  bareImage: number[];
  audioOnlyChanges: number[];
  avChanges: number[];
}

/** Runs one measurement; a failure is noted and leaves a hole (NaN) instead of ending the run. */
async function attempt<T>(what: string, round: number, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    notes.push(`round ${round + 1}, ${what}: ${(error as Error).message}`);
    return null;
  }
}

async function runRound(round: number, results: Results, full: boolean): Promise<void> {
  const ours = await attempt('start → keyframe', round, oursStartToKeyframe);
  results.ttff.push(ours?.ttff ?? NaN);
  results.response.push(ours?.response ?? NaN);
  results.bareTuned.push((await attempt('bare relay (tuned)', round, () => bareSpawnToKeyframe((to) => bareRelay(cameraUrl(), to, true), 'bare relay (tuned)'))) ?? NaN);
  results.bareDefault.push((await attempt('bare relay (defaults)', round, () => bareSpawnToKeyframe((to) => bareRelay(cameraUrl(), to, false), 'bare relay (defaults)'))) ?? NaN);

  const failover = await attempt('worker SIGKILL', round, workerKillToAir);
  results.backOnAir.push(failover?.backOnAir ?? NaN);
  results.ownerInStatus.push(failover?.ownerInStatus ?? NaN);
  results.maxPublishers.push(failover?.maxPublishers ?? NaN);
  results.detected.push(failover?.detected ?? NaN);
  results.bareRestart.push((await attempt('bare relay restart', round, bareRelayRestart)) ?? NaN);
  if (!full) return;

  // The platform camera rests meanwhile: two x264 cameras and a fallback encoder would not fit on 2 cores.
  await stopPlatformCamera();
  try {
    const camera = await attempt('camera SIGKILL', round, cameraKillAndReturn);
    if (camera) results.cameras.push(camera);
    results.bareBlack.push((await attempt('bare black encoder', round, () => bareSpawnToKeyframe(bareBlackEncoder, 'bare black encoder'))) ?? NaN);
    results.bareCamera.push(
      (await attempt('bare camera', round, () => bareSpawnToKeyframe((to) => publisherAsProcess(to), 'camera straight to the platform'))) ?? NaN,
    );
    results.streamToImageGap.push((await attempt('fallback stream SIGKILL → image', round, fallbackStreamToImage)) ?? NaN);
    results.bareImage.push((await attempt('bare image encoder', round, () => bareSpawnToKeyframe(bareImageEncoder, 'bare image encoder'))) ?? NaN);
    results.audioOnlyChanges.push((await attempt('audio-only camera', round, () => sourceChangesPerMinute(true))) ?? NaN);
    results.avChanges.push((await attempt('A/V camera', round, () => sourceChangesPerMinute(false))) ?? NaN);
  } finally {
    await startPlatformCamera();
  }
}

/** startRtmpPublisher as a ChildProcess for bareSpawnToKeyframe. */
function publisherAsProcess(to: string): ChildProcess & { stderrText: () => string } {
  const publisher = startRtmpPublisher(to, { size: CAMERA_SIZE, rate: 30 });
  stack.processes.add(publisher.child);
  return Object.assign(publisher.child, { stderrText: () => publisher.stderr() });
}

// --- output ---

function finite(values: number[]): number[] {
  return values.filter(Number.isFinite).sort((a, b) => a - b);
}

function spread(values: number[], unit = 'ms'): string {
  const sorted = finite(values);
  if (!sorted.length) return 'n/a';
  const holes = values.length - sorted.length;
  const range = sorted.length > 1 ? ` (${Math.round(sorted[0])}–${Math.round(sorted[sorted.length - 1])})` : '';
  return `${Math.round(median(sorted))} ${unit}${range}${holes ? ` [${holes} failed]` : ''}`;
}

function ratio(ours: number[], baseline: number[]): string {
  const value = median(ours) / median(baseline);
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '—';
}

/** One printed row: our figure beside its same-run baseline. Times in ms (medians over the rounds). */
export interface BroadcastBenchRow {
  measure: string;
  ours: string;
  baseline: string;
  ratio: string;
  /** The medians behind `ratio` (NaN when a side had no successful round). */
  oursMs: number;
  baselineMs: number;
}

function row(measure: string, ours: number[], baselineLabel: string, baseline: number[] | null): BroadcastBenchRow {
  return {
    measure,
    ours: spread(ours),
    baseline: baseline ? `${baselineLabel}: ${spread(baseline)}` : baselineLabel,
    ratio: baseline ? ratio(ours, baseline) : '',
    oursMs: median(ours),
    baselineMs: baseline ? median(baseline) : NaN,
  };
}

/** Rows 1 and 3 (issue 15's hot paths), and with `full` the others. */
function latencyRows(results: Results, full: boolean): BroadcastBenchRow[] {
  const cam = (pick: (c: CameraRound) => number) => results.cameras.map(pick);
  const rows: BroadcastBenchRow[] = [
    row('1. API start → first keyframe at the platform', results.ttff, 'bare relay, tuned', results.bareTuned),
    row('1. API start → first keyframe at the platform', results.ttff, 'bare relay, ffmpeg defaults', results.bareDefault),
    row('1. API start → response', results.response, '—', null),
    row('3. owner SIGKILL → first keyframe from the adopter', results.backOnAir, 'bare tuned relay SIGKILLed and respawned', results.bareRestart),
    row('3. owner SIGKILL → the adopter takes it over (its log)', results.detected, '—', null),
    row('3. owner SIGKILL → status shows the new owner', results.ownerInStatus, '—', null),
    { measure: '3. most publishers at once at the platform during the takeover', ours: results.maxPublishers.map(String).join(', ') || 'n/a', baseline: '1 expected', ratio: '', oursMs: NaN, baselineMs: NaN },
  ];
  if (!full) return rows;
  return [
    ...rows,
    row('2. camera SIGKILL → status shows the fallback', cam((c) => c.killToStatus), '—', null),
    row('2. camera SIGKILL → first fallback keyframe', cam((c) => c.killToKeyframe), 'black encoder spawned by hand', results.bareBlack),
    row('2. longest video gap after the kill', cam((c) => c.gapAfterKill), '—', null),
    row('2. camera respawn → status primary_stream', cam((c) => c.respawnToStatus), '—', null),
    row('2. camera respawn → first keyframe after that', cam((c) => c.respawnToKeyframe), 'camera straight to the platform', results.bareCamera),
    row('2. longest video gap after the respawn', cam((c) => c.gapAfterRespawn), '—', null),
    { measure: '2. new publishes at the platform (kill + respawn)', ours: cam((c) => c.newPublishes).join(', ') || 'n/a', baseline: '0 expected', ratio: '', oursMs: NaN, baselineMs: NaN },
    row('5. fallback stream SIGKILL → image: longest video gap at the platform', results.streamToImageGap, 'image encoder spawned by hand → keyframe', results.bareImage),
    {
      measure: `6. audio-only camera: source changes per minute (${SOURCE_CHANGE_WINDOW_MS / 1000} s window, 0 expected)`,
      ours: spread(results.audioOnlyChanges, '/min'),
      baseline: `A/V camera, same window: ${spread(results.avChanges, '/min')}`,
      ratio: '',
      oursMs: NaN,
      baselineMs: NaN,
    },
  ];
}

function printLatencyTable(rows: BroadcastBenchRow[], results: Results, rounds: number): void {
  console.log(`\n## Broadcast latencies, ${rounds} round(s), camera ${CAMERA_SIZE}@${CAMERA_FPS} — median (min–max)\n`);
  console.log('| measure | ours | baseline (same run) | ours / baseline |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.measure} | ${r.ours} | ${r.baseline} | ${r.ratio} |`);
  const stages = startStages();
  if (Object.keys(stages).length) {
    console.log(`\nWhere row 1's time goes on the worker (stagesMs, median): ${Object.entries(stages).map(([stage, ms]) => `${stage} ${spread(ms)}`).join(', ')}.`);
  }
  const fallbacks = [...new Set(results.cameras.map((c) => c.fallbackType))];
  if (fallbacks.length) console.log(`\nFallback on air after the camera kill: ${fallbacks.join(', ')}.`);
}

function printLoadTable({ idle, steps }: { idle: number; steps: LoadStep[] }): void {
  console.log(`\n## Copy-mode broadcasts of one ${CAMERA_SIZE} RTMP camera on one worker, ${LOAD_WINDOW_MS / 1000} s windows, measured once (CPU in % of one core)\n`);
  console.log(`Idle worker, no broadcast: ${idle.toFixed(1)} % (included in "ours"; "minus idle" takes it out).\n`);
  console.log('| K | ours CPU/broadcast (worker process part) | ours minus idle | bare CPU/relay | ours / bare | ours min sourceFps | ours min fps at platform | bare min fps at platform |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const { k, ours, bare } of steps) {
    const x = ours.cpuPerStream / Math.max(bare.cpuPerStream, 0.01);
    const marginal = ours.cpuPerStream - idle / k;
    console.log(
      `| ${k} | ${ours.cpuPerStream.toFixed(1)} % (${(ours.workerPerStream ?? 0).toFixed(1)} %) | ${marginal.toFixed(1)} % | ${bare.cpuPerStream.toFixed(1)} % | ${x.toFixed(2)}x | ${ours.minSourceFps?.toFixed(1)} | ${ours.minPlatformFps.toFixed(1)} | ${bare.minPlatformFps.toFixed(1)} |`,
    );
  }
  const held = (side: (s: LoadStep) => boolean) => Math.max(0, ...steps.filter(side).map((s) => s.k));
  const oursHeld = held((s) => (s.ours.minSourceFps ?? 0) >= FPS_FLOOR && s.ours.minPlatformFps >= FPS_FLOOR);
  const bareHeld = held((s) => s.bare.minPlatformFps >= FPS_FLOOR);
  const tried = Math.max(0, ...steps.map((s) => s.k));
  const top = (held: number) => (held === LOAD_STEPS[LOAD_STEPS.length - 1] ? `${held} (the sweep's top: no drop seen)` : String(held));
  console.log(`\nLargest K with every stream at ≥ ${FPS_FLOOR} fps: ours ${top(oursHeld)}, bare relays ${top(bareHeld)} (tried up to ${tried}).`);
  console.log('fps at platform = keyframe spacing × GOP (30); sourceFps = mean of the 1 s samples in stream:bc-runtime:<id>.');
}

/** Warnings and errors the apps logged, grouped by message. */
function printLogSummary(): void {
  const counts = new Map<string, number>();
  for (const app of stack.apps) {
    for (const line of app.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as Json;
        if (entry.level !== 'warn' && entry.level !== 'error') continue;
        const detail = [entry.reason, entry.lastError].filter((v) => typeof v === 'string').join(' / ').slice(0, 120);
        const label = `${entry.service} ${entry.level}: ${entry.msg}${detail ? ` — ${detail}` : ''}`;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      } catch {
        // not a log line
      }
    }
  }
  console.log('\n## Warnings and errors in the app logs');
  if (!counts.size) console.log('none');
  for (const [label, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${String(count).padStart(4)}× ${label}`);
}

// --- cleanup ---

async function stopOwnRedis(): Promise<void> {
  await stack.redis?.quit();
  stack.redis = null;
  await stack.redisServer?.dispose();
  stack.redisServer = null;
}

let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const step = async (what: string, work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        console.error(`cleanup: ${what}: ${(error as Error).message}`);
      }
    };
    for (const publisher of [...stack.publishers]) await step('camera', () => stopPublisher(publisher));
    for (const child of [...stack.processes]) await step('process', () => stopProcess(child));
    const apiUp = stack.apps[0]?.child.exitCode === null;
    if (apiUp) {
      await step('broadcasts', () => Promise.all([...stack.broadcasts].map((id) => stopBroadcast(id))));
      for (const cameraId of [...stack.cameras]) await step('camera', () => deleteCamera(cameraId));
    }
    for (const app of [...stack.apps].reverse()) await step(app.name, () => stopApp(app));
    await step('platform', async () => {
      const port = stack.platform?.port;
      await stack.platform?.stop();
      if (port) rmSync(`/tmp/lib-stream-platform-${port}`, { recursive: true, force: true });
    });
    await step('redis', stopOwnRedis);
    for (const dir of stack.dirs) if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

export interface BroadcastBenchOptions {
  /** Rounds of each measurement (medians over them); default 5. */
  rounds?: number;
  /** Rows 2, 5, 6 and the load sweep as well (minutes longer). */
  full?: boolean;
  /** Print the tables (default true). */
  print?: boolean;
}

/**
 * Starts its own stack (redis-server, control-api, two media workers, fake platform, camera), measures,
 * removes everything, and returns the latency rows (rows 1 and 3, each beside its same-run baseline).
 * Throws only when the stack cannot start; failed rounds are holes in the medians and printed as notes.
 */
export async function runBroadcastBench({ rounds = 5, full = false, print = true }: BroadcastBenchOptions = {}): Promise<BroadcastBenchRow[]> {
  const log = (line: string) => print && console.log(line);
  try {
    log(`Starting its own redis-server, control-api, 2 media workers, the fake platform and a ${CAMERA_SIZE} camera…`);
    await startStack();
    log(`${rounds} round(s) of start / worker kill${full ? ' / camera kill' : ''}…`);
    const results: Results = {
      ttff: [], response: [], bareTuned: [], bareDefault: [], cameras: [], bareBlack: [], bareCamera: [], backOnAir: [], ownerInStatus: [],
      maxPublishers: [], detected: [], bareRestart: [], streamToImageGap: [], bareImage: [], audioOnlyChanges: [], avChanges: [],
    };
    for (let round = 0; round < rounds; round++) {
      await runRound(round, results, full);
      log(`  round ${round + 1}/${rounds} done`);
    }
    const rows = latencyRows(results, full);
    if (print) printLatencyTable(rows, results, rounds);
    log('Recording CPU (row 7): a recorded broadcast, the same unrecorded, a bare segmenter…');
    const recording = await attempt('recording CPU', 0, recordingCpu);
    if (recording && print) printRecordingTable(recording);
    if (full) {
      log(`Load sweep, K = ${LOAD_STEPS.join(', ')} (stops below ${FPS_FLOOR} fps)…`);
      const load = await loadSweep();
      if (print) printLoadTable(load);
    }
    if (print) {
      printLogSummary();
      if (notes.length) console.log(`\n## Notes\n${notes.map((n) => `- ${n}`).join('\n')}`);
    }
    return rows;
  } finally {
    await cleanup();
  }
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  const args = process.argv.slice(2);
  const rounds = Math.max(1, Number(args.find((arg) => /^\d+$/.test(arg)) ?? 5) || 5);
  await runBroadcastBench({ rounds, full: args.includes('--all') });
}

if (require.main === module) runMain(main);
