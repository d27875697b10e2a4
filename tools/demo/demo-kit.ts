/**
 * What both parts of `npm run demo` need from the stack `npm start` runs: its address, a bearer token
 * signed with the stack's own secret, and a small JSON client for the POST-only API.
 * Settings are read as start.sh reads them (environment, .env, .data/dev-secrets.env).
 */
import { sign } from 'jsonwebtoken';

import { localSetting } from '../shared/local-settings';

/** POST `path` with a JSON body; resolves the JSON answer, rejects naming status, code and message. */
export type Api = (path: string, body: object) => Promise<Record<string, unknown>>;

export interface LocalStack {
  baseUrl: string;
  /** A client whose bearer token has roles `user` and `admin` for `accountId` (valid 1 h). */
  api(accountId: string): Api;
}

/**
 * The running stack, or a sentence saying what is missing (stack down, secrets never generated).
 * The token is signed with STREAM_AUTH_JWT_SECRET, HS256, as control-api verifies it.
 */
export async function connectToLocalStack(): Promise<LocalStack | string> {
  const baseUrl = `http://127.0.0.1:${localSetting('CONTROL_API_PORT', '3000')}`;
  const jwtSecret = localSetting('STREAM_AUTH_JWT_SECRET');
  const ready = await fetch(`${baseUrl}/health/ready`).then((r) => r.ok, () => false);
  if (!ready) return `control-api does not answer at ${baseUrl}: start the stack first (npm start, in another terminal).`;
  if (!jwtSecret) return 'STREAM_AUTH_JWT_SECRET is not set: start the stack once with npm start (it generates it).';
  return {
    baseUrl,
    api: (accountId) => apiClient(baseUrl, sign({ sub: accountId, roles: ['user', 'admin'] }, jwtSecret, { algorithm: 'HS256', expiresIn: '1h' })),
  };
}

function apiClient(baseUrl: string, token: string): Api {
  return async (path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${path} answered ${response.status} ${String(answer.code)}: ${String(answer.message)}`);
    return answer;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
