/**
 * The Redis the suite's stack runs on: one private redis-server, or a primary + replica + 3 sentinels.
 * Nothing touches the shared Redis on 6379.
 *
 * The servers keep an append-only file fsynced on every write, in their own temp dir, so "Redis down"
 * is an outage (a SIGKILL and a restart with the data intact), not data loss; "Redis flushed" is the
 * data-loss row.
 */
import type { RedisOptions } from 'ioredis';

import { TEST_SENTINEL_MASTER, type TestRedisServer, startRedisServer, startSentinelGroup } from '@lib-stream/testing';

import { poll } from './util';

const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];

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

export interface SentinelTopology extends RedisTopology {
  servers: TestRedisServer[];
  /** SIGKILLs the current primary; the sentinels promote the replica. Resolves with the new primary's port (null when none was promoted in time). */
  killPrimary(): Promise<number | null>;
}

/** A primary, a replica and three sentinels (libs/testing), with the suite's durable servers. */
export async function startSentinelRedis(): Promise<SentinelTopology> {
  const group = await startSentinelGroup({ serverArgs: DURABLE });
  const servers = [group.primary, group.replica];
  const masterPort = () => group.masterPort().catch(() => null);
  let current = group.primary;
  return {
    kind: 'sentinel',
    servers,
    // STREAM_REDIS_URL too, so an app that ignored the sentinels would still never reach the shared Redis.
    appEnv: { STREAM_REDIS_URL: group.primary.url, STREAM_REDIS_SENTINELS: group.sentinels, STREAM_REDIS_SENTINEL_NAME: TEST_SENTINEL_MASTER },
    clientOptions: () => ({ sentinels: group.sentinelNodes, name: TEST_SENTINEL_MASTER, retryStrategy: () => 200, sentinelRetryStrategy: () => 200, maxRetriesPerRequest: 1, connectTimeout: 2000 }),
    primary: () => current,
    killPrimary: async () => {
      const old = current;
      await old.stop();
      const promoted = await poll(async () => {
        const port = await masterPort();
        return port && port !== old.port ? port : null;
      }, 30_000, 100);
      current = servers.find((server) => server.port === promoted) ?? current;
      // The old primary comes back as a replica of the new one, as it would after a host restart.
      await old.start();
      return promoted;
    },
    dispose: () => group.dispose(),
  };
}
