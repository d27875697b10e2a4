import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

import { expectEventually } from './expect-eventually';
import { freePort } from './processes';

/**
 * A private `redis-server` (Debian's package) on a free port, for tests that stop, restart or flush
 * Redis without touching the developer's 127.0.0.1:6379. Nothing is kept on disk.
 */
export interface TestRedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>` (db 0). */
  url: string;
  /** Its working directory (empty: nothing is persisted). */
  dir: string;
  /** The server's process id while it runs. */
  pid(): number | undefined;
  /** Kills the server (SIGKILL by default: an outage, not a clean shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port; data is gone (no persistence). */
  start(): Promise<void>;
  /** Stops, waits `downMs`, starts again. */
  restart(downMs?: number): Promise<void>;
  /** FLUSHALL on the running server. */
  flush(): Promise<void>;
  isRunning(): boolean;
  /** Stops it for good and removes its directory. */
  dispose(): Promise<void>;
}

export interface TestRedisOptions {
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--replicaof', '127.0.0.1', '6400']`. */
  args?: string[];
  binary?: string;
}

export async function startRedisServer(options: TestRedisOptions = {}): Promise<TestRedisServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'lib-stream-redis-'));
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    if (child) return;
    const spawned = spawn(
      options.binary ?? 'redis-server',
      // No pub/sub output-buffer limit: a spec's subscriber in a jest process busy beside the whole run
      // (1,000 pulses every 2 s in the partition specs) must not be cut off by Redis (default 8 MB for
      // 60 s, 32 MB at once), which shows as a whole interval of pulses missing.
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--client-output-buffer-limit', 'pubsub 0 0 0', ...(options.args ?? [])],
      { stdio: 'ignore' },
    );
    child = spawned;
    spawned.on('exit', () => {
      if (child === spawned) child = null;
    });
    await expectEventually(() => ping(port), { timeoutMs: 10_000, intervalMs: 50 });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = child;
    if (!running) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
    child = null;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child?.pid,
    start,
    stop,
    restart: async (downMs = 0) => {
      await stop();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    flush: async () => {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
    isRunning: () => child !== null,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<void> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/**
 * The redis-server this test run started for itself (tools/jest-redis-setup.ts puts its URL in
 * STREAM_REDIS_URL). Throws when there is none, so no test silently falls back to the developer's Redis.
 */
export function testRedisUrl(): string {
  const url = process.env.STREAM_REDIS_URL;
  if (!url) throw new Error('STREAM_REDIS_URL is not set: run tests through jest (its global setup starts a redis-server)');
  return url;
}
