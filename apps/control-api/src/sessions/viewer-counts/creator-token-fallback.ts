import { PlatformUnavailableError } from '../../platform-links/oauth/oauth.types';
import { PlatformPausedError } from './viewer-count.errors';

/**
 * Runs `call` with the first creator token that works, trying `preferred` (the link that worked
 * last) and then `linkIds` in order, so one dead or unlinked grant does not fail a whole videos.list
 * batch. A pause or an outage (PlatformPausedError, PlatformUnavailableError) is the platform's
 * answer for everyone and ends the search. Returns the result and the link that worked.
 */
export async function withFirstWorkingLink<T>(
  preferred: string | null,
  linkIds: readonly string[],
  withAccessToken: (linkId: string, call: (token: string) => Promise<T>) => Promise<T>,
  call: (token: string) => Promise<T>,
): Promise<{ result: T; linkId: string }> {
  const candidates = [...new Set([...(preferred ? [preferred] : []), ...linkIds])];
  let lastError: unknown = new Error('no creator token to read videos.list with');
  for (const linkId of candidates) {
    try {
      return { result: await withAccessToken(linkId, call), linkId };
    } catch (error) {
      if (error instanceof PlatformPausedError || error instanceof PlatformUnavailableError) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
