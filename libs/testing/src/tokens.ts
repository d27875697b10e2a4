import { sign } from 'jsonwebtoken';

export const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef0123';

/** A bearer token as the game platform's auth service would issue it. */
export function bearerToken(accountId: string, roles: string[], secret = TEST_JWT_SECRET, expiresInSeconds = 300): string {
  return `Bearer ${sign({ sub: accountId, roles }, secret, { algorithm: 'HS256', expiresIn: expiresInSeconds })}`;
}
