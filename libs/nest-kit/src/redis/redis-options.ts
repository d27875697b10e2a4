import type { RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  /** Sentinel mode: the nodes to ask, and the master group name (ioredis `sentinels` + `name`). */
  sentinels?: { host: string; port: number }[];
  name?: string;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
}

/** Where Redis is: STREAM_REDIS_URL, plus the Sentinel companions (RedisSettings is one). */
export interface RedisLocation {
  /** redis:// or rediss:// URL. */
  url: string;
  /** host:port,host:port ('' or absent = no Sentinel). */
  sentinels?: string;
  /** Sentinel master group name ('' or absent = mymaster). */
  sentinelName?: string;
}

/** Reconnect delay cap: an outage is noticed and recovered from within a few seconds, never given up on. */
export const REDIS_MAX_RETRY_DELAY_MS = 2000;
/** A connect attempt to a silent host (dropped packets) gives up after this long and retries. */
const CONNECT_TIMEOUT_MS = 3000;

/** Turns `redis://[user:pass@]host:port[/db]` (or `rediss://` for TLS) into ioredis options. */
export function redisOptionsFromUrl(redisUrl: string): RedisConnectionOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number.isInteger(db) ? db : 0,
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Where to connect: the URL's host and port, or — with STREAM_REDIS_SENTINELS set — the sentinels,
 * which name the current master (ioredis asks them again after every disconnect, so a failover is
 * followed). Credentials, db and TLS always come from the URL.
 */
export function redisConnectionOptions(location: RedisLocation): RedisConnectionOptions {
  const fromUrl = redisOptionsFromUrl(location.url);
  const sentinels = parseSentinels(location.sentinels ?? '');
  if (sentinels.length === 0) return fromUrl;
  const { host: _host, port: _port, ...rest } = fromUrl;
  return { ...rest, sentinels, name: location.sentinelName || 'mymaster' };
}

/**
 * What every long-lived connection needs to live through outages and failovers: reconnect forever
 * with backoff capped at {@link REDIS_MAX_RETRY_DELAY_MS}; after a failover, a connection still
 * talking to the demoted primary (READONLY) reconnects and resends the command.
 */
export function resilientRedisOptions(location: RedisLocation): RedisOptions {
  return {
    ...redisConnectionOptions(location),
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
    reconnectOnError: (error) => (/^READONLY|^LOADING|^MASTERDOWN/.test(error.message) ? 2 : false),
  };
}

/** 100 ms, 200 ms, 400 ms … capped: the attempt count never runs out. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt - 1, 10), REDIS_MAX_RETRY_DELAY_MS);
}

function parseSentinels(value: string): { host: string; port: number }[] {
  return value
    .split(',')
    .map((node) => node.trim())
    .filter((node) => node.length > 0)
    .map((node) => {
      const separator = node.lastIndexOf(':');
      return { host: node.slice(0, separator), port: Number(node.slice(separator + 1)) };
    });
}
