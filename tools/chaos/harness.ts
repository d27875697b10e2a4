/**
 * The stack under test: the BUILT apps (dist/apps/*) — control-api, two media workers, two
 * pulse-publishers — on a private Redis topology and a fresh MariaDB database reached through a
 * cuttable TCP proxy. Everything it starts or creates is undone by dispose().
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
  type RunningApp,
  TEST_JWT_SECRET,
  type TcpProxy,
  type TestDatabase,
  WORKSPACE_ROOT,
  createTestDatabase,
  freePort,
  startBuiltApp,
  startTcpProxy,
  waitForReady,
} from '@lib-stream/testing';

import type { RedisTopology } from './redis-topology';
import { progress, sleep } from './util';

export type Role = 'control-api' | 'media-worker' | 'pulse-publisher';

export interface AppHandle {
  /** control-api, worker-a, worker-b, pulse-a, pulse-b… */
  name: string;
  role: Role;
  port: number;
  rtmpPort?: number;
  app: RunningApp;
  baseUrl: string;
  env: Record<string, string>;
}

export const PULSE_INTERVAL_SECONDS = 1;
export const WEBHOOK_SECRET = `chaos-webhook-secret-${randomBytes(6).toString('hex')}`;
export const SHUTDOWN_TIMEOUT_SECONDS = 10;

export function buildApps(): void {
  progress('building control-api, media-worker, pulse-publisher (nx run-many -t build)…');
  const { TS_NODE_PROJECT: _omit, ...env } = process.env;
  try {
    execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'control-api', 'media-worker', 'pulse-publisher', '--output-style=static'], {
      cwd: WORKSPACE_ROOT,
      stdio: 'pipe',
      env: { ...env, NX_DAEMON: 'false' },
    });
  } catch (error) {
    const output = String((error as { stdout?: Buffer }).stdout ?? '') + String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`build failed:\n${output.slice(-3000)}`);
  }
}

export class Stack {
  readonly apps = new Map<string, AppHandle>();
  /** Every process ever started, so dispose() can make sure none is left. */
  private readonly everything: RunningApp[] = [];
  private readonly dirs: string[] = [];
  db: TestDatabase | null = null;
  proxy: TcpProxy | null = null;
  common: Record<string, string> = {};

  constructor(readonly redis: RedisTopology) {}

  async start(): Promise<void> {
    for (const name of ['control-api', 'media-worker', 'pulse-publisher']) {
      if (!existsSync(resolve(WORKSPACE_ROOT, 'dist/apps', name, 'main.js'))) throw new Error(`dist/apps/${name}/main.js is missing: build first (or drop --skip-build)`);
    }
    this.db = await createTestDatabase('stream_chaos');
    this.proxy = await startTcpProxy(3306);
    this.common = {
      ...this.redis.appEnv,
      STREAM_ENABLED: 'true',
      STREAM_DATABASE_URL: this.proxy.urlFor(this.db.url),
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      STREAM_CUSTOM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STREAM_LOG_LEVEL: 'warn',
      STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: String(PULSE_INTERVAL_SECONDS),
      STREAM_SENTIMENT_MIN_BATCH_SIZE: '1',
      STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '400',
      STREAM_SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
      STREAM_BROADCAST_ENABLED: 'true',
      STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
      // The fake RTMP platform and the camera run on loopback, which the media policy refuses by default.
      STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
      STREAM_BROADCAST_FALLBACK_SIZE: '640x360',
      STREAM_BROADCAST_VIDEO_BITRATE: '500k',
      STREAM_DEFAULT_BACKGROUND_VIDEO: '/nonexistent/default.mp4',
    };
    // control-api first: it creates the schema.
    await this.startApp('control-api', 'control-api');
    await Promise.all([this.startApp('worker-a', 'media-worker'), this.startApp('worker-b', 'media-worker'), this.startApp('pulse-a', 'pulse-publisher'), this.startApp('pulse-b', 'pulse-publisher')]);
  }

  get api(): AppHandle {
    const api = this.apps.get('control-api');
    if (!api) throw new Error('control-api is not running');
    return api;
  }

  byRole(role: Role): AppHandle[] {
    return [...this.apps.values()].filter((a) => a.role === role);
  }

  /** Starts (or restarts, on the same ports) an app and waits until it is ready. */
  async startApp(name: string, role: Role, readyTimeoutMs = 60_000): Promise<AppHandle> {
    const previous = this.apps.get(name);
    const port = previous?.port ?? (await freePort());
    const rtmpPort = role === 'media-worker' ? (previous?.rtmpPort ?? (await freePort())) : undefined;
    const dir = mkdtempSync(join(tmpdir(), `lib-stream-chaos-${name}-`));
    this.dirs.push(dir);
    const portVar = role === 'control-api' ? 'CONTROL_API_PORT' : role === 'media-worker' ? 'MEDIA_WORKER_HTTP_PORT' : 'PULSE_PUBLISHER_HTTP_PORT';
    const env = { ...this.common, [portVar]: String(port), STREAM_DATA_DIR: dir, ...(rtmpPort ? { STREAM_RTMP_INGEST_PORT: String(rtmpPort) } : {}) };
    const app = startBuiltApp(role, env);
    app.name = name;
    this.everything.push(app);
    const handle: AppHandle = { name, role, port, rtmpPort, app, baseUrl: `http://127.0.0.1:${port}`, env };
    this.apps.set(name, handle);
    try {
      await Promise.race([
        waitForReady(handle.baseUrl, readyTimeoutMs),
        app.exited.then((code) => {
          throw new Error(`${name} exited with ${code} while starting:\n${app.output().slice(-2000)}`);
        }),
      ]);
    } catch (error) {
      throw new Error(`${name} did not become ready: ${(error as Error).message}\n${app.output().slice(-2000)}`);
    }
    return handle;
  }

  /** Kills an app and forgets it (its handle is returned for its exit code and output). */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    const handle = this.apps.get(name);
    if (!handle) return 'not running';
    const code = await handle.app.stop(signal);
    return code;
  }

  async dispose(): Promise<void> {
    for (const app of this.everything) {
      if (app.child.exitCode === null && app.child.signalCode === null) {
        const code = await Promise.race([app.stop('SIGTERM'), sleep(15_000).then(() => 'timeout')]);
        if (code === 'timeout') await app.stop('SIGKILL');
      }
    }
    // Children the apps spawned (ffmpeg) that outlived them.
    await this.proxy?.close().catch(() => undefined);
    await this.db?.drop().catch((error: Error) => progress(`could not drop database ${this.db?.name}: ${error.message}`));
    await this.redis.dispose();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }

  /** The last lines an app wrote (for diagnosis in the report). */
  tail(name: string, lines = 8): string {
    return (this.apps.get(name)?.app.output() ?? '').trim().split('\n').slice(-lines).join('\n');
  }
}
