import { withDeadline } from '@lib-stream/nest-kit';

import { AccessTokenRejectedError, PlatformUnavailableError } from './oauth.types';

/**
 * fetch with a timeout and the failure classes the link service acts on. Error messages carry the
 * status and a short reason, never the request (which may hold a token).
 */
export async function platformFetch(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable';
    throw new PlatformUnavailableError(`${new URL(url).host} ${reason}`);
  }
  if (response.status === 401) throw new AccessTokenRejectedError(`${new URL(url).host} rejected the access token`);
  if (response.status >= 500) throw new PlatformUnavailableError(`${new URL(url).host} answered ${response.status}`);
  return response;
}

export function formBody(fields: Record<string, string>): { body: string; headers: Record<string, string> } {
  return { body: new URLSearchParams(fields).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
}

/** `work`, or a PlatformUnavailableError('<what> timed out') after `timeoutMs` (its late outcome is ignored). */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return withDeadline(work, timeoutMs, () => new PlatformUnavailableError(`${what} timed out`));
}

/** Longest platform message kept (it reaches a log line and an API message). */
const MAX_DETAIL_CHARS = 200;

/**
 * The reason and message of a platform's error body, with `secrets` (the token, the user id) masked:
 * Google `{ error: { code, message, errors: [{ reason }] } }` (youtube.md §2.2) and Twitch
 * `{ error, status, message }` (twitch.md). An unreadable body gives `unknown` and no detail.
 */
export async function readPlatformError(response: Response, secrets: string[]): Promise<{ reason: string; detail: string }> {
  const body = (await response.json().catch(() => null)) as {
    error?: string | { message?: string; status?: string; errors?: { reason?: string; message?: string }[] };
    message?: string;
  } | null;
  let reason = 'unknown';
  let detail = '';
  if (body && typeof body.error === 'object') {
    reason = body.error.errors?.[0]?.reason ?? body.error.status ?? reason;
    detail = body.error.message ?? body.error.errors?.[0]?.message ?? '';
  } else if (body) {
    reason = typeof body.error === 'string' ? body.error : reason;
    detail = body.message ?? '';
  }
  return { reason: clean(reason, secrets).slice(0, 60), detail: clean(detail, secrets).slice(0, MAX_DETAIL_CHARS) };
}

function clean(text: string, secrets: string[]): string {
  // Printable characters only: the text ends up in a log line and an API message.
  let out = [...String(text)].map((c) => (c < ' ' || c === '\u007f' || c === '<' || c === '>' ? ' ' : c)).join('').trim();
  for (const secret of secrets) if (secret) out = out.split(secret).join('****');
  return out;
}
