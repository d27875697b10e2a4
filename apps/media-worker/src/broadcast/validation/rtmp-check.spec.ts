import { rmSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import NodeMediaServer from 'node-media-server';
import nmsLogger from 'node-media-server/src/core/logger.js';

import { freePort } from '@lib-stream/testing';

import { RtmpCheckError, checkRtmpServer } from './rtmp-check';

const KEY = 'live_123_SECRETKEY';

async function waitForListening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(true)).on('error', () => resolve(false));
      socket.once('connect', () => socket.destroy());
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing listens on ${port}`);
}

async function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}

async function checkError(url: string, timeoutMs = 2000): Promise<RtmpCheckError> {
  const error = await checkRtmpServer(url, timeoutMs).then(
    () => {
      throw new Error('expected the check to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RtmpCheckError);
  expect((error as Error).name).toBe('RtmpCheckError');
  expect((error as Error).message).not.toContain('SECRETKEY');
  return error as RtmpCheckError;
}

describe('checkRtmpServer against node-media-server 4.4.3 and fake servers', () => {
  const storePath = join(tmpdir(), `rtmp-check-spec-${process.pid}`);
  const published: string[] = [];
  const servers: Server[] = [];
  let nms: NodeMediaServer;
  let nmsPort: number;

  beforeAll(async () => {
    nmsPort = await freePort();
    nmsLogger.log = () => undefined; // NMS's banner and session chatter are not under test
    nms = new NodeMediaServer({ bind: '127.0.0.1', rtmp: { port: nmsPort }, http: {}, store: { path: storePath } });
    nms.on('prePublish', (session) => published.push(session.streamPath));
    await nms.run();
    await waitForListening(nmsPort);
  });

  afterAll(async () => {
    await nms?.stop();
    for (const server of servers) server.close();
    rmSync(storePath, { recursive: true, force: true });
  });

  it('passes the handshake and connect on a live server without publishing', async () => {
    const startedAt = Date.now();
    await expect(checkRtmpServer(`rtmp://127.0.0.1:${nmsPort}/app/${KEY}`, 3000)).resolves.toBeUndefined();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(published).toEqual([]);
  });

  it('connects to the address the policy vetted, not to what the name resolves to now', async () => {
    // .invalid never resolves: only the given address can have answered.
    await expect(checkRtmpServer(`rtmp://rebound.invalid:${nmsPort}/app/${KEY}`, 3000, '127.0.0.1')).resolves.toBeUndefined();
    expect((await checkError(`rtmp://rebound.invalid:${nmsPort}/app/${KEY}`)).reason).toBe('dns');
  });

  it('copes with the server answer arriving a few bytes at a time', async () => {
    // A proxy to NMS that passes the server's bytes on in 5-byte pieces, one per event-loop turn,
    // so chunk headers and AMF values arrive split.
    const { server, port } = await listen((client) => {
      const upstream = connect({ host: '127.0.0.1', port: nmsPort });
      client.setNoDelay(true);
      client.pipe(upstream);
      let pending = Buffer.alloc(0);
      const trickle = () => {
        if (!pending.length || client.destroyed) return;
        client.write(pending.subarray(0, 5));
        pending = pending.subarray(5);
        setImmediate(trickle);
      };
      upstream.on('data', (data: Buffer) => {
        const idle = !pending.length;
        pending = Buffer.concat([pending, data]);
        if (idle) trickle();
      });
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    servers.push(server);
    await expect(checkRtmpServer(`rtmp://127.0.0.1:${port}/app/${KEY}`, 3000)).resolves.toBeUndefined();
    expect(published).toEqual([]);
  });

  it('reports a closed port as refused, at once', async () => {
    const port = await freePort();
    const startedAt = Date.now();
    const error = await checkError(`rtmp://127.0.0.1:${port}/app/${KEY}`);
    expect(error.reason).toBe('refused');
    expect(error.message).toBe(`RTMP destination rtmp://127.0.0.1:${port}/app/**** is unreachable: connection refused`);
    expect(Date.now() - startedAt).toBeLessThan(500);
  });

  it('gives up on a server that accepts and never answers after the timeout', async () => {
    const held: Socket[] = [];
    const { server, port } = await listen((socket) => held.push(socket));
    servers.push(server);
    const startedAt = Date.now();
    const error = await checkError(`rtmp://127.0.0.1:${port}/app/${KEY}`, 500);
    const elapsed = Date.now() - startedAt;
    expect(error.reason).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(1500);
    for (const socket of held) socket.destroy();
  });

  it('reports a server that does not speak RTMP as a failed handshake', async () => {
    const { server, port } = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    servers.push(server);
    const error = await checkError(`rtmp://127.0.0.1:${port}/app/${KEY}`);
    expect(error.reason).toBe('handshake_failed');
  });

  it('reports a server that cuts the handshake short as a failed handshake', async () => {
    const { server, port } = await listen((socket) => socket.once('data', () => socket.end(Buffer.from([3, 1, 2, 3]))));
    servers.push(server);
    expect((await checkError(`rtmp://127.0.0.1:${port}/app/${KEY}`)).reason).toBe('handshake_failed');
  });

  it('reports a server that closes instead of answering connect as a rejected connect', async () => {
    const { server, port } = await listen((socket) => {
      let received = 0;
      socket.on('data', (data: Buffer) => {
        received += data.length;
        // C0+C1 arrived: answer S0+S1+S2; once C2 and the connect arrive, hang up.
        if (received === 1537) socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(3072)]));
        else if (received > 3073) socket.destroy();
      });
    });
    servers.push(server);
    expect((await checkError(`rtmp://127.0.0.1:${port}/app/${KEY}`)).reason).toBe('connect_rejected');
  });

  it.each([
    'not a url SECRETKEY',
    `http://127.0.0.1/app/${KEY}`,
    'rtmp:///app/SECRETKEY',
    'rtmp://127.0.0.1:1935',
    `rtmp://127.0.0.1/app/${KEY} trailing`,
  ])('refuses %j as an invalid URL without echoing it', async (url) => {
    expect((await checkError(url)).reason).toBe('invalid_url');
  });
});
