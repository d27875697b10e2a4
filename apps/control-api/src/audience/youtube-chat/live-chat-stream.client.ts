import { type Client, type ClientReadableStream, Metadata, type ServiceError, type StatusObject, credentials, status } from '@grpc/grpc-js';

import { streamListClientConstructor } from './stream-list.descriptor';
import type { LiveChatMessage } from '../mappers/youtube-chat-mapper';

/** A `liveChatMessage` as streamList decodes it (stream-list.descriptor.ts): REST shape, enum names for `type`. */
export interface StreamedChatMessage extends LiveChatMessage {
  id?: string;
  snippet?: LiveChatMessage['snippet'] & { giftDetails?: { comboCount?: number } };
}

/** One `LiveChatMessageListResponse` of the stream (youtube.md §3.2), items already in REST form. */
export interface StreamListPage {
  items: StreamedChatMessage[];
  nextPageToken?: string;
  offlineAt?: string;
}

/** How one connection finished: `closed` = the server ended it (OK, e.g. idle close); else its gRPC status. */
export type StreamListOutcome = { kind: 'closed' } | { kind: 'cancelled' } | { kind: 'failed'; code: status; codeName: string; details: string };

export interface StreamListConnection {
  /** Settles once the call is over and every page handed to `onPage` has been handled. */
  done: Promise<StreamListOutcome>;
  cancel(): void;
}

/** `TEXT_MESSAGE_EVENT` → `textMessageEvent`: the proto enum name as the REST API spells the type. */
export function restTypeName(protoName: string): string {
  return protoName.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function toRestMessage(item: StreamedChatMessage): StreamedChatMessage {
  const type = item.snippet?.type;
  return type && /^[A-Z_]+$/.test(type) ? { ...item, snippet: { ...item.snippet, type: restTypeName(type) } } : item;
}

/**
 * A gRPC channel to `youtube.api.v3.V3DataLiveChatMessageService` (youtube.md §3.2). One per chat
 * worker; `close()` when done.
 */
export class StreamListClient {
  private readonly client: Client & { StreamList: (request: object, metadata: Metadata) => ClientReadableStream<StreamListResponse> };

  /**
   * `target` is host:port; TLS with the system roots when `tls`, plaintext otherwise (local fakes only).
   * Each client has its own HTTP/2 connection (grpc-js would otherwise share one per target), so
   * StreamListChannels can spread long-lived streams over connections.
   */
  constructor(target: string, tls: boolean) {
    const Ctor = streamListClientConstructor();
    this.client = new Ctor(target, tls ? credentials.createSsl() : credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as never;
  }

  /**
   * Opens `StreamList` for `liveChatId` from `pageToken` (none: recent history first) with the
   * creator's OAuth `accessToken` as `authorization: Bearer` metadata. Each response goes to `onPage`
   * in order; the stream is paused while `onPage` runs, so a slow consumer applies backpressure. If
   * `onPage` throws, the call is cancelled and `done` rejects with that error.
   */
  open(liveChatId: string, pageToken: string | undefined, accessToken: string, onPage: (page: StreamListPage) => Promise<void>): StreamListConnection {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${accessToken}`);
    const request = { liveChatId, part: ['id', 'snippet', 'authorDetails'], ...(pageToken ? { pageToken } : {}) };
    const call = this.client.StreamList(request, metadata);
    let handling: Promise<void> = Promise.resolve();
    let pageError: Error | null = null;
    let cancelledByUs = false;
    // Pages still buffered when a call fails are dropped, not handled late: the page token has not
    // moved past them, so the next connection sends them again.
    let finished = false;
    const ended = new Promise<void>((resolve) => call.on('end', resolve));

    call.on('data', (response: StreamListResponse) => {
      if (finished) return;
      call.pause();
      handling = handling
        .then(() => (pageError ? undefined : onPage({ items: (response.items ?? []).map(toRestMessage), nextPageToken: response.nextPageToken || undefined, offlineAt: response.offlineAt || undefined })))
        .then(
          () => {
            call.resume();
          },
          (error: Error) => {
            pageError ??= error;
            cancelledByUs = true;
            call.cancel();
          },
        );
    });
    // Errors arrive on 'error' as well as 'status'; the listener keeps them from being thrown.
    call.on('error', (_error: ServiceError) => undefined);
    const done = new Promise<StatusObject>((resolve) => call.on('status', resolve)).then(async (final): Promise<StreamListOutcome> => {
      // A clean close: 'end' comes once every buffered page has been read.
      if (final.code === status.OK && !pageError) await ended;
      finished = true;
      await handling;
      if (pageError) throw pageError;
      if (final.code === status.OK) return { kind: 'closed' };
      if (final.code === status.CANCELLED && cancelledByUs) return { kind: 'cancelled' };
      return { kind: 'failed', code: final.code, codeName: status[final.code] ?? String(final.code), details: final.details };
    });
    return {
      done,
      cancel: () => {
        cancelledByUs = true;
        call.cancel();
      },
    };
  }

  close(): void {
    this.client.close();
  }
}

interface StreamListResponse {
  items?: StreamedChatMessage[];
  nextPageToken?: string;
  offlineAt?: string;
}

/**
 * A pool of StreamListClients holding at most `streamsPerChannel` chats each. Streams are long-lived and
 * an HTTP/2 server caps concurrent streams per connection (commonly 100, advertised as
 * MAX_CONCURRENT_STREAMS); calls past the cap wait silently in the client, so chats are spread over
 * several connections instead. A channel is closed when its last chat leaves.
 */
export class StreamListChannels {
  private readonly channels: { client: StreamListClient; users: number }[] = [];

  constructor(
    private readonly target: string,
    private readonly tls: boolean,
    private readonly streamsPerChannel = 50,
  ) {}

  /** A client for one chat; call `release` once the chat's streaming is over. */
  acquire(): { client: StreamListClient; release: () => void } {
    let channel = this.channels.find((c) => c.users < this.streamsPerChannel);
    if (!channel) {
      channel = { client: new StreamListClient(this.target, this.tls), users: 0 };
      this.channels.push(channel);
    }
    channel.users += 1;
    const held = channel;
    let released = false;
    return {
      client: held.client,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.users === 0) {
          held.client.close();
          this.channels.splice(this.channels.indexOf(held), 1);
        }
      },
    };
  }

  /** Open connections and the chats on each, for metrics and tests. */
  usage(): number[] {
    return this.channels.map((c) => c.users);
  }

  closeAll(): void {
    for (const channel of this.channels.splice(0)) channel.client.close();
  }
}
