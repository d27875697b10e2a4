import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

import { expectEventually } from './expect-eventually';
import { testMediaEnv } from './ffmpeg';

export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/**
 * A TCP port nothing listens on now, below Linux's ephemeral range (32768–60999): a port the OS hands
 * out for listen(0) can also become the local port of any outgoing connection (an ffmpeg, a Redis
 * client) before the app under test binds it, or while a spec restarts an app on the same port
 * (EADDRINUSE seen in a CI rehearsal). Random in [20000, 32768); listen(0) after 50 taken ones.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (await canListen(port)) return port;
  }
  return listenOnce(0);
}

/** Whether `port` can be bound on every interface (as the apps bind theirs) right now. */
async function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningApp {
  name: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a built app (dist/apps/<name>/main.js unless another entry is given) as its own process. */
export function startBuiltApp(name: string, env: Record<string, string>, entry = resolve(WORKSPACE_ROOT, 'dist/apps', name, 'main.js')): RunningApp {
  const child = spawn(process.execPath, [entry], {
    cwd: WORKSPACE_ROOT,
    // The run's own Redis (tools/jest-redis-setup.ts) and the FFmpeg under test, unless the test names others.
    env: { PATH: process.env.PATH ?? '', ...(process.env.STREAM_REDIS_URL ? { STREAM_REDIS_URL: process.env.STREAM_REDIS_URL } : {}), ...testMediaEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let stopping = false;
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('exit', (code, signal) => {
      // An app that ends unasked fails the spec later with a bare ECONNREFUSED: say why here, with
      // its last lines (the apps' logs hold no secrets; the specs' leak scans read the same output).
      if (!stopping) process.stderr.write(`${name} (pid ${child.pid}) exited unasked: ${code ?? signal}\n${output.split('\n').slice(-40).join('\n')}\n`);
      resolveExit(code ?? signal ?? 'unknown');
    });
  });
  return {
    name,
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function waitForReady(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  await expectEventually(
    async () => {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.status !== 200) throw new Error(`${baseUrl} not ready: ${response.status}`);
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** Pids of the running processes whose parent is `ppid` (from /proc; Linux). */
export function childPids(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
        return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === ppid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** True while `pid` runs; a zombie (ended, not yet reaped) counts as gone. Linux. */
export function processRuns(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
