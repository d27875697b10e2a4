import { randomBytes } from 'node:crypto';

import type { FakeReply } from './fake-http-server';
import { googleError } from './google-error';

/**
 * The live chats behind FakeGoogle's `liveChatMessages.list` (polling) and FakeYouTubeChatStream's
 * `streamList` (gRPC): one ordered message log per chat, so both transports serve the same history and
 * resume from the same page tokens. Rules it keeps for both (youtube.md §3.1–3.3):
 *
 * - Every message gets `kind`, an `id` (kept if given; a repeated id is allowed, as for `giftEvent`
 *   combo updates) and `snippet.liveChatId`; pages are oldest → newest.
 * - A page token names a position in one chat's log: it is opaque, bound to its chat, and a token that
 *   was never issued (or belongs to another chat) is refused.
 * - First request without a token: the history so far (polling: up to `maxResults`, default 500).
 * - `endChat` appends a `chatEndedEvent` (silent: no `displayMessage`) and from then on every response
 *   carries `offlineAt`.
 */
export class FakeLiveChats {
  private readonly chats = new Map<string, FakeLiveChat>();
  private nextId = 1;

  /** Makes `liveChatId` exist (empty); chats that were never opened are 404 liveChatNotFound. */
  open(liveChatId: string): FakeLiveChat {
    let chat = this.chats.get(liveChatId);
    if (!chat) {
      chat = new FakeLiveChat(liveChatId);
      this.chats.set(liveChatId, chat);
    }
    return chat;
  }

  get(liveChatId: string): FakeLiveChat | undefined {
    return this.chats.get(liveChatId);
  }

  /** Appends `liveChatMessage` resources to the chat (opening it if needed); returns them as stored. */
  push(liveChatId: string, items: unknown[]): Record<string, unknown>[] {
    const chat = this.open(liveChatId);
    const stored = items.map((raw) => {
      const item = raw as Record<string, unknown> & { snippet?: Record<string, unknown> };
      return {
        kind: 'youtube#liveChatMessage',
        ...item,
        id: item.id ?? `LCC.fake-${this.nextId++}-${randomBytes(3).toString('hex')}`,
        snippet: { liveChatId, publishedAt: new Date().toISOString(), hasDisplayContent: true, ...item.snippet },
      };
    });
    chat.append(stored);
    return stored;
  }

  /** The stream went offline: a `chatEndedEvent` is appended and every later response carries `offlineAt`. */
  end(liveChatId: string): void {
    const chat = this.open(liveChatId);
    if (chat.offlineAt) return;
    chat.offlineAt = new Date().toISOString();
    chat.append([{ kind: 'youtube#liveChatMessage', id: `LCC.fake-end-${this.nextId++}`, snippet: { type: 'chatEndedEvent', liveChatId, publishedAt: chat.offlineAt, hasDisplayContent: false } }]);
  }
}

export class FakeLiveChat {
  /** Every message in order; a page token is an index into this log. */
  readonly log: Record<string, unknown>[] = [];
  offlineAt: string | null = null;
  /** When the last successful poll was answered and the interval it asked for (rate limit). */
  lastPoll: { at: number; intervalMs: number } | null = null;
  private readonly tokens = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly id: string) {}

  append(items: Record<string, unknown>[]): void {
    this.log.push(...items);
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after every append; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An opaque token for "after `position` messages", as `nextPageToken`. */
  tokenAt(position: number): string {
    const token = `${randomBytes(12).toString('base64url')}${position.toString(36)}`;
    this.tokens.set(token, position);
    return token;
  }

  /** The position a token was issued for; null when this chat never issued it. */
  positionOf(token: string): number | null {
    return this.tokens.get(token) ?? null;
  }
}

const LIST_PARTS = new Set(['id', 'snippet', 'authorDetails']);

/**
 * `GET liveChat/messages` once the caller is authenticated and charged (youtube.md §3.1): `liveChatId`
 * and `part` required (400 required), parts only id, snippet, authorDetails (400 invalidValue);
 * `maxResults` an integer 200–2000, default 500 (400 invalidValue); `pageToken` one this chat issued
 * (400 pageTokenInvalid); unknown chat → 404 liveChatNotFound; a poll sooner than the
 * `pollingIntervalMillis` the previous answer asked for → 403 rateLimitExceeded (nothing served).
 */
export function listLiveChatMessages(chats: FakeLiveChats, query: URLSearchParams, pollingIntervalMillis: number, now = Date.now()): FakeReply {
  const liveChatId = query.get('liveChatId');
  const part = query.get('part');
  if (!liveChatId) return googleError(400, 'required', 'Required parameter: liveChatId', 'global');
  if (!part) return googleError(400, 'required', 'Required parameter: part', 'global');
  const badPart = part.split(',').find((p) => !LIST_PARTS.has(p.trim()));
  if (badPart !== undefined) return googleError(400, 'invalidValue', `Invalid value for part: ${badPart}`, 'youtube.parameter');
  const rawMax = query.get('maxResults');
  const maxResults = rawMax === null ? 500 : Number(rawMax);
  if (!/^\d+$/.test(rawMax ?? '500') || maxResults < 200 || maxResults > 2000) {
    return googleError(400, 'invalidValue', 'Invalid value for maxResults: it must be between 200 and 2000', 'youtube.parameter');
  }
  const chat = chats.get(liveChatId);
  if (!chat) return googleError(404, 'liveChatNotFound', 'The live chat that you are trying to retrieve cannot be found.', 'youtube.liveChat');
  const token = query.get('pageToken');
  const from = token === null ? 0 : chat.positionOf(token);
  if (from === null) return googleError(400, 'pageTokenInvalid', 'The page token is invalid.', 'youtube.parameter');
  if (chat.lastPoll && now - chat.lastPoll.at < chat.lastPoll.intervalMs) {
    return googleError(403, 'rateLimitExceeded', `The request was sent too soon after the previous one: wait pollingIntervalMillis (${chat.lastPoll.intervalMs} ms) between requests.`, 'youtube.liveChat');
  }
  chat.lastPoll = { at: now, intervalMs: pollingIntervalMillis };
  const items = chat.log.slice(from, from + maxResults);
  return {
    status: 200,
    body: {
      kind: 'youtube#liveChatMessageListResponse',
      etag: `etag-${from + items.length}`,
      pollingIntervalMillis,
      nextPageToken: chat.tokenAt(from + items.length),
      pageInfo: { totalResults: chat.log.length - from, resultsPerPage: items.length },
      ...(chat.offlineAt ? { offlineAt: chat.offlineAt } : {}),
      items,
    },
  };
}
