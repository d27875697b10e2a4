import { type Socket, connect, createServer } from 'node:net';

/**
 * A TCP relay in front of a redis-server that can cut every connection and hold a client's next
 * SUBSCRIBE / PSUBSCRIBE (and what that connection sends after it) until released: a reconnect whose
 * re-subscribe is still on its way, so what is published meanwhile does not reach the subscriber.
 */
export interface SubscribeHoldingRelay {
  port: number;
  /** Resolves once a SUBSCRIBE or PSUBSCRIBE has arrived and is being held. */
  holdNextSubscribe(): Promise<void>;
  /** Sends what was held, and stops holding. */
  release(): void;
  /** Closes every relayed connection (the clients reconnect through the relay). */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startSubscribeHoldingRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<SubscribeHoldingRelay> {
  let holding: (() => void) | null = null;
  let heldFrom: Socket | null = null;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket
        .on('error', () => undefined)
        .on('close', () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
    }
    client.on('data', (chunk: Buffer) => {
      if (holding && /\bp?subscribe\b/i.test(chunk.toString())) {
        heldFrom = client;
        holding();
        holding = null;
      }
      if (heldFrom === client) held.push(() => upstream.write(chunk));
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as { port: number }).port,
    holdNextSubscribe: () => new Promise<void>((resolve) => (holding = resolve)),
    release: () => {
      heldFrom = null;
      held.splice(0).forEach((deliver) => deliver());
    },
    cutAll: () => sockets.forEach((socket) => socket.destroy()),
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
