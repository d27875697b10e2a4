import { type TcpProxy, startTcpProxy } from './tcp-proxy';

/**
 * A TCP relay in front of a redis-server that can cut every connection and hold a client's next
 * SUBSCRIBE / PSUBSCRIBE (and what that connection sends after it) until released: a reconnect whose
 * re-subscribe is still on its way, so what is published meanwhile does not reach the subscriber.
 */
export interface SubscribeHoldingRelay extends TcpProxy {
  /** Resolves once a SUBSCRIBE or PSUBSCRIBE has arrived and is being held (`release()` sends it). */
  holdNextSubscribe(): Promise<void>;
  /** Closes every relayed connection; the clients reconnect through the relay at once. */
  cutAll(): void;
}

export async function startSubscribeHoldingRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<SubscribeHoldingRelay> {
  const proxy = await startTcpProxy(targetPort, targetHost);
  return {
    ...proxy,
    holdNextSubscribe: () => proxy.holdNextFromClient((chunk) => /\bp?subscribe\b/i.test(chunk.toString())),
    cutAll: () => {
      proxy.cut('reset');
      proxy.restore();
    },
  };
}
