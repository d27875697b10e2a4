import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { PlatformPausedError } from './viewer-count.errors';
import { YouTubeVideosClient } from './youtube-videos.client';

/** How the client reads Google's answers (youtube.md §2.3, §3.1 error reasons, §4 quota). */
describe('YouTubeVideosClient', () => {
  let server: Server;
  let reply: { status: number; body: unknown } = { status: 200, body: { items: [] } };
  const urls: string[] = [];
  let spent = 0;
  let client: YouTubeVideosClient;

  beforeAll(async () => {
    server = createServer((request, response) => {
      urls.push(request.url ?? '');
      response.statusCode = reply.status;
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new YouTubeVideosClient({
      apiBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: 'key-123',
      timeoutMs: 2000,
      spend: (units) => Promise.resolve((spent += units)),
      quotaResetsAt: () => 1_900_000_000_000,
      rateLimitPauseMs: 60_000,
    });
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('asks for liveStreamingDetails of up to 50 ids with the key, spends 1 unit, and reads concurrentViewers as a string', async () => {
    reply = {
      status: 200,
      body: {
        items: [
          { id: 'a', liveStreamingDetails: { concurrentViewers: '1234', activeLiveChatId: 'c' } },
          { id: 'b', liveStreamingDetails: { actualStartTime: 'x' } },
          { id: 'c', liveStreamingDetails: { actualEndTime: '2026-01-01T00:00:00Z' } },
        ],
      },
    };
    const before = spent;
    const result = await client.viewerCounts(['a', 'b', 'c', 'd']);
    expect(Object.fromEntries(result)).toEqual({ a: { viewers: 1234, ended: false }, b: { viewers: null, ended: false }, c: { viewers: null, ended: true } });
    expect(spent - before).toBe(1);
    const url = new URL(urls.at(-1) ?? '', 'http://x');
    expect([url.pathname, url.searchParams.get('part'), url.searchParams.get('id'), url.searchParams.get('key')]).toEqual(['/videos', 'liveStreamingDetails', 'a,b,c,d', 'key-123']);
    await expect(client.viewerCounts(Array.from({ length: 51 }, (_, i) => `v${i}`))).rejects.toThrow('at most 50');
  });

  it('403 quotaExceeded pauses until the quota day ends; 403 rateLimitExceeded for the set pause', async () => {
    const googleError = (reason: string) => ({ error: { code: 403, message: reason, errors: [{ reason, domain: 'youtube.quota' }] } });
    reply = { status: 403, body: googleError('quotaExceeded') };
    const quota = await client.viewerCounts(['a']).catch((error: unknown) => error);
    expect(quota).toBeInstanceOf(PlatformPausedError);
    expect(quota).toMatchObject({ reason: 'quota_exceeded', untilMs: 1_900_000_000_000 });
    reply = { status: 403, body: googleError('rateLimitExceeded') };
    const started = Date.now();
    const rate = (await client.viewerCounts(['a']).catch((error: unknown) => error)) as PlatformPausedError;
    expect(rate.reason).toBe('rate_limited');
    expect(rate.untilMs - started).toBeGreaterThanOrEqual(60_000);
    expect(rate.message).not.toContain('key-123');
    reply = { status: 400, body: googleError('badRequest') };
    await expect(client.viewerCounts(['a'])).rejects.toThrow('YouTube videos.list answered 400 badRequest');
  });
});
