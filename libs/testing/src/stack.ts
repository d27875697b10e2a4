import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type TestDatabase, createTestDatabase } from './mariadb';
import { type RunningApp, freePort, startBuiltApp, waitForReady } from './processes';
import { TEST_JWT_SECRET } from './tokens';

/**
 * What the broadcast end-to-end specs give every app: broadcasting on, loopback destinations and
 * cameras allowed (the fake platforms run there), a small fallback picture and no default background
 * file. `videoBitrate` is FFmpeg's notation (e.g. '500k'); the specs keep it low for two cores.
 */
export function broadcastTestEnv(videoBitrate: string): Record<string, string> {
  return {
    STREAM_BROADCAST_ENABLED: 'true',
    STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
    STREAM_BROADCAST_FALLBACK_SIZE: '320x180',
    STREAM_BROADCAST_VIDEO_BITRATE: videoBitrate,
    STREAM_DEFAULT_BACKGROUND_VIDEO: '/nonexistent/default.mp4',
  };
}

/** A built media worker of a stack. */
export interface StackWorker {
  name: string;
  app: RunningApp;
  /** Its HTTP port (health, metrics) and its RTMP ingest port, both on 127.0.0.1. */
  httpPort: number;
  rtmpPort: number;
}

/** control-api and media workers built from dist, as processes, on one fresh MariaDB database. */
export interface TestStack {
  db: TestDatabase;
  /** The 32-byte key the apps encrypt tokens and RTMP URLs with (STREAM_TOKEN_ENCRYPTION_KEY, as hex). */
  encryptionKey: Buffer;
  /** What every app was started with: database, JWT secret, encryption key, debug logs, loopback worker host, then the caller's env. */
  env: Record<string, string>;
  /** control-api's port on 127.0.0.1 (the same across `startApi` restarts). */
  apiPort: number;
  /** Every process the stack started, in start order (their output is what log scans read). */
  apps: RunningApp[];
  /** The media workers by name; a spec that kills one deletes it here. */
  workers: Map<string, StackWorker>;
  /** Starts (or, after the caller stopped it, restarts) control-api on `apiPort`; resolves once it is ready. */
  startApi(): Promise<RunningApp>;
  /**
   * Starts one more media worker, with `env` over the stack's; resolves once it is ready. Its data
   * directory is under the OS tmpdir and removed by `stop`. `rtmpPort` when the spec must know the
   * ingest port before the worker starts (e.g. for STREAM_RTMP_INGEST_PUBLIC_URL).
   */
  startWorker(name: string, options?: { env?: Record<string, string>; rtmpPort?: number }): Promise<StackWorker>;
  /** The name of the worker whose output mentions `instanceId` (a broadcast's workerId); throws when none does. */
  workerNamed(instanceId: string): string;
  /** SIGKILLs every process, removes the workers' data directories and drops the database. */
  stop(): Promise<void>;
}

/**
 * Starts control-api and the named media workers (all at once, then waits for each to be ready) on
 * a fresh database `<database>_…`. Redis is the run's own (jest global setup) unless `env` names
 * STREAM_REDIS_URL. Whatever was started is stopped again when a start fails.
 */
export async function startStack(options: { database: string; workers?: string[]; env?: Record<string, string> }): Promise<TestStack> {
  const db = await createTestDatabase(options.database);
  const encryptionKey = randomBytes(32);
  const env = {
    STREAM_DATABASE_URL: db.url,
    STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
    STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey.toString('hex'),
    STREAM_LOG_LEVEL: 'debug',
    // Every process runs here: workers tell control-api (and each other) a loopback address.
    STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
    ...options.env,
  };
  const apps: RunningApp[] = [];
  const workers = new Map<string, StackWorker>();
  const dataDirs: string[] = [];
  const apiPort = await freePort();

  const spawnApi = () => {
    const app = startBuiltApp('control-api', { ...env, CONTROL_API_PORT: String(apiPort) });
    apps.push(app);
    return app;
  };
  const spawnWorker = async (name: string, { env: extra = {}, rtmpPort }: { env?: Record<string, string>; rtmpPort?: number } = {}): Promise<StackWorker> => {
    const [httpPort, rtmp] = [await freePort(), rtmpPort ?? (await freePort())];
    const dataDir = join(tmpdir(), `lib-stream-e2e-${options.database}-${name}-${process.pid}`);
    dataDirs.push(dataDir);
    const app = startBuiltApp('media-worker', { ...env, MEDIA_WORKER_HTTP_PORT: String(httpPort), STREAM_RTMP_INGEST_PORT: String(rtmp), STREAM_DATA_DIR: dataDir, ...extra });
    apps.push(app);
    const worker = { name, app, httpPort, rtmpPort: rtmp };
    workers.set(name, worker);
    return worker;
  };
  const ready = (port: number) => waitForReady(`http://127.0.0.1:${port}`);

  const stack: TestStack = {
    db,
    encryptionKey,
    env,
    apiPort,
    apps,
    workers,
    startApi: async () => {
      const app = spawnApi();
      await ready(apiPort);
      return app;
    },
    startWorker: async (name, workerOptions) => {
      const worker = await spawnWorker(name, workerOptions);
      await ready(worker.httpPort);
      return worker;
    },
    workerNamed: (instanceId) => {
      for (const [name, worker] of workers) if (worker.app.output().includes(instanceId)) return name;
      throw new Error(`no worker has instance id ${instanceId}`);
    },
    stop: async () => {
      await Promise.all(apps.map((app) => app.stop('SIGKILL')));
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
  try {
    spawnApi();
    const started = await Promise.all((options.workers ?? []).map((name) => spawnWorker(name)));
    for (const port of [apiPort, ...started.map((w) => w.httpPort)]) await ready(port);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
