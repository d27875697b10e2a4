import { Server, Socket, connect, createServer } from 'node:net';

/**
 * A TCP relay in front of a real server (MariaDB, Redis) that a test can cut and restore, the way a
 * network partition or a database failover looks to the app: `cut('reset')` closes every connection
 * and refuses new ones; `cut('blackhole')` keeps sockets open but forwards nothing (a silent drop).
 */
export interface TcpProxy {
  port: number;
  /** Rewrites a URL's host and port to point at the proxy (`mysql://root@127.0.0.1:3306/db` → `…:<port>/db`). */
  urlFor(targetUrl: string): string;
  cut(mode?: 'reset' | 'blackhole'): void;
  restore(): void;
  /**
   * Holds the next chunk a client sends that `matches`, and everything that connection sends after
   * it, until `release()`: a message still on its way (a reconnect's SUBSCRIBE, say). Resolves once
   * such a chunk is held.
   */
  holdNextFromClient(matches: (chunk: Buffer) => boolean): Promise<void>;
  /** Sends what is held on to the server, and stops holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'open' | 'reset' | 'blackhole' = 'open';
  const pairs = new Set<[Socket, Socket]>();
  let holding: { matches: (chunk: Buffer) => boolean; held: () => void } | null = null;
  let heldFrom: Socket | null = null;
  const held: (() => void)[] = [];

  const server: Server = createServer((client) => {
    if (mode === 'reset') {
      client.destroy();
      return;
    }
    if (mode === 'blackhole') {
      client.on('error', () => undefined);
      pairs.add([client, client]);
      client.on('close', () => pairs.forEach((pair) => pair[0] === client && pairs.delete(pair)));
      return;
    }
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (mode !== 'open') return;
      if (holding?.matches(chunk)) {
        heldFrom = client;
        holding.held();
        holding = null;
      }
      if (heldFrom === client) held.push(() => upstream.write(chunk));
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => mode === 'open' && client.write(chunk));
  });

  const destroyAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    urlFor: (targetUrl) => {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut: (cutMode = 'reset') => {
      mode = cutMode;
      if (cutMode === 'reset') destroyAll();
    },
    restore: () => {
      // Sockets held during a blackhole are useless to their owners; closing them lets pools notice.
      if (mode === 'blackhole') destroyAll();
      mode = 'open';
    },
    holdNextFromClient: (matches) => new Promise<void>((resolve) => (holding = { matches, held: resolve })),
    release: () => {
      heldFrom = null;
      held.splice(0).forEach((deliver) => deliver());
    },
    close: async () => {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
