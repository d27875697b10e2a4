import { EventEmitter, once } from 'node:events';
import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GCProfiler, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { HttpDrain } from './http-drain';

// A full GC on demand: it makes what is alive at that moment old, as in any process that has run a while.
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

/** A real server on a free port with the tracker, whose handler answers when the test says. */
async function trackedServer(): Promise<{ server: Server; drain: HttpDrain; port: number; requests: { request: IncomingMessage; answer: () => void }[] }> {
  const requests: { request: IncomingMessage; answer: () => void }[] = [];
  const server = createServer((req, res) => requests.push({ request: req, answer: () => res.end('ok') }));
  const drain = new HttpDrain(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, drain, port: (server.address() as AddressInfo).port, requests };
}

function get(port: number, agent: Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request({ port, host: '127.0.0.1', path: '/', agent }, resolve).on('error', reject).end());
}

describe(HttpDrain.name, () => {
  it('answers a request in flight with Connection: close and stops once it is sent', async () => {
    const { server, drain, port, requests } = await trackedServer();
    const agent = new Agent({ keepAlive: true });
    const response = get(port, agent);
    await expectSoon(() => requests.length === 1);
    let stopped = false;
    const draining = drain.drain().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    requests[0].answer();
    expect((await response).headers.connection).toBe('close');
    (await response).resume();
    await draining;
    expect(server.listening).toBe(false);
    agent.destroy();
  });

  it('closes a keep-alive connection only once it has been idle for the grace', async () => {
    const { drain, port, requests } = await trackedServer();
    const agent = new Agent({ keepAlive: true });
    const response = get(port, agent);
    await expectSoon(() => requests.length === 1);
    const socket = requests[0].request.socket;
    requests[0].answer();
    (await response).resume();
    const draining = drain.drain();
    await sleep(500);
    expect(socket.destroyed).toBe(false);
    await draining;
    expect(socket.destroyed).toBe(true);
    agent.destroy();
  });

  it('keeps no answered response alive past young-generation GCs, also once its own state is old', () => {
    // Fake connections and responses (the tracker uses only these members), each response carrying ~8 KB.
    class FakeSocket extends EventEmitter {
      destroyed = false;
    }
    class FakeResponse extends EventEmitter {
      readonly headersSent = false;
      readonly payload = new Array(1000).fill(0);
      constructor(readonly req: { socket: FakeSocket }) {
        super();
      }
      setHeader(): this {
        return this;
      }
    }
    const server = new EventEmitter();
    new HttpDrain(server as unknown as Server);
    const sockets = Array.from({ length: 50 }, () => new FakeSocket());
    for (const socket of sockets) server.emit('connection', socket);
    // Each connection has a request in flight, and starts its next one once that one is answered.
    const inFlight: (FakeResponse | undefined)[] = [];
    const serve = (count: number) => {
      for (let i = 0; i < count; i++) {
        const slot = i % sockets.length;
        inFlight[slot]?.emit('close');
        const response = new FakeResponse({ socket: sockets[slot] });
        inFlight[slot] = response;
        server.emit('request', response.req, response as unknown as ServerResponse);
      }
    };
    serve(1000);
    fullGc();
    const profiler = new GCProfiler();
    profiler.start();
    serve(30_000);
    const { statistics } = profiler.stop();
    const oldSpace = (stats: { heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[] }) =>
      stats.heapSpaceStatistics.find((space) => space.spaceName === 'old_space')?.spaceUsedSize ?? 0;
    const scavenges = statistics.filter((gc) => gc.gcType === 'Scavenge');
    const promoted = scavenges.reduce((sum, gc) => sum + oldSpace(gc.afterGC) - oldSpace(gc.beforeGC), 0);
    // ~240 MB of responses went through; with the Maps changed per request, 141 MB of them were promoted.
    expect(scavenges.length).toBeGreaterThan(3);
    expect(promoted).toBeLessThan(4 * 1024 * 1024);
  });
});

async function expectSoon(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 2000) throw new Error('timed out');
    await sleep(10);
  }
}
