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

export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PlatformUnavailableError(`${what} timed out`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
