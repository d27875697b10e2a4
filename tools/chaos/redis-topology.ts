/**
 * The Redis the suite's stack runs on: one private redis-server, or a primary + replica + 3 sentinels.
 * Nothing touches the shared Redis on 6379.
 *
 * The servers keep an append-only file fsynced on every write, in their own temp dir, so "Redis down"
 * is an outage (a SIGKILL and a restart with the data intact), not data loss; "Redis flushed" is the
 * data-loss row.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';

import { type TestRedisServer, WORKSPACE_ROOT, freePort, startRedisServer } from '@lib-stream/testing';

import { poll, sleep } from './util';

const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];
export const SENTINEL_MASTER = 'mymaster';

export interface RedisTopology {
  kind: 'single' | 'sentinel';
  /** Settings for the apps. */
  appEnv: Record<string, string>;
  /** Options for the suite's own clients (they follow a failover too). */
  clientOptions(): RedisOptions;
  /** The server the apps write to now. */
  primary(): TestRedisServer;
  dispose(): Promise<void>;
}

export async function startSingleRedis(): Promise<RedisTopology & { server: TestRedisServer }> {
  const server = await startRedisServer({ args: DURABLE });
  return {
    kind: 'single',
    server,
    appEnv: { STREAM_REDIS_URL: server.url },
    clientOptions: () => ({ host: '127.0.0.1', port: server.port, retryStrategy: () => 50, maxRetriesPerRequest: 1, connectTimeout: 2000 }),
    primary: () => server,
    dispose: () => server.dispose(),
  };
}

/** The names the lead gives the sentinel settings, read from the settings table (null while they do not exist). */
export function sentinelSettingNames(): { hosts: string; name: string } | null {
  const source = readFileSync(resolve(WORKSPACE_ROOT, 'libs/nest-kit/src/config/settings.ts'), 'utf8');
  const names = [...new Set(source.match(/STREAM_REDIS_SENTINEL\w*/g) ?? [])];
  const hosts = names.find((n) => /SENTINELS$|SENTINEL_HOSTS$|SENTINEL_ADDRESSES$/.test(n));
  const name = names.find((n) => /SENTINEL_(MASTER_)?NAME$|SENTINEL_MASTER$/.test(n));
  if (!hosts || !name) return null;
  // The built apps must know them too, or they would run on the default Redis URL.
  const bundle = readFileSync(resolve(WORKSPACE_ROOT, 'dist/apps/control-api/main.js'), 'utf8');
  return bundle.includes(hosts) && bundle.includes(name) ? { hosts, name } : null;
}

export interface SentinelTopology extends RedisTopology {
  servers: TestRedisServer[];
  /** SIGKILLs the current primary; the sentinels promote the replica. Resolves with the new primary's port (null when none was promoted in time). */
  killPrimary(): Promise<number | null>;
}

export async function startSentinelRedis(names: { hosts: string; name: string }): Promise<SentinelTopology> {
  const first = await startRedisServer({ args: DURABLE });
  const replica = await startRedisServer({ args: [...DURABLE, '--replicaof', '127.0.0.1', String(first.port)] });
  const servers = [first, replica];
  const dir = mkdtempSync(join(tmpdir(), 'lib-stream-chaos-sentinel-'));
  const sentinels: { port: number; child: ChildProcess }[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${first.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push({ port, child: spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }) });
  }
  const sentinelList = sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  const masterPort = async (): Promise<number | null> => {
    const client = new Redis({ host: '127.0.0.1', port: sentinels[0].port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const answer = (await client.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER)) as string[] | null;
      return answer ? Number(answer[1]) : null;
    } catch {
      return null;
    } finally {
      client.disconnect();
    }
  };
  // Sentinels know each other and the replica before the suite relies on them.
  await poll(async () => (await masterPort()) === first.port, 15_000, 200);
  await sleep(2000);
  let current = first;
  return {
    kind: 'sentinel',
    servers,
    // STREAM_REDIS_URL too, so an app that ignored the sentinels would still never reach the shared Redis.
    appEnv: { STREAM_REDIS_URL: first.url, [names.hosts]: sentinelList.map((s) => `${s.host}:${s.port}`).join(','), [names.name]: SENTINEL_MASTER },
    clientOptions: () => ({ sentinels: sentinelList, name: SENTINEL_MASTER, retryStrategy: () => 200, sentinelRetryStrategy: () => 200, maxRetriesPerRequest: 1, connectTimeout: 2000 }),
    primary: () => current,
    killPrimary: async () => {
      const old = current;
      await old.stop();
      const promoted = await poll(async () => {
        const port = await masterPort();
        return port && port !== old.port ? port : null;
      }, 30_000, 100);
      current = servers.find((s) => s.port === promoted) ?? current;
      // The old primary comes back as a replica of the new one, as it would after a host restart.
      await old.start();
      return promoted;
    },
    dispose: async () => {
      for (const s of sentinels) {
        if (s.child.exitCode === null && s.child.signalCode === null) {
          const exited = new Promise((r) => s.child.once('exit', r));
          s.child.kill('SIGKILL');
          await exited;
        }
      }
      for (const server of servers) await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
