import { WebSocket } from 'ws';

import type { Principal } from '../auth/principal';
import { type LiveEvent, type LiveTopic, visibleTo } from './live-topics';

/** How much one client may lag before its frames are dropped. */
export interface DeliveryLimits {
  /** Frames held for a client whose socket is backed up; beyond this the oldest are dropped. */
  queueLimit: number;
  /** Bytes (UTF-16 length of the queued JSON) held the same way: a stuck client cannot pin many large snapshots. */
  queueBytesLimit: number;
  /** Bytes ws may hold unsent for a socket (its `bufferedAmount`) before frames wait in our queue. */
  highWaterBytes: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = { queueLimit: 1000, queueBytesLimit: 4 * 1024 * 1024, highWaterBytes: 1024 * 1024 };

/** Messages a client may have waiting or in progress (each subscribe reads a snapshot); more are refused. */
export const MAX_PENDING_MESSAGES = 4;

/**
 * One connected dashboard: its principal, its subscriptions and its own bounded queue. A slow
 * socket only fills its own queue (drop oldest, counted, then a `missed` frame), so fan-out to the
 * others never waits for it.
 */
export class LiveClient {
  /** Topic → the resource id it is narrowed to (null: all the caller may see). */
  readonly subscriptions = new Map<LiveTopic, string | null>();
  /** Cleared before each ping, set by the pong: a client still false at the next beat is dead. */
  alive = true;
  /** Frames dropped since the last `missed` frame, and over the connection's life. */
  private droppedSinceNotice = 0;
  droppedTotal = 0;
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  /** Messages queued by `serially` and not finished yet. */
  private pending = 0;
  /** While a snapshot is being read, events wait here so `subscribed` goes out before them. */
  private held: string[] | null = null;
  /** Messages of one client are handled one after another (a subscribe may wait for a snapshot). */
  private work: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    readonly principal: Principal,
    private readonly limits: () => DeliveryLimits,
    /** Called once per dropped frame (the server counts them in its metrics). */
    private readonly onDrop: () => void = () => undefined,
  ) {}

  /**
   * Queues `task` behind this client's earlier messages; a failure goes to `onError`, never unhandled.
   * Tasks still queued when the socket is no longer open are skipped: a client that sent a burst of
   * subscribes and left would otherwise cost a snapshot read each, for nobody.
   * Returns false (and queues nothing) when MAX_PENDING_MESSAGES are already waiting: a flood of
   * subscribes must not queue unbounded snapshot reads.
   */
  serially(task: () => Promise<void>, onError: (error: unknown) => void): boolean {
    if (this.pending >= MAX_PENDING_MESSAGES) return false;
    this.pending += 1;
    this.work = this.work
      .then(() => (this.socket.readyState === WebSocket.OPEN ? task() : undefined))
      .catch(onError)
      .finally(() => (this.pending -= 1));
    return true;
  }

  wants(event: LiveEvent): boolean {
    const subscribed = this.subscriptions.get(event.topic);
    return subscribed !== undefined && visibleTo(event, this.principal, subscribed);
  }

  send(frame: object): void {
    this.sendText(JSON.stringify(frame));
  }

  /** A frame already serialized: fan-out serializes an event once for all its clients. */
  sendText(text: string): void {
    if (this.held) {
      this.held.push(text);
      return;
    }
    this.enqueue(text);
  }

  /** Holds later frames until `release(...first)`, which sends `first` ahead of them. */
  hold(): void {
    this.held ??= [];
  }

  release(...first: object[]): void {
    const held = this.held ?? [];
    this.held = null;
    for (const frame of first) this.enqueue(JSON.stringify(frame));
    for (const text of held) this.enqueue(text);
  }

  private enqueue(text: string): void {
    this.queue.push(text);
    this.queuedBytes += text.length;
    const { queueLimit, queueBytesLimit } = this.limits();
    // Drop oldest past either limit, but keep the newest frame even if it alone is over the byte budget.
    while (this.queue.length > 1 && (this.queue.length > queueLimit || this.queuedBytes > queueBytesLimit)) {
      this.queuedBytes -= (this.queue.shift() as string).length;
      this.droppedSinceNotice += 1;
      this.droppedTotal += 1;
      this.onDrop();
    }
    this.flush();
  }

  /** Hands frames to ws while its buffer is below the high-water mark; called again as writes complete. */
  private readonly flush = (): void => {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    while (this.queue.length > 0 && this.socket.bufferedAmount < this.limits().highWaterBytes) {
      if (this.droppedSinceNotice > 0) {
        const count = this.droppedSinceNotice;
        this.droppedSinceNotice = 0;
        this.socket.send(JSON.stringify({ type: 'missed', count }));
      }
      const text = this.queue.shift() as string;
      this.queuedBytes -= text.length;
      this.socket.send(text, this.written);
    }
  };

  private readonly written = (error?: Error): void => {
    if (!error) this.flush();
  };
}
