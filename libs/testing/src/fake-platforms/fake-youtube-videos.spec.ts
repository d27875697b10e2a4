import { FakeGoogle } from './fake-google';

/** FakeGoogle's videos.list (youtube.md §2.3): each rule checked by a request that breaks it. */
describe('FakeGoogle videos.list', () => {
  const google = new FakeGoogle();
  const list = (query: string, headers: Record<string, string> = {}) => fetch(`${google.youtubeApiBaseUrl}/videos?${query}`, { headers });
  const key = () => `key=${google.videos.apiKey}`;

  beforeAll(() => google.start());
  afterAll(() => google.stop());

  it('needs an API key or a bearer token, and a valid key', async () => {
    expect((await list('part=liveStreamingDetails&id=x')).status).toBe(403);
    const wrong = await list('part=liveStreamingDetails&id=x&key=nope');
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: { errors: [{ reason: 'keyInvalid' }] } });
    expect((await list('part=liveStreamingDetails&id=x', { Authorization: 'Bearer not-a-token' })).status).toBe(401);
    expect((await list(`part=liveStreamingDetails&id=x&${key()}`)).status).toBe(200);
  });

  it('needs part and at most 50 ids, and charges 1 unit per call (invalid ones too)', async () => {
    const before = google.quotaUnitsUsed;
    expect((await list(`id=x&${key()}`)).status).toBe(400);
    const ids = Array.from({ length: 51 }, (_, i) => `v${i}`).join(',');
    expect((await list(`part=liveStreamingDetails&id=${ids}&${key()}`)).status).toBe(400);
    expect((await list(`part=liveStreamingDetails&id=${ids.split(',').slice(0, 50).join(',')}&${key()}`)).status).toBe(200);
    expect(google.quotaUnitsUsed - before).toBe(3);
  });

  it('reports concurrentViewers as a string and activeLiveChatId only while live, actualEndTime after the end', async () => {
    google.setLive('UCchan', 'live-video-1');
    google.videos.setConcurrentViewers('live-video-1', 66);
    const live = (await (await list(`part=liveStreamingDetails,snippet&id=live-video-1,unknown-video&${key()}`)).json()) as { items: { id: string; snippet: object; liveStreamingDetails: Record<string, unknown> }[] };
    expect(live.items).toHaveLength(1);
    expect(live.items[0].snippet).toMatchObject({ liveBroadcastContent: 'live' });
    expect(live.items[0].liveStreamingDetails).toMatchObject({ concurrentViewers: '66', activeLiveChatId: 'chat-live-video-1', actualStartTime: expect.any(String) });
    expect(live.items[0].liveStreamingDetails.actualEndTime).toBeUndefined();
    google.videos.setConcurrentViewers('live-video-1', null);
    const hidden = (await (await list(`part=liveStreamingDetails&id=live-video-1&${key()}`)).json()) as { items: { liveStreamingDetails: Record<string, unknown> }[] };
    expect(hidden.items[0].liveStreamingDetails.concurrentViewers).toBeUndefined();
    google.setBroadcastStatus('live-video-1', 'complete');
    const ended = (await (await list(`part=liveStreamingDetails&id=live-video-1&${key()}`)).json()) as { items: { liveStreamingDetails: Record<string, unknown> }[] };
    expect(ended.items[0].liveStreamingDetails).toEqual({ actualStartTime: expect.any(String), actualEndTime: expect.any(String) });
  });
});
