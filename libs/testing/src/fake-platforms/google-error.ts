import type { FakeReply } from './fake-http-server';

/**
 * Google's API error body (youtube.md §3.1): `{ error: { code, message, errors: [{ domain, reason,
 * message }], status } }`. Shared by FakeGoogle and the live-chat list it serves.
 */
export function googleError(code: number, reason: string, message: string, domain = 'youtube.parameter'): FakeReply {
  const status = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED' }[code] ?? 'UNKNOWN';
  return { status: code, body: { error: { code, message, errors: [{ message, domain, reason }], status } } };
}
