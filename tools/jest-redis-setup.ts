// Jest global setup/teardown: every test run gets a redis-server of its own on a free port
// (startRedisServer from libs/testing), so tests never touch the developer's Redis (127.0.0.1:6379,
// where a running stack keeps its sessions and Bull queues) and leave nothing behind. The URL reaches
// specs and the apps they start as STREAM_REDIS_URL; `testRedisUrl()` in libs/testing reads it. Set
// STREAM_TEST_REDIS_URL to use a server you run yourself.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type TestRedisServer, startRedisServer } from '../libs/testing/src/redis-server';

// Each server is recorded here with the jest process that owns it, so a run killed from outside
// (SIGKILL, a CI timeout: no teardown, no exit handler) has its server stopped by the next run.
const REGISTRY = join(tmpdir(), 'lib-stream-test-redis');

interface Running {
  server: TestRedisServer;
  record: string;
  kill: () => void;
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
      const { owner, pid, dir } = JSON.parse(readFileSync(path, 'utf8')) as { owner: number; pid: number; dir: string };
      if (alive(owner)) continue;
      // Only a redis-server: the pid may have been reused by something else since.
      if (alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // unreadable record, or the process went meanwhile: drop the record
    }
    rmSync(path, { force: true });
  }
}

export async function setup(): Promise<void> {
  if (process.env.STREAM_TEST_REDIS_URL) {
    process.env.STREAM_REDIS_URL = process.env.STREAM_TEST_REDIS_URL;
    return;
  }
  reapOrphans();
  let server: TestRedisServer;
  try {
    server = await startRedisServer();
  } catch (error) {
    throw new Error(`could not start redis-server for the tests (${(error as Error).message}); install it (apt-get install redis-server) or set STREAM_TEST_REDIS_URL`);
  }
  const pid = server.pid();
  // Kill it even if jest exits without running the teardown (an uncaught error, Ctrl-C).
  const kill = () => (pid ? void process.kill(pid, 'SIGKILL') : undefined);
  process.once('exit', kill);
  const record = join(REGISTRY, `${pid}.json`);
  writeFileSync(record, JSON.stringify({ owner: process.pid, pid, dir: server.dir }));
  state.__STREAM_TEST_REDIS__ = { server, record, kill };
  process.env.STREAM_REDIS_URL = server.url;
}

export async function teardown(): Promise<void> {
  const running = state.__STREAM_TEST_REDIS__;
  if (!running) return;
  state.__STREAM_TEST_REDIS__ = undefined;
  process.removeListener('exit', running.kill);
  await running.server.dispose();
  rmSync(running.record, { force: true });
}
