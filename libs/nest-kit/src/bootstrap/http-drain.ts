import type { Server, ServerResponse } from 'node:http';

// Keep-alive connections whose response had already started when draining began are closed once
// idle; Node would otherwise keep them for its keep-alive timeout (5 s) and delay the exit.
const IDLE_SWEEP_MS = 200;

/**
 * Lets an HTTP server stop without cutting requests in half. Under keep-alive load a plain
 * server.close() never finishes: busy connections go back to idle after each response and clients
 * keep sending on them. Once draining, every response not yet started says `Connection: close`, so
 * each connection ends right after its current request, and idle ones are closed at once.
 */
export class HttpDrain {
  private draining = false;
  private readonly inFlight = new Set<ServerResponse>();

  constructor(private readonly server: Server) {
    // Ahead of Express, so the header is set before any handler can start the response.
    server.prependListener('request', (_request, response: ServerResponse) => this.track(response));
  }

  /** Stops accepting connections and resolves once every existing one has ended. */
  drain(): Promise<void> {
    this.draining = true;
    for (const response of this.inFlight) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    }
    return new Promise((resolve) => {
      const sweep = setInterval(() => this.server.closeIdleConnections(), IDLE_SWEEP_MS);
      // close() also closes the connections idle right now (Node >= 19).
      this.server.close(() => {
        clearInterval(sweep);
        resolve();
      });
    });
  }

  private track(response: ServerResponse): void {
    if (this.draining) {
      response.setHeader('Connection', 'close');
      return;
    }
    this.inFlight.add(response);
    response.once('close', () => this.inFlight.delete(response));
  }
}
