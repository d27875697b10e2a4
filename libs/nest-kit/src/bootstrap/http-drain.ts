import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

// A keep-alive connection is closed by us only once it has been idle this long. Under steady load a
// client reuses its connection within milliseconds, so it receives its next response with
// `Connection: close` and closes cleanly; closing it between two requests instead would race the
// client's next write and cost it a reset for a request the server never read.
const IDLE_GRACE_MS = 1000;
const SWEEP_MS = 100;

/** A connection's state, on its socket: its response in progress, or since when it is idle (ms). */
const CONNECTION = Symbol('HttpDrain connection');
interface Connection {
  socket: Socket;
  response: ServerResponse | null;
  idleSince: number;
}
type TrackedSocket = Socket & { [CONNECTION]?: Connection };

/**
 * Lets an HTTP server stop without cutting requests in half. Under keep-alive load a plain
 * server.close() never finishes: busy connections go back to idle after each response and clients
 * keep sending on them. Once draining, the server accepts no new connections, every response not yet
 * started says `Connection: close` (so each busy connection ends right after its current request),
 * and connections that stay idle are closed after a short grace.
 */
export class HttpDrain {
  private draining = false;
  /**
   * Every open connection (its state is on its socket). Changed per connection, not per request: V8
   * allocates a Map's rehashed table in the generation of the one it replaces, and the replaced one
   * keeps its entries. Once a per-request Map's table was old (after any full GC, as in the first
   * quiet moment of a running process), every replaced table held the responses then in flight in
   * the old generation, so young-generation GCs kept them, and all they reference, alive until the
   * next full GC: bench:webhook, control-api: 4-5 MB of each scavenge survived and ~4 MB was
   * promoted, scavenges took 10-15 ms instead of 2-4.
   */
  private readonly connections = new Set<Connection>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => this.open(socket));
    // Ahead of Express, so the header is set before any handler can start the response.
    server.prependListener('request', (_request, response: ServerResponse) => this.track(response));
  }

  private open(socket: TrackedSocket): Connection {
    const connection: Connection = { socket, response: null, idleSince: Date.now() };
    socket[CONNECTION] = connection;
    this.connections.add(connection);
    socket.once('close', () => {
      this.connections.delete(connection);
      connection.response = null;
    });
    return connection;
  }

  /** Stops accepting connections and resolves once every existing one has ended. */
  drain(): Promise<void> {
    this.draining = true;
    for (const { response } of this.connections) {
      if (response && !response.headersSent) response.setHeader('Connection', 'close');
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
    for (const { socket, response, idleSince } of this.connections) {
      if (!response && now - idleSince >= graceMs) socket.destroy();
    }
  }

  /**
   * One 'close' listener per response (it follows 'finish', or an abort), the same function for all:
   * this runs on every request, the webhook deliveries included (bench:webhook, --cpu-prof).
   */
  private track(response: ServerResponse): void {
    const socket = response.req.socket as TrackedSocket;
    // A connection the server had before this tracker existed is taken on at its first request.
    const connection = socket[CONNECTION] ?? this.open(socket);
    connection.response = response;
    if (this.draining) response.setHeader('Connection', 'close');
    response.on('close', responseClosed);
  }
}

/**
 * A response is no longer in flight and its connection idle, unless the connection has started its
 * next request meanwhile (a pipelined one can start before this response's 'close').
 */
function responseClosed(this: ServerResponse): void {
  const connection = (this.req.socket as TrackedSocket | null)?.[CONNECTION];
  if (connection?.response !== this) return;
  connection.response = null;
  connection.idleSince = Date.now();
}
