import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type ArgumentsHost, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Histogram } from 'prom-client';

import { AllExceptionsFilter, CORRELATION_RESPONSE_HEADER, type DeferredCount, type DeferredCounts, MetricsService, correlationIdFromHeaders, releaseCorrelationContextWhenIdle, withCorrelationId } from '@lib-stream/nest-kit';

import { TwitchWebhookReceiver } from './twitch-webhook.receiver';
import { WebhookErrors } from './webhook.errors';

export const TWITCH_WEBHOOK_PATH = '/stream/webhook/twitch';
/** The same ceiling as the app's JSON body parser. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Serves POST /stream/webhook/twitch straight from node:http, ahead of Express and Nest: Twitch's
 * deliveries are the busiest route, and the framework's router, body parsers, guard and interceptors
 * cost about as much CPU as the delivery's own work (bench:webhook, --cpu-prof). Nothing of the
 * delivery's handling changes: TwitchWebhookReceiver answers it as TwitchWebhookController would,
 * errors get the app's one error shape (AllExceptionsFilter), the request gets its correlation id as
 * correlationMiddleware gives it, and is counted in the HTTP metrics under its route. Every other request goes to Express as before.
 */
@Injectable()
export class TwitchWebhookRoute implements OnApplicationBootstrap {
  private readonly errors = new AllExceptionsFilter();
  private readonly requests: DeferredCounts<'method' | 'route' | 'status'>;
  private readonly duration: ReturnType<Histogram<'method' | 'route'>['labels']>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly receiver: TwitchWebhookReceiver,
    metrics: MetricsService,
  ) {
    this.requests = metrics.httpRequestCounts;
    this.duration = metrics.httpDuration.labels('POST', TWITCH_WEBHOOK_PATH);
  }

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    const server = adapter?.getHttpServer() as Server | undefined;
    const express = adapter?.getInstance() as ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
    if (!server || !express || !server.listeners('request').includes(express)) return;
    // This route passes its correlation id explicitly; that saves the promise hooks only while nothing
    // else holds the context on (see releaseCorrelationContextWhenIdle).
    releaseCorrelationContextWhenIdle();
    // Replace only Express's listener: others (the graceful-stop tracker) stay where they are.
    server.removeListener('request', express);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.method === 'POST' && pathOf(request.url) === TWITCH_WEBHOOK_PATH) void this.serve(request, response);
      else express(request, response);
    });
  }

  /** The request counter's count for a status, in a plain number until a scrape (labels() and inc() hash the label values on every call). */
  private requestsByStatus(status: number): DeferredCount<'method' | 'route' | 'status'> {
    return this.requests.child(status, () => ({ method: 'POST', route: TWITCH_WEBHOOK_PATH, status: String(status) }));
  }

  /**
   * The correlation id goes down the hot path as an argument, not as an AsyncLocalStorage context: on
   * Node 20 a context run switches promise hooks on for every promise in the process (bench:webhook).
   * What leaves that path (error answers, the work after the answer) runs with the id as the context.
   */
  private serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const correlationId = correlationIdFromHeaders(request.headers);
    response.setHeader(CORRELATION_RESPONSE_HEADER, correlationId);
    return this.handle(request, response, correlationId);
  }

  private async handle(request: IncomingMessage, response: ServerResponse, correlationId: string): Promise<void> {
    const started = process.hrtime.bigint();
    let after: (() => Promise<void>) | undefined;
    try {
      const body = await readBody(request);
      // As the JSON body parser did: only a JSON body counts as one (anything else fails the signature).
      const answer = await this.receiver.receive(request.headers, isJson(request) ? body : undefined, correlationId);
      if (answer.status === 200) {
        response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(answer.challenge) });
        response.end(answer.challenge);
      } else {
        response.writeHead(204);
        response.end();
        after = answer.after;
      }
    } catch (error) {
      withCorrelationId(correlationId, () => this.errors.catch(error, httpHost(request, response)));
    }
    // Counted when the answer is handed to the socket (not on 'finish': a listener per delivery costs
    // more than the count itself on this path).
    this.requestsByStatus(response.statusCode).inc();
    this.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (after) setImmediate(() => void withCorrelationId(correlationId, () => after?.()));
  }
}

function pathOf(url: string | undefined): string | undefined {
  const query = url?.indexOf('?') ?? -1;
  return query === -1 ? url : url?.slice(0, query);
}

function isJson(request: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '');
}

/** The whole body; a DomainError 413 past MAX_BODY_BYTES (declared or sent). */
function readBody(request: IncomingMessage): Promise<Buffer> {
  const tooLarge = () => WebhookErrors.bodyTooLarge();
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    request.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => (size > MAX_BODY_BYTES ? reject(tooLarge()) : resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

/** Just enough of Express's response and Nest's ArgumentsHost for AllExceptionsFilter to answer on a plain response. */
function httpHost(request: IncomingMessage, response: ServerResponse): ArgumentsHost {
  const shim = {
    get headersSent() {
      return response.headersSent;
    },
    setHeader: (name: string, value: string) => response.setHeader(name, value),
    status(code: number) {
      response.statusCode = code;
      return shim;
    },
    json(body: unknown) {
      const text = JSON.stringify(body);
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.setHeader('Content-Length', Buffer.byteLength(text));
      response.end(text);
    },
  };
  return { getType: () => 'http', switchToHttp: () => ({ getRequest: () => request, getResponse: () => shim }) } as unknown as ArgumentsHost;
}
