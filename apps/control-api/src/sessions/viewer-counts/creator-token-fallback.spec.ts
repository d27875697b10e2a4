import { AccessTokenRejectedError, PlatformUnavailableError } from '../../platform-links/oauth/oauth.types';
import { withFirstWorkingLink } from './creator-token-fallback';
import { PlatformPausedError } from './viewer-count.errors';

describe('withFirstWorkingLink', () => {
  const tokens: Record<string, string> = { good: 'token-good', other: 'token-other' };
  const tried: string[] = [];
  const withAccessToken = async (linkId: string, call: (token: string) => Promise<string>) => {
    tried.push(linkId);
    if (!tokens[linkId]) throw new AccessTokenRejectedError('link has no access token');
    return call(tokens[linkId]);
  };
  beforeEach(() => (tried.length = 0));

  it('skips links whose token does not work and uses the first that does', async () => {
    const out = await withFirstWorkingLink(null, ['gone-1', 'gone-2', 'good', 'other'], withAccessToken, (token) => Promise.resolve(`read with ${token}`));
    expect(out).toEqual({ result: 'read with token-good', linkId: 'good' });
    expect(tried).toEqual(['gone-1', 'gone-2', 'good']);
  });

  it('tries the link that worked last first, once', async () => {
    await withFirstWorkingLink('other', ['gone-1', 'other'], withAccessToken, (token) => Promise.resolve(token));
    expect(tried).toEqual(['other']);
  });

  it('stops at a pause or an outage, and fails with the last reason when no link works', async () => {
    await expect(withFirstWorkingLink(null, ['good', 'other'], withAccessToken, () => Promise.reject(new PlatformPausedError('quota_exceeded', 1, 'quota')))).rejects.toThrow('quota');
    expect(tried).toEqual(['good']);
    await expect(withFirstWorkingLink(null, ['good', 'other'], withAccessToken, () => Promise.reject(new PlatformUnavailableError('down')))).rejects.toThrow('down');
    await expect(withFirstWorkingLink(null, ['gone-1', 'gone-2'], withAccessToken, (token) => Promise.resolve(token))).rejects.toThrow('link has no access token');
  });
});
