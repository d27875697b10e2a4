import { join } from 'node:path';

import { type GrpcObject, Server, ServerCredentials, type ServerWritableStream, type ServiceClientConstructor, loadPackageDefinition, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

import { type FakeGoogle, YOUTUBE_QUOTA_COST } from './fake-google';
import type { RecordedRequest } from './fake-http-server';
import type { FakeLiveChat } from './fake-youtube-live-chat';

/** What one StreamList connection asked for and how the fake ended it. */
export interface FakeStreamConnection {
  liveChatId: string;
  pageToken: string | null;
  openedAt: number;
  responses: number;
  /** `ok` (server closed: idle or chat over), `cancelled` (by the client), or the status code name it got. */
  outcome: string | null;
}

interface StreamListRequest {
  liveChatId?: string;
  pageToken?: string;
  part?: string[];
}

const CONNECTION_UNITS = YOUTUBE_QUOTA_COST['liveChatMessages.streamList'];
const STREAM_PARTS = new Set(['id', 'snippet', 'authorDetails']);

/**
 * A real gRPC server on loopback (plaintext) serving `youtube.api.v3.V3DataLiveChatMessageService/
 * StreamList` from FakeGoogle's live chats (youtube.md §3.2). Rules it enforces, each answered with a
 * gRPC status so the client under test must cope:
 *
 * - `authorization: Bearer <token>` metadata must hold one of FakeGoogle's live access tokens with a
 *   YouTube scope: else UNAUTHENTICATED (16) (expired/unknown) or PERMISSION_DENIED (scope).
 * - Every connection that passes auth is charged 5 quota units to FakeGoogle's project, before any
 *   other check (invalid requests cost too); past the daily limit → RESOURCE_EXHAUSTED.
 * - `live_chat_id` must name an open chat (NOT_FOUND); `part` must be non-empty and only id, snippet,
 *   authorDetails (INVALID_ARGUMENT); `page_token` must be one this chat issued (INVALID_ARGUMENT).
 *   `max_results` is ignored, as Google documents for the stream.
 * - On connect: the history from the token's position (all of it without a token) in one response,
 *   then one response per push; every response carries `next_page_token`; items oldest → newest.
 * - Once the chat is over (`offline_at` set, `chatEndedEvent` sent) the server ends the call (OK).
 *
 * Knobs for tests: `refuseWith` (every new connection gets that status), `idleCloseMs` (end a stream
 * that has been quiet that long, as Google does), `closeAfterMs` (end every stream that long after it
 * opened), `dropAfterResponses` (the next connection is cut with
 * UNAVAILABLE after that many responses), `dropAll()`, `replayOnResume` (a resumed stream starts that
 * many messages before its token, as a server may re-send around a resume point).
 */
export class FakeYouTubeChatStream {
  readonly connections: FakeStreamConnection[] = [];
  refuseWith: { code: status; details: string } | null = null;
  idleCloseMs: number | null = null;
  /** End every stream (OK) this long after it opened, however busy: a connection's lifetime at Google. */
  closeAfterMs: number | null = null;
  dropAfterResponses: number | null = null;
  replayOnResume = 0;
  private server: Server | null = null;
  private port = 0;
  /** Open calls, each with the function that cuts it with a status. */
  private readonly open = new Map<ServerWritableStream<StreamListRequest, unknown>, (code: status, details: string) => void>();

  constructor(private readonly google: FakeGoogle) {}

  /** `127.0.0.1:<port>`: STREAM_YOUTUBE_GRPC_TARGET with STREAM_YOUTUBE_GRPC_TLS=false. */
  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  get units(): number {
    return this.connections.length * CONNECTION_UNITS;
  }

  openStreams(): number {
    return this.open.size;
  }

  async start(): Promise<this> {
    const definition = loadSync(join(__dirname, 'youtube-stream-list.proto'), { keepCase: false, longs: String, enums: String, defaults: false });
    const v3 = ((loadPackageDefinition(definition).youtube as GrpcObject).api as GrpcObject).v3 as GrpcObject;
    const service = (v3.V3DataLiveChatMessageService as ServiceClientConstructor).service;
    this.server = new Server();
    this.server.addService(service, { StreamList: (call: ServerWritableStream<StreamListRequest, unknown>) => this.streamList(call) });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server?.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return this;
  }

  async stop(): Promise<void> {
    for (const cut of [...this.open.values()]) cut(status.UNAVAILABLE, 'server shutting down');
    await new Promise<void>((resolve) => (this.server ? this.server.tryShutdown(() => resolve()) : resolve()));
    this.server = null;
  }

  /** Cuts every open stream with UNAVAILABLE, as a dropped connection would. */
  dropAll(): void {
    for (const cut of [...this.open.values()]) cut(status.UNAVAILABLE, 'connection dropped by the fake');
  }

  private streamList(call: ServerWritableStream<StreamListRequest, unknown>): void {
    const request = call.request;
    const record: FakeStreamConnection = { liveChatId: request.liveChatId ?? '', pageToken: request.pageToken || null, openedAt: Date.now(), responses: 0, outcome: null };
    const fail = (code: status, details: string) => {
      record.outcome ??= status[code];
      call.emit('error', { code, details });
    };
    const authorization = String(call.metadata.get('authorization')[0] ?? '');
    const auth = this.google.youtubeGrant({ method: 'POST', path: '/grpc', query: new URLSearchParams(), headers: { authorization }, body: {} } as RecordedRequest);
    if ('reply' in auth) return fail(auth.reply.status === 403 ? status.PERMISSION_DENIED : status.UNAUTHENTICATED, 'Request had invalid authentication credentials.');
    this.connections.push(record);
    if (this.google.chargeQuota(CONNECTION_UNITS)) return fail(status.RESOURCE_EXHAUSTED, 'The request cannot be completed because you have exceeded your quota.');
    if (this.refuseWith) return fail(this.refuseWith.code, this.refuseWith.details);
    const chat = this.google.liveChat(record.liveChatId);
    if (!chat) return fail(status.NOT_FOUND, 'The live chat that you are trying to retrieve cannot be found.');
    if (!request.part?.length || request.part.some((p) => !STREAM_PARTS.has(p))) return fail(status.INVALID_ARGUMENT, 'part must list id, snippet and/or authorDetails');
    const position = record.pageToken === null ? 0 : chat.positionOf(record.pageToken);
    if (position === null) return fail(status.INVALID_ARGUMENT, 'The page token is invalid.');
    this.serve(call, chat, record.pageToken === null ? 0 : Math.max(0, position - this.replayOnResume), record);
  }

  private serve(call: ServerWritableStream<StreamListRequest, unknown>, chat: FakeLiveChat, from: number, record: FakeStreamConnection): void {
    const dropAfter = this.dropAfterResponses;
    this.dropAfterResponses = null;
    let sent = from;
    let idle: NodeJS.Timeout | null = null;
    const lifetime =
      this.closeAfterMs === null
        ? null
        : setTimeout(() => {
            finish('ok');
            call.end();
          }, this.closeAfterMs);
    let finished = false;
    const finish = (outcome: string) => {
      if (finished) return;
      finished = true;
      record.outcome ??= outcome;
      unsubscribe();
      if (idle) clearTimeout(idle);
      if (lifetime) clearTimeout(lifetime);
      this.open.delete(call);
    };
    const armIdle = () => {
      if (idle) clearTimeout(idle);
      if (this.idleCloseMs !== null) idle = setTimeout(() => {
        finish('ok');
        call.end();
      }, this.idleCloseMs);
    };
    const send = () => {
      if (finished) return;
      const items = chat.log.slice(sent, chat.log.length);
      sent = chat.log.length;
      call.write({
        kind: 'youtube#liveChatMessageListResponse',
        etag: `etag-${sent}`,
        nextPageToken: chat.tokenAt(sent),
        pageInfo: { totalResults: items.length, resultsPerPage: items.length },
        ...(chat.offlineAt ? { offlineAt: chat.offlineAt } : {}),
        items: items.map(toProtoMessage),
      });
      record.responses += 1;
      armIdle();
      if (chat.offlineAt) {
        finish('ok');
        call.end();
      } else if (dropAfter !== null && record.responses >= dropAfter) {
        cut(status.UNAVAILABLE, 'connection dropped by the fake');
      }
    };
    const cut = (code: status, details: string) => {
      finish(status[code]);
      call.emit('error', { code, details });
    };
    const unsubscribe = chat.onAppend(send);
    this.open.set(call, cut);
    call.on('cancelled', () => finish('cancelled'));
    call.on('error', () => finish(record.outcome ?? 'error'));
    send();
  }
}

/** `textMessageEvent` → `TEXT_MESSAGE_EVENT`: the REST type as the proto enum names it. */
function protoTypeName(restType: string): string {
  return restType.replace(/([A-Z])/g, '_$1').toUpperCase();
}

function toProtoMessage(item: Record<string, unknown>): Record<string, unknown> {
  const snippet = item.snippet as Record<string, unknown> | undefined;
  if (!snippet || typeof snippet.type !== 'string') return item;
  return { ...item, snippet: { ...snippet, type: protoTypeName(snippet.type) } };
}
