// Jest global setup/teardown: every test run gets a redis-server of its own on a free port, so tests never
// touch the developer's Redis (127.0.0.1:6379, where a running stack keeps its sessions and Bull queues)
// and leave nothing behind. The URL reaches specs and the apps they start as STREAM_REDIS_URL;
// `testRedisUrl()` in libs/testing reads it. Set STREAM_TEST_REDIS_URL to use a server you run yourself.
const { spawn } = require('child_process');
const { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('fs');
const { createConnection, createServer } = require('net');
const { tmpdir } = require('os');
const { join } = require('path');

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Resolves once the server answers PING with +PONG (raw RESP, so this file needs no client library). */
const answersPing = (port) =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500, () => socket.destroy());
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
  });

// Each server is recorded here with the jest process that owns it, so a run killed from outside
// (SIGKILL, a CI timeout: no teardown, no exit handler) has its server stopped by the next run.
const REGISTRY = join(tmpdir(), 'lib-stream-test-redis');

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

function reapOrphans() {
  mkdirSync(REGISTRY, { recursive: true });
  for (const file of readdirSync(REGISTRY)) {
    const path = join(REGISTRY, file);
    try {
      const { owner, pid, dir } = JSON.parse(readFileSync(path, 'utf8'));
      if (alive(owner)) continue;
      // Only a redis-server: the pid may have been reused by something else since.
      if (alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // unreadable record or process gone meanwhile: drop the record
    }
    rmSync(path, { force: true });
  }
}

async function setup() {
  if (process.env.STREAM_TEST_REDIS_URL) {
    process.env.STREAM_REDIS_URL = process.env.STREAM_TEST_REDIS_URL;
    return;
  }
  reapOrphans();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lib-stream-test-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  let failed = null;
  child.on('error', (error) => (failed = error));
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (failed) throw new Error(`could not start redis-server for the tests (${failed.message}); install it (apt-get install redis-server) or set STREAM_TEST_REDIS_URL`);
    if (Date.now() > deadline) throw new Error(`redis-server for the tests did not answer on port ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Kill it even if jest exits without running the teardown (a crash, Ctrl-C).
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const record = join(REGISTRY, `${child.pid}.json`);
  writeFileSync(record, JSON.stringify({ owner: process.pid, pid: child.pid, dir }));
  globalThis.__STREAM_TEST_REDIS__ = { child, dir, kill, record };
  process.env.STREAM_REDIS_URL = `redis://127.0.0.1:${port}`;
}

async function teardown() {
  const running = globalThis.__STREAM_TEST_REDIS__;
  if (!running) return;
  globalThis.__STREAM_TEST_REDIS__ = undefined;
  process.removeListener('exit', running.kill);
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.kill();
  await exited;
  rmSync(running.dir, { recursive: true, force: true });
  rmSync(running.record, { force: true });
}

module.exports = { setup, teardown };
