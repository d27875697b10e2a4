import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { WORKSPACE_ROOT, childPids, expectEventually, freePort, present, processRuns } from '@lib-stream/testing';

import { type ExitInfo, FfmpegProcess, type FfmpegProcessOptions } from './ffmpeg-process';
import { type ProgressBlock } from './progress-parser';

const FFMPEG = '/usr/bin/ffmpeg';
const TESTSRC = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30'];
const ENCODE_TO_NULL = ['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'null', '-'];
const LIVE = ['-re', ...TESTSRC, ...ENCODE_TO_NULL];

interface Run {
  proc: FfmpegProcess;
  exit: Promise<ExitInfo & { at: number }>;
  exitEvents: () => number;
  blocks: { at: number; block: ProgressBlock }[];
}

const runs: FfmpegProcess[] = [];

/** Starts a supervised ffmpeg with listeners attached before start(), so no event can be missed. */
function run(options: Partial<FfmpegProcessOptions> & { args: string[] }): Run {
  const proc = new FfmpegProcess({ ffmpegPath: FFMPEG, label: 'test', stallMs: 3000, startTimeoutMs: 5000, ...options });
  runs.push(proc);
  const blocks: Run['blocks'] = [];
  let exitEvents = 0;
  proc.on('progress', (block) => blocks.push({ at: Date.now(), block }));
  const exit = new Promise<ExitInfo & { at: number }>((resolve) =>
    proc.on('exit', (info) => {
      exitEvents++;
      resolve({ ...info, at: Date.now() });
    }),
  );
  proc.start();
  return { proc, exit, exitEvents: () => exitEvents, blocks };
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterEach(async () => {
  await Promise.all(runs.splice(0).map((proc) => proc.stop()));
});

describe('FfmpegProcess (real ffmpeg)', () => {
  it('emits a progress block about every second with an increasing frame count', async () => {
    const { proc, blocks } = run({ args: LIVE });
    await expectEventually(() => expect(blocks.length).toBeGreaterThanOrEqual(6), { timeoutMs: 10_000 });
    const frames = blocks.map((b) => b.block.frame ?? -1);
    frames.slice(1).forEach((frame, i) => expect(frame).toBeGreaterThan(frames[i]));
    // The first block can come early; after that -stats_period 1 paces them (media.md: 922–1029 ms).
    // Averaged over 4 gaps, because a loaded machine can delay one block and bunch it with the next.
    const paced = blocks.slice(1);
    const meanGap = (paced[paced.length - 1].at - paced[0].at) / (paced.length - 1);
    expect(meanGap).toBeGreaterThan(700);
    expect(meanGap).toBeLessThan(1400);
    expect(proc.lastProgress).toEqual(blocks[blocks.length - 1].block);
    // Recorded as the first block arrived (the listener reads its own clock a moment later).
    expect(proc.firstProgressAt).toBeLessThanOrEqual(blocks[0].at);
    expect(blocks[0].at - (proc.firstProgressAt ?? 0)).toBeLessThan(100);
    expect(proc.running).toBe(true);
  });

  it('stop() kills with SIGKILL, resolves with reason requested, and is idempotent', async () => {
    const { proc, exit, exitEvents, blocks } = run({ args: LIVE });
    await expectEventually(() => expect(blocks.length).toBeGreaterThan(0), { timeoutMs: 5000 });
    const pid = proc.pid as number;
    const [first, second] = await Promise.all([proc.stop(), proc.stop()]);
    expect(first).toMatchObject({ reason: 'requested', requested: true, code: null, signal: 'SIGKILL' });
    expect(second).toBe(first);
    expect(await exit).toMatchObject({ reason: 'requested' });
    expect(await proc.stop()).toBe(first);
    expect(exitEvents()).toBe(1);
    expect(proc.running).toBe(false);
    expect(isAlive(pid)).toBe(false);
  });

  it('stop() right after start() still kills the child', async () => {
    const { proc } = run({ args: LIVE });
    const pid = proc.pid as number;
    expect(await proc.stop()).toMatchObject({ reason: 'requested', signal: 'SIGKILL' });
    expect(isAlive(pid)).toBe(false);
  });

  it('classifies a finite input that ends cleanly as input_ended (code 0 after progress=end)', async () => {
    const { exit, blocks } = run({ args: ['-t', '1.5', ...TESTSRC, ...ENCODE_TO_NULL] });
    const info = await exit;
    expect(info).toMatchObject({ reason: 'input_ended', code: 0, signal: null, requested: false, lastError: null });
    expect(blocks[blocks.length - 1].block).toMatchObject({ end: true, frame: 45, outTimeUs: 1_500_000 });
  });

  it('kills a process whose progress stops (SIGSTOP) as stalled, within stallMs + 0.5 s', async () => {
    const stallMs = 1500;
    const { proc, exit, blocks } = run({ args: LIVE, stallMs });
    await expectEventually(() => expect(blocks.length).toBeGreaterThan(0), { timeoutMs: 5000 });
    process.kill(proc.pid as number, 'SIGSTOP');
    const info = await exit;
    expect(info).toMatchObject({ reason: 'stalled', requested: false, signal: 'SIGKILL' });
    const sinceLastBlock = info.at - (proc.lastProgressAt as number);
    expect(sinceLastBlock).toBeGreaterThanOrEqual(stallMs);
    expect(sinceLastBlock).toBeLessThan(stallMs + 500);
  });

  it('kills a process that never reports progress as start_timeout', async () => {
    // A listening RTMP input waits for a publisher forever.
    const { exit, blocks } = run({ args: ['-f', 'flv', '-listen', '1', '-i', `rtmp://127.0.0.1:${await freePort()}/a/b`, '-c', 'copy', '-f', 'null', '-'], startTimeoutMs: 1000 });
    const info = await exit;
    expect(info).toMatchObject({ reason: 'start_timeout', signal: 'SIGKILL', requested: false });
    expect(info.ranMs).toBeGreaterThanOrEqual(1000);
    expect(info.ranMs).toBeLessThan(1600);
    expect(blocks).toEqual([]);
  });

  it('reports a missing binary as spawn_failed without throwing', async () => {
    let result: Run | undefined;
    expect(() => (result = run({ ffmpegPath: '/nonexistent/ffmpeg', args: LIVE }))).not.toThrow();
    const info = await (result as Run).exit;
    expect(info).toMatchObject({ reason: 'spawn_failed', code: null, signal: null });
    expect(info.lastError).toContain('ENOENT');
    expect((result as Run).exitEvents()).toBe(1);
  });

  it('scrubs the stream key from stderr when the destination refuses the connection', async () => {
    const { proc, exit } = run({
      args: [...TESTSRC, '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'flv', 'rtmp://127.0.0.1:1/app/live_123_SECRETKEY'],
      secrets: ['live_123_SECRETKEY'],
    });
    const info = await exit;
    expect(info.reason).toBe('exited');
    expect(info.code).not.toBe(0);
    expect(info.lastError).toMatch(/Connection refused/);
    expect(info.lastError).not.toContain('SECRETKEY');
    expect(proc.stderrTail().length).toBeGreaterThan(0);
    expect(proc.stderrTail().some((line) => line.includes('rtmp://127.0.0.1:1/app/****'))).toBe(true);
    expect(proc.stderrTail().join('\n')).not.toContain('SECRETKEY');
  });

  describe('with a fake binary', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ffmpeg-process-spec-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const fakeFfmpeg = (script: string) => {
      const path = join(dir, `fake-${Math.random().toString(36).slice(2)}.sh`);
      writeFileSync(path, `#!/bin/sh\n${script}\n`);
      chmodSync(path, 0o755);
      return path;
    };

    it('scrubs a secret split across stderr chunks and in an unterminated last line', async () => {
      // Separate writes with a pause between them arrive as separate chunks.
      const ffmpegPath = fakeFfmpeg(
        [`printf 'error near tok_1' >&2`, 'sleep 0.2', `printf '23_SECRETKEY here\\n' >&2`, 'sleep 0.2', `printf 'last tok_123_SECRETKEY' >&2`, 'exit 3'].join('\n'),
      );
      const { proc, exit } = run({ ffmpegPath, args: [], secrets: ['tok_123_SECRETKEY'] });
      const info = await exit;
      expect(info).toMatchObject({ reason: 'exited', code: 3, lastError: 'last ****' });
      expect(proc.stderrTail()).toEqual(['error near **** here', 'last ****']);
    });

    it('classifies exit code 0 after an Input/output error as exited, not input_ended (media.md §4a)', async () => {
      const ffmpegPath = fakeFfmpeg(
        [`printf 'frame=1\\nprogress=continue\\n'`, `echo 'rtmp://127.0.0.1/live/cam_KEY: Input/output error' >&2`, `printf 'frame=2\\nprogress=end\\n'`, 'exit 0'].join('\n'),
      );
      const { exit } = run({ ffmpegPath, args: [] });
      const info = await exit;
      expect(info).toMatchObject({ reason: 'exited', code: 0 });
      expect(info.lastError).toMatch(/^rtmp:\/\/127\.0\.0\.1\/live\/\*\*\*\*.*Input\/output error$/);
    });
  });

  it('dies with the worker that started it, even a SIGKILLed one, while its input and output do not depend on it', async () => {
    // A worker stand-in: a Node process running one FfmpegProcess (test pattern → null, nothing shared).
    const script = [
      `const { FfmpegProcess } = require(${JSON.stringify(resolve(__dirname, 'ffmpeg-process'))});`,
      `const p = new FfmpegProcess(${JSON.stringify({ ffmpegPath: FFMPEG, label: 'orphan-test', stallMs: 60_000, startTimeoutMs: 60_000, args: LIVE })});`,
      "p.once('progress', () => console.log('progress'));",
      'p.start();',
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    const worker = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, TS_NODE_PROJECT: resolve(WORKSPACE_ROOT, 'tsconfig.base.json') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let ffmpeg: number | undefined;
    try {
      await new Promise<void>((started, failed) => {
        worker.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('progress') && started());
        worker.once('exit', (code) => failed(new Error(`the stand-in worker exited early (${code})`)));
      });
      [ffmpeg] = childPids(worker.pid ?? -1);
      const pid = present(ffmpeg, 'the ffmpeg child');
      worker.kill('SIGKILL');
      // At once, not when a later write of its progress fails.
      await expectEventually(() => expect(processRuns(pid)).toBe(false), { timeoutMs: 300, intervalMs: 10 });
    } finally {
      worker.kill('SIGKILL');
      if (ffmpeg && processRuns(ffmpeg)) process.kill(ffmpeg, 'SIGKILL'); // the orphan, when this test fails
    }
  }, 30_000);
});
