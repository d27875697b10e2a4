import { FakeGoogle, YOUTUBE_QUOTA_COST } from './fake-google';

interface ListBody {
  error?: { code: number; message: string; errors: { domain: string; reason: string; message: string }[] };
  items?: { id: string }[];
}

/** The fake refuses what Google refuses (youtube.md §1, §2.2, §4); each rule here is one the app relies on. */
describe('FakeGoogle', () => {
  const google = new FakeGoogle();
  const channel = { id: 'UCaaaaaaaaaaaaaaaaaaaaaa', title: 'chan' };

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  async function exchange(code: string, redirectUri = google.redirectUri): Promise<Response> {
    return fetch(`${google.baseUrl}/token`, form({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: google.clientId, client_secret: google.clientSecret }));
  }

  async function accessToken(scope?: string): Promise<string> {
    const response = await exchange(google.issueCode(channel, { scope }));
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function listBroadcasts(query: string, token: string): Promise<{ status: number; body: ListBody }> {
    const response = await fetch(`${google.youtubeApiBaseUrl}/liveBroadcasts?${query}`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as ListBody };
  }

  beforeAll(() => google.start());
  afterAll(() => google.stop());
  beforeEach(() => {
    google.quotaUnitsUsed = 0;
    google.dailyQuotaLimit = 10_000;
  });

  describe('liveBroadcasts.list', () => {
    it('refuses broadcastStatus together with mine (the old live check) with 400 incompatibleParameters in Google’s shape', async () => {
      const token = await accessToken();
      const { status, body } = await listBroadcasts('part=id,snippet,status&broadcastStatus=active&mine=true', token);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 400, message: expect.stringContaining('broadcastStatus, mine') });
      expect(body.error?.errors).toEqual([{ domain: 'youtube.parameter', reason: 'incompatibleParameters', message: expect.any(String) }]);
      // An invalid request is still charged (youtube.md §4).
      expect(google.quotaUnitsUsed).toBe(YOUTUBE_QUOTA_COST['liveBroadcasts.list']);
    });

    it('requires part and one filter', async () => {
      const token = await accessToken();
      expect((await listBroadcasts('broadcastStatus=active', token)).body.error?.errors[0].reason).toBe('required');
      expect((await listBroadcasts('part=id', token)).body.error?.errors[0].reason).toBe('missingRequiredParameter');
      expect((await listBroadcasts('part=id,bogus&mine=true', token)).status).toBe(400);
      expect((await listBroadcasts('part=id&broadcastStatus=live', token)).status).toBe(400);
      expect((await listBroadcasts('part=id&mine=true&broadcastType=scheduled', token)).status).toBe(400);
    });

    it('hides a persistent broadcast unless broadcastType=all (the default is event)', async () => {
      const token = await accessToken();
      google.setLive(channel.id, 'persistent01', { broadcastType: 'persistent' });
      const byDefault = await listBroadcasts('part=id,snippet,status&broadcastStatus=active', token);
      expect(byDefault.status).toBe(200);
      expect(byDefault.body.items).toEqual([]);
      const all = await listBroadcasts('part=id,snippet,status&broadcastStatus=active&broadcastType=all', token);
      expect(all.body.items).toEqual([expect.objectContaining({ id: 'persistent01', snippet: expect.objectContaining({ liveChatId: 'chat-persistent01' }), status: expect.objectContaining({ lifeCycleStatus: 'live' }) })]);

      google.setLive(channel.id, 'event0000001', { broadcastType: 'event', lifeCycleStatus: 'testing' });
      const events = await listBroadcasts('part=id,status&broadcastStatus=active', token);
      expect(events.body.items?.map((b) => b.id)).toEqual(['event0000001']);
      google.setBroadcastStatus('persistent01', 'complete');
      google.setBroadcastStatus('event0000001', 'complete');
      expect((await listBroadcasts('part=id&broadcastStatus=active&broadcastType=all', token)).body.items).toEqual([]);
    });

    it('answers 401 authError without a live token and 403 insufficientPermissions without a YouTube scope', async () => {
      const missing = await listBroadcasts('part=id&mine=true', 'ya29.not-a-token');
      expect(missing.status).toBe(401);
      expect(missing.body.error?.errors[0]).toMatchObject({ reason: 'authError', domain: 'global' });
      const token = await accessToken();
      google.expireAccessTokens();
      expect((await listBroadcasts('part=id&mine=true', token)).status).toBe(401);
      const noYouTube = await listBroadcasts('part=id&mine=true', await accessToken('openid email'));
      expect(noYouTube.status).toBe(403);
      expect(noYouTube.body.error?.errors[0].reason).toBe('insufficientPermissions');
    });
  });

  describe('quota', () => {
    it('charges every call and answers 403 quotaExceeded past the daily limit, charging nothing more', async () => {
      const token = await accessToken();
      google.dailyQuotaLimit = 12;
      expect((await listBroadcasts('part=id&mine=true', token)).status).toBe(200);
      expect((await listBroadcasts('part=id&mine=true', token)).status).toBe(200);
      const refused = await listBroadcasts('part=id&mine=true', token);
      expect(refused.status).toBe(403);
      expect(refused.body.error?.errors[0]).toMatchObject({ reason: 'quotaExceeded', domain: 'youtube.quota' });
      expect(google.quotaUnitsUsed).toBe(10);
      expect(google.chargeQuota(2)).toBeNull();
      expect(google.chargeQuota(1)?.status).toBe(403);
    });
  });

  describe('OAuth', () => {
    it('accepts an authorization code once, and only with the redirect_uri it was issued for', async () => {
      const code = google.issueCode(channel);
      expect((await exchange(code)).status).toBe(200);
      const again = await exchange(code);
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
      const other = await exchange(google.issueCode(channel), 'https://dashboard.example.com/linked/');
      expect(other.status).toBe(400);
      expect(await other.json()).toMatchObject({ error: 'redirect_uri_mismatch' });
    });

    it('issues refresh tokens with / - _ that refresh only when they arrive intact', async () => {
      const tokens = (await (await exchange(google.issueCode(channel))).json()) as { refresh_token: string; scope: string };
      expect(tokens.refresh_token).toMatch(/^1\/\/0g.*-_\//);
      expect(tokens.scope).toBe('https://www.googleapis.com/auth/youtube.readonly');
      const refresh = (refreshToken: string) =>
        fetch(`${google.baseUrl}/token`, form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: google.clientId, client_secret: google.clientSecret }));
      const refreshed = await refresh(tokens.refresh_token);
      expect(refreshed.status).toBe(200);
      expect(await refreshed.json()).not.toHaveProperty('refresh_token');
      // A token whose "/" was mangled (e.g. double-encoded) is refused.
      expect((await refresh(encodeURIComponent(tokens.refresh_token))).status).toBe(400);
    });

    it('checks the consent URL and gives a refresh token only for access_type=offline', async () => {
      const consent = (params: Record<string, string>) =>
        `${google.authorizationUrl}?${new URLSearchParams({ client_id: google.clientId, redirect_uri: google.redirectUri, response_type: 'code', scope: 'https://www.googleapis.com/auth/youtube.readonly', ...params }).toString()}`;
      const offline = google.authorize(consent({ access_type: 'offline', prompt: 'consent', state: 's1' }), channel);
      expect(offline.state).toBe('s1');
      expect(await (await exchange(offline.code)).json()).toHaveProperty('refresh_token');
      const online = google.authorize(consent({}), channel);
      expect(await (await exchange(online.code)).json()).not.toHaveProperty('refresh_token');
      expect(() => google.authorize(consent({ redirect_uri: `${google.redirectUri}/` }), channel)).toThrow(/redirect_uri/);
      expect(() => google.authorize(consent({ scope: 'youtube.readonly' }), channel)).toThrow(/scope/);
      expect(() => google.authorize(consent({ scope: 'https://www.googleapis.com/auth/youtube.readonly,openid' }), channel)).toThrow(/scope/);
      expect(() => google.authorize(consent({ scope: 'openid email' }), channel)).toThrow(/YouTube scope/);
      expect(() => google.authorize(consent({ response_type: 'token' }), channel)).toThrow(/response_type/);
      expect(() => google.authorize(consent({ client_id: 'other' }), channel)).toThrow(/client_id/);
    });

    it('revokes the whole grant from either token', async () => {
      const tokens = (await (await exchange(google.issueCode(channel))).json()) as { access_token: string; refresh_token: string };
      expect((await fetch(`${google.baseUrl}/revoke`, form({ token: tokens.access_token }))).status).toBe(200);
      expect((await listBroadcasts('part=id&mine=true', tokens.access_token)).status).toBe(401);
      expect((await fetch(`${google.baseUrl}/revoke`, form({ token: tokens.refresh_token }))).status).toBe(400);
    });
  });

  describe('WebSub hub', () => {
    it('accepts a complete form subscription and refuses one without a callback', async () => {
      const topic = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channel.id}`;
      const fields = { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'https://stream.example.com/cb', 'hub.verify_token': 'vt' };
      expect((await fetch(google.hubUrl, form(fields))).status).toBe(202);
      expect((await fetch(google.hubUrl, form({ 'hub.mode': 'subscribe', 'hub.topic': topic }))).status).toBe(400);
      expect(google.hubVerification(topic)).toMatchObject({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.verify_token': 'vt', 'hub.lease_seconds': '432000' });
    });
  });
});
