import { bearerToken } from './tokens';

/** A parsed JSON answer. Tests read nested fields of it freely, as they would with `supertest`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON by design; each test asserts the shape it reads
export type JsonBody = Record<string, any>;

export interface ApiResponse {
  status: number;
  body: JsonBody;
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
    return { status: response.status, body: JSON.parse(text) as JsonBody };
  };
}
