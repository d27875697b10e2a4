import { bearerToken } from './tokens';

/** A parsed JSON answer. Tests read nested fields of it freely, as they would with `supertest`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON by design; each test asserts the shape it reads
export type JsonBody = Record<string, any>;

export interface ApiResponse {
  status: number;
  body: JsonBody;
  /** The answer's X-Request-Id header (its correlation id). */
  requestId: string | null;
}

/**
 * The X-Request-Id of an answer (supertest's `headers`), or a thrown error when it is missing or not
 * a well-formed id: so `correlationId: requestIdOf(response)` cannot pass by both being absent.
 */
export function requestIdOf(response: { headers: Record<string, unknown> }): string {
  const id = response.headers['x-request-id'];
  if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new Error(`expected a well-formed X-Request-Id header, got ${String(id)}`);
  return id;
}

/**
 * POSTs JSON to a running control-api as an admin and parses the answer. Every raw response body is
 * also appended to `recorded`, so a test can scan them all for leaked secrets.
 */
export function adminApi(baseUrl: () => string, recorded: string[] = [], account = 'ops'): (path: string, body: object) => Promise<ApiResponse> {
  return async (path, body) => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method: 'POST',
      headers: { Authorization: bearerToken(account, ['admin']), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    recorded.push(text);
    return { status: response.status, body: JSON.parse(text) as JsonBody, requestId: response.headers.get('x-request-id') };
  };
}
