import { bearerToken } from './tokens';

export interface ApiResponse {
  status: number;
  body: Record<string, any>;
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
    return { status: response.status, body: JSON.parse(text) as Record<string, any> };
  };
}
