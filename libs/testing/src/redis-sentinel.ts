import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

import { expectEventually } from './expect-eventually';
import { freePort } from './processes';
import { TestRedisServer, startRedisServer } from './redis-server';

export const TEST_SENTINEL_MASTER = 'mymaster';

/**
 * A real replicated Redis for failover tests: a primary, a replica and three sentinels (quorum 2),
 * all from Debian's redis-server/redis-sentinel on free ports, with a fast 1 s down-after.
 */
export interface TestSentinelGroup {
  primary: TestRedisServer;
  replica: TestRedisServer;
  /** `host:port,host:port,host:port`, the value for STREAM_REDIS_SENTINELS. */
  sentinels: string;
  /** The same nodes as ioredis `sentinels` options. */
  sentinelNodes: { host: string; port: number }[];
  /** Port of the server the sentinels currently name as master. */
  masterPort(): Promise<number>;
  /** Kills the primary and resolves once the sentinels have promoted the replica (ms it took). */
  failover(): Promise<number>;
  dispose(): Promise<void>;
}

/** `serverArgs`: extra redis-server arguments for the primary and the replica (e.g. persistence). */
export async function startSentinelGroup({ serverArgs = [] as string[] } = {}): Promise<TestSentinelGroup> {
  const primary = await startRedisServer({ args: serverArgs });
  const replica = await startRedisServer({ args: [...serverArgs, '--replicaof', '127.0.0.1', String(primary.port)] });
  const dir = mkdtempSync(join(tmpdir(), 'lib-stream-sentinel-'));
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = sentinelPorts.map((port) => {
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${TEST_SENTINEL_MASTER} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${TEST_SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${TEST_SENTINEL_MASTER} 5000`,
        `sentinel parallel-syncs ${TEST_SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    return spawn('redis-sentinel', [file], { stdio: 'ignore' });
  });

  const askSentinel = async (): Promise<number> => {
    const client = new Redis({ port: sentinelPorts[0], host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const [, port] = (await client.call('SENTINEL', 'get-master-addr-by-name', TEST_SENTINEL_MASTER)) as [string, string];
      return Number(port);
    } finally {
      client.disconnect();
    }
  };

  // Ready when the replica has synced and every sentinel knows the others (failover needs a quorum).
  await expectEventually(
    async () => {
      for (const port of sentinelPorts) {
        const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          await client.connect();
          const master = (await client.call('SENTINEL', 'master', TEST_SENTINEL_MASTER)) as string[];
          const fields = Object.fromEntries(master.flatMap((value, index) => (index % 2 === 0 ? [[value, master[index + 1]]] : [])));
          if (Number(fields['num-other-sentinels']) < 2 || Number(fields['num-slaves']) < 1) throw new Error('sentinels not settled');
        } finally {
          client.disconnect();
        }
      }
    },
    { timeoutMs: 20_000, intervalMs: 250 },
  );

  return {
    primary,
    replica,
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    sentinelNodes: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    masterPort: askSentinel,
    failover: async () => {
      const started = Date.now();
      await primary.stop();
      await expectEventually(
        async () => {
          if ((await askSentinel()) !== replica.port) throw new Error('replica not promoted yet');
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      return Date.now() - started;
    },
    dispose: async () => {
      for (const child of children) child.kill('SIGKILL');
      await primary.dispose();
      await replica.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
