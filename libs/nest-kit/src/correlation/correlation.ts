import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * Correlation ids: one id per HTTP request or queued job, carried from control-api through the Bull
 * jobs it adds, the media worker that takes them and the events it publishes, and written on every
 * log line in between, so one broadcast's path across the apps is followed by one id.
 */

/** Request headers a caller may set its own id in, looked at in this order. */
export const CORRELATION_REQUEST_HEADERS = ['x-request-id', 'x-correlation-id'] as const;
/** Response header every HTTP answer carries the id in. */
export const CORRELATION_RESPONSE_HEADER = 'X-Request-Id';

/**
 * A caller-supplied id is accepted only in this shape: short, and a charset that cannot carry a
 * URL, a token with `/`/`+`/`=` padding, an e-mail address or a log-injection newline. Anything
 * else is replaced by a fresh UUID and never logged.
 */
const WELL_FORMED = /^[A-Za-z0-9._-]{1,64}$/;

const storage = new AsyncLocalStorage<string>();
const requestIds = new WeakMap<object, string>();

/**
 * Off by default; see {@link releaseCorrelationContextWhenIdle}. `running` counts the requests and
 * jobs running with an id now (only while it is on).
 */
let releaseWhenIdle = false;
let running = 0;

/**
 * From now on, switches the context off whenever no request or job runs with an id (the next one
 * switches it on again); call it at boot. On Node 20 an AsyncLocalStorage that has run once keeps
 * promise hooks on for every promise of the process, for good: one health check made every Twitch
 * delivery pay for them, though that route passes its id explicitly (bench:webhook: ~14 % of its
 * CPU). The price: work a request leaves running after its answer, that logs once no request or job
 * runs any more, logs without the id. control-api only: a media worker's broadcast timers keep their
 * start's id for the broadcast's life.
 */
export function releaseCorrelationContextWhenIdle(): void {
  if (releaseWhenIdle) return;
  releaseWhenIdle = true;
  // Off from now (at boot), in case something ran with an id before: nothing counted it.
  storage.disable();
}

function leave(): void {
  running -= 1;
  if (running === 0) storage.disable();
}

/** A fresh id (UUID v4). */
export function newCorrelationId(): string {
  return randomUUID();
}

/** `value` when it is a well-formed id (1 to 64 of `A-Z a-z 0-9 . _ -`), otherwise null. */
export function acceptCorrelationId(value: unknown): string | null {
  return typeof value === 'string' && WELL_FORMED.test(value) ? value : null;
}

/**
 * The id for an incoming request: the first well-formed `X-Request-Id` / `X-Correlation-Id` header,
 * else a new UUID. A header sent twice (an array) is not accepted.
 */
export function correlationIdFromHeaders(headers: Record<string, string | string[] | undefined>): string {
  for (const name of CORRELATION_REQUEST_HEADERS) {
    const accepted = acceptCorrelationId(headers[name]);
    if (accepted) return accepted;
  }
  return newCorrelationId();
}

/** The id of the request or job whose work is running now, or undefined outside of one. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

/**
 * Runs `work` with `id` as the current correlation id (everything it awaits, and timers and child
 * processes it starts, see the same id). An id that is missing or not well formed (job data is read
 * back from Redis) is replaced by a new one, so a job's lines are still grouped.
 */
export function withCorrelationId<T>(id: unknown, work: () => T): T {
  const store = acceptCorrelationId(id) ?? newCorrelationId();
  if (!releaseWhenIdle) return storage.run(store, work);
  running += 1;
  let result: T;
  try {
    result = storage.run(store, work);
  } catch (error) {
    leave();
    throw error;
  }
  // Async work holds the context until it settles.
  if (typeof (result as { then?: unknown } | null)?.then === 'function') (result as PromiseLike<unknown>).then(leave, leave);
  else leave();
  return result;
}

/**
 * Runs `work` outside of any correlation id: for long-lived loops started lazily while a request or
 * job happened to be running, which must not stamp that one id on every later line.
 */
export function withoutCorrelationId<T>(work: () => T): T {
  return storage.exit(work);
}

/** The id given to `request` by {@link correlationMiddleware}, if any. */
export function correlationIdOf(request: object): string | undefined {
  return requestIds.get(request);
}

/**
 * Express middleware, first in the chain: picks the request's id, sets the response header (so even
 * answers given before Nest, an unreadable body, carry it) and runs the rest of the request with it
 * as the current id. The body parser keeps the context across the body's chunks (raw-body binds its
 * callbacks); the id is also kept by request, for an error answered where the context was lost.
 */
export function correlationMiddleware(request: Request, response: Response, next: NextFunction): void {
  const id = correlationIdFromHeaders(request.headers);
  requestIds.set(request, id);
  response.setHeader(CORRELATION_RESPONSE_HEADER, id);
  if (releaseWhenIdle) {
    running += 1;
    response.once('close', () => holdUntilAnswered(response));
  }
  storage.run(id, next);
}

/**
 * 'close' follows 'finish' (the request is over), or the caller went away (its timeout, a proxy)
 * while the handler still runs: it keeps the context until it answers (Nest and the error filter
 * always end the response, even to a gone client), so its lines and the jobs it adds keep the id.
 */
function holdUntilAnswered(response: Response): void {
  if (response.writableEnded) {
    leave();
    return;
  }
  const end = response.end;
  response.end = function (this: Response, ...args: unknown[]) {
    response.end = end;
    leave();
    return (end as (...endArgs: unknown[]) => Response).apply(this, args);
  } as Response['end'];
}

/**
 * An error body with the request's id added as `correlationId` (the same as the X-Request-Id
 * header), so a caller reporting an error can quote it; the body's own fields are unchanged.
 */
export function withCorrelationField<B extends object>(body: B, request?: object): B & { correlationId?: string } {
  const id = currentCorrelationId() ?? (request ? correlationIdOf(request) : undefined);
  return id ? { ...body, correlationId: id } : body;
}
