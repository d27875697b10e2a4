import { StreamPlatform } from '@lib-stream/contracts';

import { readPlatformError } from '../platform-links/oauth/platform-http';
import { PlatformRefusedError } from './platform-live-check';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('readPlatformError', () => {
  it("reads Google's error shape: errors[0].reason and error.message (youtube.md §2.2)", async () => {
    const response = json(400, {
      error: { code: 400, message: 'Incompatible parameters specified in the request: broadcastStatus, mine', errors: [{ domain: 'youtube.parameter', reason: 'incompatibleParameters', message: 'x' }] },
    });
    expect(await readPlatformError(response, [])).toEqual({ reason: 'incompatibleParameters', detail: 'Incompatible parameters specified in the request: broadcastStatus, mine' });
  });

  it("falls back to Google's status when errors[] is missing", async () => {
    expect(await readPlatformError(json(403, { error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED' } }), [])).toEqual({ reason: 'PERMISSION_DENIED', detail: 'denied' });
  });

  it("reads Twitch's error shape: error and message", async () => {
    const response = json(400, { error: 'Bad Request', status: 400, message: 'Malformed query params.' });
    expect(await readPlatformError(response, [])).toEqual({ reason: 'Bad Request', detail: 'Malformed query params.' });
  });

  it('masks the secrets it is given and drops markup and control characters', async () => {
    const response = json(403, { error: { message: 'token ya29.secret-token for UCchannel0000000000000000\n<a href="x">quota</a>', errors: [{ reason: 'forbidden' }] } });
    const { detail } = await readPlatformError(response, ['ya29.secret-token', 'UCchannel0000000000000000']);
    expect(detail).not.toMatch(/ya29|UCchannel|[<>\n]/);
    expect(detail).toContain('token **** for ****');
  });

  it('says unknown for a body that is not JSON, and cuts long messages', async () => {
    expect(await readPlatformError(new Response('<html>Bad gateway</html>', { status: 400 }), [])).toEqual({ reason: 'unknown', detail: '' });
    const long = await readPlatformError(json(400, { error: 'Bad Request', message: 'x'.repeat(5000) }), []);
    expect(long.detail).toHaveLength(200);
  });
});

describe('PlatformRefusedError', () => {
  it('says what the platform said, as a 502', () => {
    const error = new PlatformRefusedError(StreamPlatform.YouTube, 400, 'incompatibleParameters', 'Incompatible parameters');
    expect(error.message).toBe('youtube answered 400 incompatibleParameters: Incompatible parameters');
    expect(error.statusCode).toBe(502);
    expect(new PlatformRefusedError(StreamPlatform.Twitch, 404, 'Not Found', '').message).toBe('twitch answered 404 Not Found');
  });
});
