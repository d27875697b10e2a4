/**
 * bench:live's baseline, a child process of tools/bench/live-fanout.ts: a bare `ws` server that
 * PSUBSCRIBEs the same Redis channel patterns as control-api's live-status feed and sends every
 * message, as it came from Redis, to every open socket (the ws README's broadcast loop). No auth,
 * topics, filtering, cursors, queues or backpressure: the floor for "one Redis message to N sockets".
 * ioredis hands the message over as a Buffer, sent as a text frame, so nothing is converted per socket.
 *
 * Env: BARE_WS_PORT, STREAM_REDIS_URL. Sends `{ ready: true }` over IPC once it listens and is subscribed.
 */
import Redis from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';

import { LIVE_CHANNEL_PATTERNS } from '../../../apps/control-api/src/live-status/live-topics';

async function main(): Promise<void> {
  const subscriber = new Redis(process.env.STREAM_REDIS_URL as string);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.BARE_WS_PORT) });
  subscriber.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => {
    for (const socket of wss.clients) if (socket.readyState === WebSocket.OPEN) socket.send(message, { binary: false });
  });
  await subscriber.psubscribe(...LIVE_CHANNEL_PATTERNS);
  await new Promise<void>((resolve) => (wss.address() ? resolve() : wss.once('listening', () => resolve())));
  process.send?.({ ready: true });
  process.once('SIGTERM', () => {
    for (const socket of wss.clients) socket.terminate();
    wss.close();
    subscriber.disconnect();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
