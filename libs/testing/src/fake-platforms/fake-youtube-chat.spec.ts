import { join } from 'node:path';

import { type GrpcObject, Metadata, type ServiceClientConstructor, type StatusObject, credentials, loadPackageDefinition, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

import { expectEventually } from '../expect-eventually';
import { FakeGoogle } from './fake-google';
import { FakeYouTubeChatStream } from './fake-youtube-chat-stream';

interface ChatBody {
  error?: { code: number; errors: { domain: string; reason: string }[] };
  items?: { id: string; snippet: { type: string } }[];
  nextPageToken?: string;
  pollingIntervalMillis?: number;
  offlineAt?: string;
}

interface StreamResponse {
  items?: { id: string; snippet?: { type?: string } }[];
  nextPageToken?: string;
  offlineAt?: string;
}

const text = (n: number) => ({ snippet: { type: 'textMessageEvent', displayMessage: `m${n}`, textMessageDetails: { messageText: `m${n}` } }, authorDetails: { channelId: `UCviewer${n}` } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The chat fakes refuse what YouTube refuses (youtube.md §3.1–3.2) and serve one chat log to both transports. */
describe('FakeGoogle live chat and FakeYouTubeChatStream', () => {
  const google = new FakeGoogle();
  const stream = new FakeYouTubeChatStream(google);
  let token: string;
  let client: InstanceType<ServiceClientConstructor>;
  let chatSeq = 0;

  const poll = async (query: Record<string, string>, bearer = token): Promise<{ status: number; body: ChatBody }> => {
    const response = await fetch(`${google.youtubeApiBaseUrl}/liveChat/messages?${new URLSearchParams(query).toString()}`, { headers: { Authorization: `Bearer ${bearer}` } });
    return { status: response.status, body: (await response.json()) as ChatBody };
  };

  /** Opens StreamList and collects responses until the call ends or `until` says enough (then cancels). */
  function open(request: object, bearer: string | null, until: (responses: StreamResponse[]) => boolean = () => false) {
    const metadata = new Metadata();
    if (bearer) metadata.set('authorization', `Bearer ${bearer}`);
    const responses: StreamResponse[] = [];
    const call = (client as unknown as { StreamList: (r: object, m: Metadata) => NodeJS.EventEmitter & { cancel(): void } }).StreamList(request, metadata);
    call.on('data', (r: StreamResponse) => {
      responses.push(r);
      if (until(responses)) call.cancel();
    });
    call.on('error', () => undefined);
    const done = new Promise<StatusObject>((resolve) => call.on('status', resolve));
    return { responses, done, call };
  }

  beforeAll(async () => {
    await google.start();
    await stream.start();
    const code = google.issueCode({ id: 'UCowner000000000000000001', title: 'c' });
    const response = await fetch(`${google.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: google.redirectUri, client_id: google.clientId, client_secret: google.clientSecret }).toString(),
    });
    token = ((await response.json()) as { access_token: string }).access_token;
    const definition = loadSync(join(__dirname, 'youtube-stream-list.proto'), { keepCase: false, longs: String, enums: String, defaults: false });
    const v3 = ((loadPackageDefinition(definition).youtube as GrpcObject).api as GrpcObject).v3 as GrpcObject;
    client = new (v3.V3DataLiveChatMessageService as ServiceClientConstructor)(stream.target, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await stream.stop();
    await google.stop();
  });

  beforeEach(() => {
    google.pollingIntervalMillis = 200;
    stream.refuseWith = null;
    stream.idleCloseMs = null;
  });

  const newChat = () => `chat-spec-${++chatSeq}`;

  describe('liveChatMessages.list', () => {
    it('serves history first, resumes from nextPageToken, and ends with offlineAt and a chatEndedEvent', async () => {
      const chatId = newChat();
      google.pushChat(chatId, [text(1), text(2)]);
      const first = await poll({ liveChatId: chatId, part: 'id,snippet,authorDetails', maxResults: '200' });
      expect(first.status).toBe(200);
      expect(first.body.items?.map((i) => i.snippet.type)).toEqual(['textMessageEvent', 'textMessageEvent']);
      expect(first.body.pollingIntervalMillis).toBe(200);
      google.pushChat(chatId, [text(3)]);
      google.endChat(chatId);
      await sleep(210);
      const second = await poll({ liveChatId: chatId, part: 'id,snippet', pageToken: first.body.nextPageToken ?? '' });
      expect(second.status).toBe(200);
      expect(second.body.items?.map((i) => i.snippet.type)).toEqual(['textMessageEvent', 'chatEndedEvent']);
      expect(second.body.offlineAt).toEqual(expect.any(String));
    });

    it('refuses a poll sooner than pollingIntervalMillis with 403 rateLimitExceeded, and serves it once the interval has passed', async () => {
      const chatId = newChat();
      google.pushChat(chatId, [text(1)]);
      google.pollingIntervalMillis = 300;
      const first = await poll({ liveChatId: chatId, part: 'snippet' });
      expect(first.status).toBe(200);
      const early = await poll({ liveChatId: chatId, part: 'snippet', pageToken: first.body.nextPageToken ?? '' });
      expect(early.status).toBe(403);
      expect(early.body.error?.errors[0].reason).toBe('rateLimitExceeded');
      await sleep(310);
      expect((await poll({ liveChatId: chatId, part: 'snippet', pageToken: first.body.nextPageToken ?? '' })).status).toBe(200);
    });

    it('charges 5 units per call, refused calls included, and checks part, maxResults (200–2000), the page token and the chat', async () => {
      const chatId = newChat();
      google.pushChat(chatId, [text(1)]);
      const before = google.quotaUnitsUsed;
      const reason = async (query: Record<string, string>) => (await poll(query)).body.error?.errors[0].reason;
      expect(await reason({ liveChatId: chatId })).toBe('required');
      expect(await reason({ liveChatId: chatId, part: 'snippet,contentDetails' })).toBe('invalidValue');
      expect(await reason({ liveChatId: chatId, part: 'snippet', maxResults: '199' })).toBe('invalidValue');
      expect(await reason({ liveChatId: chatId, part: 'snippet', maxResults: '2001' })).toBe('invalidValue');
      expect(await reason({ liveChatId: chatId, part: 'snippet', pageToken: 'made-up' })).toBe('pageTokenInvalid');
      expect(await reason({ liveChatId: 'chat-nobody-opened', part: 'snippet' })).toBe('liveChatNotFound');
      expect(google.quotaUnitsUsed - before).toBe(30);
      expect((await poll({ liveChatId: chatId, part: 'snippet' }, 'ya29.not-issued')).status).toBe(401);
    });
  });

  describe('streamList over gRPC', () => {
    it('refuses a call without a live bearer token with UNAUTHENTICATED and charges nothing', async () => {
      const chatId = newChat();
      google.pushChat(chatId, [text(1)]);
      const before = google.quotaUnitsUsed;
      expect((await open({ liveChatId: chatId, part: ['snippet'] }, null).done).code).toBe(status.UNAUTHENTICATED);
      expect((await open({ liveChatId: chatId, part: ['snippet'] }, 'ya29.not-issued').done).code).toBe(status.UNAUTHENTICATED);
      expect(google.quotaUnitsUsed).toBe(before);
    });

    it('sends history then each push, a next_page_token on every response, and resumes from a token without repeats', async () => {
      const chatId = newChat();
      google.pushChat(chatId, [text(1), text(2)]);
      const before = google.quotaUnitsUsed;
      const first = open({ liveChatId: chatId, part: ['id', 'snippet'] }, token, (r) => r.length === 2);
      await sleep(100);
      google.pushChat(chatId, [text(3)]);
      expect((await first.done).code).toBe(status.CANCELLED);
      expect(first.responses.map((r) => r.items?.length ?? 0)).toEqual([2, 1]);
      expect(first.responses.every((r) => typeof r.nextPageToken === 'string' && r.nextPageToken.length > 0)).toBe(true);
      expect(first.responses[0].items?.[0].snippet?.type).toBe('TEXT_MESSAGE_EVENT');
      google.pushChat(chatId, [text(4)]);
      google.endChat(chatId);
      const resumed = open({ liveChatId: chatId, part: ['id', 'snippet'], pageToken: first.responses[1].nextPageToken }, token);
      expect((await resumed.done).code).toBe(status.OK);
      expect(resumed.responses.flatMap((r) => r.items ?? []).map((i) => i.snippet?.type)).toEqual(['TEXT_MESSAGE_EVENT', 'CHAT_ENDED_EVENT']);
      expect(resumed.responses.at(-1)?.offlineAt).toEqual(expect.any(String));
      expect(google.quotaUnitsUsed - before).toBe(10);
    });

    it('refuses on request (refuseWith), rejects a made-up page token, a bad part and an unknown chat', async () => {
      const chatId = newChat();
      google.pushChat(chatId, [text(1)]);
      expect((await open({ liveChatId: chatId, part: ['snippet'], pageToken: 'made-up' }, token).done).code).toBe(status.INVALID_ARGUMENT);
      expect((await open({ liveChatId: chatId, part: ['liveChatId'] }, token).done).code).toBe(status.INVALID_ARGUMENT);
      expect((await open({ liveChatId: 'chat-nobody-opened', part: ['snippet'] }, token).done).code).toBe(status.NOT_FOUND);
      stream.refuseWith = { code: status.UNIMPLEMENTED, details: 'streamList is not available' };
      expect((await open({ liveChatId: chatId, part: ['snippet'] }, token).done).code).toBe(status.UNIMPLEMENTED);
    });

    it('closes a quiet stream after idleCloseMs with OK, and cuts a stream with UNAVAILABLE after dropAfterResponses', async () => {
      const chatId = newChat();
      google.pushChat(chatId, [text(1)]);
      stream.idleCloseMs = 150;
      const quiet = open({ liveChatId: chatId, part: ['snippet'] }, token);
      expect((await quiet.done).code).toBe(status.OK);
      expect(quiet.responses).toHaveLength(1);
      stream.idleCloseMs = null;
      stream.dropAfterResponses = 2;
      const dropped = open({ liveChatId: chatId, part: ['snippet'] }, token);
      // The backlog (text 1) is the first response; text 2, pushed once it has arrived, the second.
      // A fixed 50 ms wait raced the stream's opening under load (both in one response, no drop).
      await expectEventually(() => expect(dropped.responses).toHaveLength(1));
      google.pushChat(chatId, [text(2)]);
      expect((await dropped.done).code).toBe(status.UNAVAILABLE);
      expect(dropped.responses).toHaveLength(2);
    });
  });
});
