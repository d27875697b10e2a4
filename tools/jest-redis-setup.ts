// Jest global setup/teardown of the integration and end-to-end runs:
// - a redis-server of the run's own on a free port (startRedisServer from libs/testing), so tests never
//   touch the developer's Redis (127.0.0.1:6379, where a running stack keeps its sessions and Bull
//   queues) and leave nothing behind. The URL reaches specs and the apps they start as
//   STREAM_REDIS_URL; `testRedisUrl()` in libs/testing reads it. Set STREAM_TEST_REDIS_URL to use a
//   server you run yourself.
// - a temporary directory of the run's own as TMPDIR (os.tmpdir() in specs, and in every app, FFmpeg
//   and node-media-server they start), removed at the end: data dirs, media files and stores a spec
//   forgets, or cannot remove because it was killed, do not pile up in /tmp.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type TestRedisServer, startRedisServer } from '../libs/testing/src/redis-server';

// Each run is recorded here with the jest process that owns it, so a run killed from outside
// (SIGKILL, a CI timeout: no teardown, no exit handler) has its server stopped and its temporary
// directory removed by the next run. Read before TMPDIR is changed: the real /tmp.
const REGISTRY = join(tmpdir(), 'lib-stream-test-redis');

interface Running {
  server: TestRedisServer | null;
  record: string;
  kill: () => void;
  tmp: string;
  previousTmp: string | undefined;
}
const state = globalThis as typeof globalThis & { __STREAM_TEST_REDIS__?: Running };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function reapOrphans(): void {
  mkdirSync(REGISTRY, { recursive: true });
  for (const file of readdirSync(REGISTRY)) {
    const path = join(REGISTRY, file);
    try {
      const { owner, pid, dir, tmp } = JSON.parse(readFileSync(path, 'utf8')) as { owner: number; pid: number; dir: string; tmp?: string };
      if (alive(owner)) continue;
      // Only a redis-server: the pid may have been reused by something else since.
      if (pid && alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) process.kill(pid, 'SIGKILL');
      for (const leftover of [dir, tmp]) if (leftover) rmSync(leftover, { recursive: true, force: true });
    } catch {
      // unreadable record, or the process went meanwhile: drop the record
    }
    rmSync(path, { force: true });
  }
}

export async function setup(): Promise<void> {
  reapOrphans();
  const previousTmp = process.env.TMPDIR;
  const tmp = mkdtempSync(join(tmpdir(), 'lib-stream-run-'));
  process.env.TMPDIR = tmp;
  let server: TestRedisServer | null = null;
  if (process.env.STREAM_TEST_REDIS_URL) {
    process.env.STREAM_REDIS_URL = process.env.STREAM_TEST_REDIS_URL;
  } else {
    try {
      server = await startRedisServer();
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`could not start redis-server for the tests (${(error as Error).message}); install it (apt-get install redis-server) or set STREAM_TEST_REDIS_URL`);
    }
    process.env.STREAM_REDIS_URL = server.url;
  }
  const pid = server?.pid() ?? 0;
  // Kill it even if jest exits without running the teardown (an uncaught error, Ctrl-C).
  const kill = () => {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', kill);
  const record = join(REGISTRY, `${process.pid}-${pid}.json`);
  writeFileSync(record, JSON.stringify({ owner: process.pid, pid, dir: server?.dir ?? null, tmp }));
  state.__STREAM_TEST_REDIS__ = { server, record, kill, tmp, previousTmp };
}

export async function teardown(): Promise<void> {
  const running = state.__STREAM_TEST_REDIS__;
  if (!running) return;
  state.__STREAM_TEST_REDIS__ = undefined;
  process.removeListener('exit', running.kill);
  await running.server?.dispose();
  rmSync(running.tmp, { recursive: true, force: true });
  if (running.previousTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = running.previousTmp;
  rmSync(running.record, { force: true });
}
