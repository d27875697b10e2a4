import { FakeTwitch } from './fake-twitch';

/** The fake's rules, each checked by a request that breaks it (so a test relying on the fake is as strict as Twitch). */
describe('FakeTwitch enforces the documented rules', () => {
  const twitch = new FakeTwitch();
  const user = { id: '141981764', login: 'twitchdev', displayName: 'TwitchDev' };

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const token = async (fields: Record<string, string>) =>
    fetch(`${twitch.authBaseUrl}/token`, form({ client_id: twitch.clientId, client_secret: twitch.clientSecret, ...fields }));
  const appToken = async () => ((await (await token({ grant_type: 'client_credentials' })).json()) as { access_token: string }).access_token;
  const userTokens = async () =>
    (await (await token({ grant_type: 'authorization_code', code: twitch.issueCode(user), redirect_uri: 'https://x.example/cb' })).json()) as { access_token: string; refresh_token: string };
  const helix = (path: string, accessToken: string, init: RequestInit = {}, clientId = twitch.clientId) =>
    fetch(`${twitch.apiBaseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${accessToken}`, 'Client-Id': clientId, 'Content-Type': 'application/json' } });

  beforeAll(() => twitch.start());
  afterAll(() => twitch.stop());
  afterEach(() => twitch.setRateLimit());

  it('codes are single-use', async () => {
    const code = twitch.issueCode(user);
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://x.example/cb' })).status).toBe(200);
    const again = await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://x.example/cb' });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'Bad Request', status: 400, message: 'Invalid authorization code' });
  });

  it('refresh tokens rotate, hold characters that need form encoding, and die after one use', async () => {
    const { refresh_token: first } = await userTokens();
    expect(first).toMatch(/[%/=+]/);
    // Sent without URL-encoding, the token's + and %2F are decoded into something else.
    const raw = await fetch(`${twitch.authBaseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `client_id=${twitch.clientId}&client_secret=${twitch.clientSecret}&grant_type=refresh_token&refresh_token=${first}`,
    });
    expect(raw.status).toBe(400);
    const rotated = await token({ grant_type: 'refresh_token', refresh_token: first });
    expect(rotated.status).toBe(200);
    const second = ((await rotated.json()) as { refresh_token: string }).refresh_token;
    expect(second).not.toBe(first);
    expect((await token({ grant_type: 'refresh_token', refresh_token: first })).status).toBe(400);
    expect((await token({ grant_type: 'refresh_token', refresh_token: second })).status).toBe(200);
  });

  it('Helix needs the Client-Id of the client that issued the token', async () => {
    const app = await appToken();
    const wrong = await helix('/streams?user_id=1', app, {}, 'another-client');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'Unauthorized', status: 401, message: 'Client ID and OAuth token do not match' });
    expect((await helix('/streams?user_id=1', app)).status).toBe(200);
  });

  it('Get Streams takes an app or a user token and at most 100 user_ids; offline users are absent', async () => {
    twitch.setLive('5001', 'stream-1', 42);
    const { access_token: userToken } = await userTokens();
    for (const accessToken of [await appToken(), userToken]) {
      const response = await helix('/streams?user_id=5001&user_id=5002', accessToken);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: { user_id: string; viewer_count: number }[] }).data).toEqual([expect.objectContaining({ user_id: '5001', viewer_count: 42 })]);
    }
    twitch.setViewerCount('5001', 555);
    const ids = Array.from({ length: 101 }, (_, i) => `user_id=${i}`).join('&');
    expect((await helix(`/streams?${ids}`, await appToken())).status).toBe(400);
    const body = (await (await helix('/streams?user_id=5001', userToken)).json()) as { data: { viewer_count: number }[] };
    expect(body.data[0].viewer_count).toBe(555);
  });

  it('Get Streams pages at `first` streams, 20 unless asked for up to 100', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => String(7000 + i));
    for (const id of ids) twitch.setLive(id, `s${id}`, 1);
    const query = ids.map((id) => `user_id=${id}`).join('&');
    const app = await appToken();
    const page = (await (await helix(`/streams?${query}`, app)).json()) as { data: unknown[]; pagination: { cursor?: string } };
    expect(page.data).toHaveLength(20);
    expect(page.pagination.cursor).toBeDefined();
    expect(((await (await helix(`/streams?${query}&first=100`, app)).json()) as { data: unknown[] }).data).toHaveLength(30);
    expect((await helix(`/streams?${query}&first=101`, app)).status).toBe(400);
  });

  it('EventSub webhook subscriptions need an app token, and a duplicate is 409', async () => {
    const { access_token: userToken } = await userTokens();
    const subscription = { type: 'stream.online', version: '1', condition: { broadcaster_user_id: '77' }, transport: { method: 'webhook', callback: 'https://x.example/wh', secret: 'a-secret-of-20-chars' } };
    const create = (accessToken: string) => helix('/eventsub/subscriptions', accessToken, { method: 'POST', body: JSON.stringify(subscription) });
    expect((await create(userToken)).status).toBe(401);
    const app = await appToken();
    expect((await create(app)).status).toBe(202);
    const duplicate = await create(app);
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ error: 'Conflict', status: 409 });
  });

  it('EventSub create checks type, version and condition, and the scope behind polls, predictions, hype trains and chat notifications', async () => {
    const app = await appToken();
    const create = (type: string, version: string, condition: Record<string, string>) =>
      helix('/eventsub/subscriptions', app, {
        method: 'POST',
        body: JSON.stringify({ type, version, condition, transport: { method: 'webhook', callback: 'https://x.example/rules', secret: 'a-secret-of-20-chars' } }),
      });
    const own = { broadcaster_user_id: user.id };
    // Nobody has granted anything yet: the scoped types are refused, the others are not.
    expect((await create('channel.poll.begin', '1', own)).status).toBe(403);
    expect(await (await create('channel.prediction.end', '1', own)).json()).toMatchObject({ status: 403, message: 'subscription missing proper authorization' });
    expect((await create('channel.cheer', '1', own)).status).toBe(202);
    // The grant counts once its code is exchanged for tokens.
    const code = twitch.issueCode(user, ['user:read:chat', 'channel:read:polls', 'channel:manage:predictions', 'channel:read:hype_train']);
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://x.example/cb' })).status).toBe(200);
    for (const type of ['channel.poll.begin', 'channel.poll.progress', 'channel.poll.end', 'channel.prediction.lock']) expect((await create(type, '1', own)).status).toBe(202);
    expect((await create('channel.hype_train.begin', '2', own)).status).toBe(202);
    expect((await create('channel.chat.notification', '1', { ...own, user_id: user.id })).status).toBe(202);
    // Wrong versions, unknown types, conditions with a field too few, too many, or the wrong one.
    expect((await create('channel.hype_train.progress', '1', own)).status).toBe(400);
    expect((await create('channel.poll.end', '2', own)).status).toBe(400);
    expect((await create('channel.poll.vote', '1', own)).status).toBe(400);
    expect((await create('channel.chat.notification', '1', own)).status).toBe(400);
    expect((await create('channel.hype_train.end', '2', { ...own, user_id: user.id })).status).toBe(400);
    expect((await create('channel.raid', '1', { to_broadcaster_user_id: user.id, from_broadcaster_user_id: '5' })).status).toBe(400);
    expect((await create('channel.raid', '1', { from_broadcaster_user_id: user.id })).status).toBe(202);
    expect((await create('channel.follow', '1', own)).status).toBe(400);
    // The scope is the condition user's: another broadcaster's grant does not count.
    expect((await create('channel.chat.notification', '1', { broadcaster_user_id: '9', user_id: '9' })).status).toBe(403);
  });

  it('every Helix answer carries Ratelimit-* headers, and an empty bucket answers 429 until the reset', async () => {
    twitch.setRateLimit(2, 1_000);
    const app = await appToken();
    const first = await helix('/streams?user_id=1', app);
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    const reset = Number(first.headers.get('ratelimit-reset'));
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect((await helix('/streams?user_id=1', app)).headers.get('ratelimit-remaining')).toBe('0');
    const limited = await helix('/streams?user_id=1', app);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    await new Promise((resolve) => setTimeout(resolve, reset * 1000 - Date.now() + 50));
    expect((await helix('/streams?user_id=1', app)).status).toBe(200);
  });
});
