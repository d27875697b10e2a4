import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed form or JSON body. */
  body: Record<string, string>;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  /** Extra response headers (e.g. Twitch's Ratelimit-*). */
  headers?: Record<string, string>;
}

/** A tiny HTTP server on a random loopback port that records every request it answers. */
export abstract class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private server: Server | null = null;
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  requestsTo(path: string, grantType?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path && (grantType === undefined || r.body.grant_type === grantType));
  }

  protected abstract route(request: RecordedRequest): FakeReply | Promise<FakeReply>;

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      request.on('data', (chunk: Buffer) => (data += chunk.toString()));
      request.on('end', () => resolve(data));
    });
    const type = request.headers['content-type'] ?? '';
    const body = type.includes('json') && raw ? (JSON.parse(raw) as Record<string, string>) : Object.fromEntries(new URLSearchParams(raw));
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body };
    this.requests.push(recorded);
    const reply = await this.route(recorded);
    response.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
    if (reply.body === undefined) {
      response.end();
      return;
    }
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify(reply.body));
  }
}

export function bearer(request: RecordedRequest, scheme = 'Bearer'): string | null {
  const header = request.headers.authorization ?? '';
  return header.startsWith(`${scheme} `) ? header.slice(scheme.length + 1) : null;
}
