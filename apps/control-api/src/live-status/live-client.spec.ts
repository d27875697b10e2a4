import { WebSocket } from 'ws';

import { LiveClient, MAX_PENDING_MESSAGES } from './live-client';

/** Stands in for a ws socket whose buffer the test fills and drains by hand. */
class FakeSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  private readonly callbacks: ((error?: Error) => void)[] = [];

  send(text: string, callback?: (error?: Error) => void): void {
    this.sent.push(text);
    if (callback) this.callbacks.push(callback);
  }

  drain(): void {
    this.bufferedAmount = 0;
    for (const callback of this.callbacks.splice(0)) callback();
  }
}

const types = (socket: FakeSocket) => socket.sent.map((text) => JSON.parse(text) as { type: string; n?: number; count?: number });

describe('LiveClient', () => {
  it('holds frames while the socket is backed up, drops the oldest beyond the limit and says how many were missed', () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket as unknown as WebSocket, { accountId: 'a', roles: [] }, () => ({ queueLimit: 3, queueBytesLimit: 1e6, highWaterBytes: 100 }));
    client.send({ type: 'event', n: 0 });
    socket.bufferedAmount = 1000; // the peer stopped reading
    for (let n = 1; n <= 6; n += 1) client.send({ type: 'event', n });
    expect(types(socket)).toEqual([{ type: 'event', n: 0 }]);
    expect(client.droppedTotal).toBe(3);

    socket.drain();
    expect(types(socket)).toEqual([{ type: 'event', n: 0 }, { type: 'missed', count: 3 }, { type: 'event', n: 4 }, { type: 'event', n: 5 }, { type: 'event', n: 6 }]);
  });

  it('sends the frame given to release ahead of those held meanwhile', () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket as unknown as WebSocket, { accountId: 'a', roles: [] }, () => ({ queueLimit: 10, queueBytesLimit: 1e6, highWaterBytes: 100 }));
    client.hold();
    client.send({ type: 'event', n: 1 });
    client.release({ type: 'subscribed' });
    expect(types(socket)).toEqual([{ type: 'subscribed' }, { type: 'event', n: 1 }]);
  });

  it('skips the messages still queued once the socket is closed', async () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket as unknown as WebSocket, { accountId: 'a', roles: [] }, () => ({ queueLimit: 10, queueBytesLimit: 1e6, highWaterBytes: 100 }));
    const ran: number[] = [];
    let finishFirst: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (finishFirst = resolve));
    const onError = jest.fn();
    client.serially(async () => {
      ran.push(1);
      await first;
    }, onError);
    for (const n of [2, 3]) client.serially(() => Promise.resolve(void ran.push(n)), onError);
    await Promise.resolve();
    expect(ran).toEqual([1]);

    socket.readyState = WebSocket.CLOSED; // the client left while its first message was being handled
    finishFirst();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([1]);
    expect(onError).not.toHaveBeenCalled();
  });

  it('also drops the oldest past the byte budget (a stuck client cannot hold many large snapshots)', () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket as unknown as WebSocket, { accountId: 'a', roles: [] }, () => ({ queueLimit: 1000, queueBytesLimit: 300, highWaterBytes: 100 }));
    client.send({ type: 'event', n: 0 });
    socket.bufferedAmount = 1000; // the peer stopped reading
    const big = 'x'.repeat(100);
    for (let n = 1; n <= 5; n += 1) client.send({ type: 'event', n, big });
    expect(client.droppedTotal).toBe(3);
    socket.drain();
    expect(types(socket).map(({ type, n, count }) => ({ type, n, count }))).toEqual([
      { type: 'event', n: 0, count: undefined },
      { type: 'missed', n: undefined, count: 3 },
      { type: 'event', n: 4, count: undefined },
      { type: 'event', n: 5, count: undefined },
    ]);
  });

  it(`refuses messages beyond ${MAX_PENDING_MESSAGES} waiting, and takes them again once they are done`, async () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket as unknown as WebSocket, { accountId: 'a', roles: [] }, () => ({ queueLimit: 10, queueBytesLimit: 1e6, highWaterBytes: 100 }));
    let finish: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (finish = resolve));
    const accepted = Array.from({ length: MAX_PENDING_MESSAGES + 2 }, () => client.serially(() => stuck, jest.fn()));
    expect(accepted).toEqual([...Array(MAX_PENDING_MESSAGES).fill(true), false, false]);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.serially(() => Promise.resolve(), jest.fn())).toBe(true);
  });
});
