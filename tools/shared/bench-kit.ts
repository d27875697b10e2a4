import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Linux clock ticks per second, the unit of the CPU times in /proc/<pid>/stat. */
const CLOCK_TICKS = 100;

/** User + system CPU a process has used so far, in seconds (from /proc). */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Median of the finite values (NaN when there are none). */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs a tool's main and exits with its outcome (open handles such as Redis clients must not keep it alive). */
export function runMain(main: () => Promise<void>): void {
  void main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** Pins every thread of a process (and the threads it starts later) to one core (taskset; Linux). */
export function pinToCore(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

/** A TypeScript child process run as the bench scripts run (ts-node), answering one IPC request at a time. */
export interface TsWorker<Request, Result> {
  pid: number;
  /** Sends one request and resolves with the child's `{result}`; rejects with its `{error}` or when it exits. */
  request(request: Request): Promise<Result>;
  /** SIGTERM, resolved once it has exited. */
  stop(): Promise<void>;
}

/**
 * Forks `script` under ts-node (transpile-only, workspace paths) with `env` added to this process's,
 * and resolves once it has sent `{ready: true}`. Protocol: each request is answered with
 * `{result}` or `{error: message}`.
 */
export async function forkTsWorker<Request, Result>(script: string, env: NodeJS.ProcessEnv = {}): Promise<TsWorker<Request, Result>> {
  const root = resolve(__dirname, '../..');
  const child = fork(script, [], {
    cwd: root,
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    env: { ...process.env, TS_NODE_PROJECT: resolve(root, 'tsconfig.base.json'), ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const nextMessage = () =>
    new Promise<{ ready?: boolean; result?: Result; error?: string }>((resolveMessage, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${script} exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (message: { ready?: boolean; result?: Result; error?: string }) => {
        child.off('exit', onExit);
        resolveMessage(message);
      });
    });
  await nextMessage();
  return {
    pid: child.pid as number,
    request: async (request) => {
      const answer = nextMessage();
      child.send(request as object);
      const { result, error } = await answer;
      if (error !== undefined || result === undefined) throw new Error(`${script}: ${error}`);
      return result;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The node flags an app's image starts it with: what stands between "node" and "main.js" in the
 * `CMD ["node", …, "main.js"]` of docker/<app>.Dockerfile, so a benchmark runs the bundle as it ships
 * (e.g. control-api's young-generation size). Throws when the Dockerfile has no such CMD.
 */
export function productionNodeFlags(app: 'control-api' | 'media-worker' | 'pulse-publisher'): string[] {
  const dockerfile = readFileSync(resolve(__dirname, '../../docker', `${app}.Dockerfile`), 'utf8');
  const cmd = dockerfile
    .split('\n')
    .filter((line) => line.startsWith('CMD '))
    .at(-1);
  const argv: unknown = cmd ? JSON.parse(cmd.slice(4)) : null;
  if (!Array.isArray(argv) || argv[0] !== 'node' || argv.at(-1) !== 'main.js') throw new Error(`docker/${app}.Dockerfile: no CMD ["node", …, "main.js"] (found: ${cmd ?? 'none'})`);
  return argv.slice(1, -1).map(String);
}
