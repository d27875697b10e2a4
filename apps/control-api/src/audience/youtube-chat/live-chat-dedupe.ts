import type { StreamedChatMessage } from './live-chat-stream.client';

/**
 * Message ids already ingested for one chat, so a resumed stream or a switch to polling that sends
 * a message again does not count it twice. A `giftEvent` may come again under the same id with a
 * higher combo count (youtube.md §3.2): each (id, comboCount) is new. Holds the last `capacity` keys.
 */
export class SeenChatMessages {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = 20_000) {}

  /** True the first time this message (or gift update) is offered; messages without an id always pass. */
  firstTime(message: StreamedChatMessage): boolean {
    if (!message.id) return true;
    const key = message.snippet?.type === 'giftEvent' ? `${message.id}#${message.snippet.giftDetails?.comboCount ?? 0}` : message.id;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }
}
