import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

// A keep-alive connection is closed by us only once it has been idle this long. Under steady load a
// client reuses its connection within milliseconds, so it receives its next response with
// `Connection: close` and closes cleanly; closing it between two requests instead would race the
// client's next write and cost it a reset for a request the server never read.
const IDLE_GRACE_MS = 1000;
const SWEEP_MS = 100;

/**
 * Lets an HTTP server stop without cutting requests in half. Under keep-alive load a plain
 * server.close() never finishes: busy connections go back to idle after each response and clients
 * keep sending on them. Once draining, the server accepts no new connections, every response not yet
 * started says `Connection: close` (so each busy connection ends right after its current request),
 * and connections that stay idle are closed after a short grace.
 */
export class HttpDrain {
  private draining = false;
  /** Each connection's response in progress (a connection serves one request at a time). */
  private readonly inFlight = new Map<Socket, ServerResponse>();
  /** Connections with no request in progress, and since when (ms). */
  private readonly idleSince = new Map<Socket, number>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.idleSince.set(socket, Date.now());
      socket.once('close', () => this.idleSince.delete(socket));
    });
    // Ahead of Express, so the header is set before any handler can start the response.
    server.prependListener('request', (_request, response: ServerResponse) => this.track(response));
  }

  /** Stops accepting connections and resolves once every existing one has ended. */
  drain(): Promise<void> {
    this.draining = true;
    for (const response of this.inFlight.values()) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    }
    return new Promise((resolve) => {
      const sweep = setInterval(() => this.closeIdle(IDLE_GRACE_MS), SWEEP_MS);
      // net.Server#close, not http.Server#close: the latter (Node >= 19) also drops every connection
      // idle at this instant, racing requests that clients are writing right now.
      NetServer.prototype.close.call(this.server, () => {
        clearInterval(sweep);
        resolve();
      });
    });
  }

  private closeIdle(graceMs: number): void {
    const now = Date.now();
    for (const [socket, since] of this.idleSince) {
      if (now - since >= graceMs) socket.destroy();
    }
  }

  /**
   * One 'close' listener per response (it follows 'finish', or an abort): the response is no longer
   * in flight and its connection idle, unless the connection has started its next request meanwhile
   * (a pipelined one can start before this response's 'close'). One plain listener, not two once()
   * wrappers: this runs on every request, the webhook deliveries included (bench:webhook, --cpu-prof).
   */
  private track(response: ServerResponse): void {
    const socket = response.req.socket;
    this.idleSince.delete(socket);
    this.inFlight.set(socket, response);
    if (this.draining) response.setHeader('Connection', 'close');
    response.on('close', () => {
      if (this.inFlight.get(socket) !== response) return;
      this.inFlight.delete(socket);
      if (!socket.destroyed) this.idleSince.set(socket, Date.now());
    });
  }
}
