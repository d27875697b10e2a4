export interface LeaseKeeperOptions {
  /**
   * How long one confirmed renewal keeps the lease, in ms, counted from when that renewal was sent
   * (not answered): the owner's view never outlasts what Redis granted. 0 when the caller tracks
   * validity itself (several leases renewed in one round).
   */
  leaseMs: number;
  /** Milliseconds between renewals (see `cadence`). */
  renewEveryMs: number;
  /**
   * `fixed-rate` (default): a renewal starts every renewEveryMs, or at once when the previous one
   * ran past its slot (never two at a time, never a burst to catch up). `after-each`: the next
   * starts renewEveryMs after the previous one ended.
   */
  cadence?: 'fixed-rate' | 'after-each';
  /**
   * One renewal round. Resolves true when Redis confirmed the lease, false when it did not (lost,
   * or standing down): the lease then counts as not held. A rejection is a failed round (`onError`):
   * the last confirmation runs out on its own, so an owner cut off from Redis stops by itself.
   */
  renew(): Promise<boolean>;
  /** Gives the lease back, for `stop({ release: true })`; its errors are ignored (the lease then lapses). */
  release?(): Promise<unknown>;
  /** After each answered round, once `held()` reflects it (e.g. to act on what a round newly took). */
  onRenewed?(confirmed: boolean): void;
  /** A round that failed (rejected), or an onRenewed that threw. */
  onError?(error: Error): void;
}

/**
 * Keeps a Redis lease (or one owner's set of leases) renewed on its own timer, so renewal never
 * waits behind the work the lease protects, and tells whether the lease is surely still held.
 * Rounds never overlap; `renewNow()` runs one out of turn; `stop()` waits for a round in flight.
 * The Redis side (SET NX PX, a token compare, a balancing script…) is the caller's `renew`.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private running = false;
  private until = 0;

  constructor(private readonly options: LeaseKeeperOptions) {}

  /** Epoch ms until which the lease is surely held (0: not held). */
  get validUntil(): number {
    return this.until;
  }

  /** The last confirmation is less than a lease old. */
  held(now = Date.now()): boolean {
    return now < this.until;
  }

  /**
   * The first round runs at once (or after `firstInMs`), then on the cadence until `stop()`. Calling it
   * again while running does nothing.
   */
  start({ firstInMs = 0 }: { firstInMs?: number } = {}): void {
    if (this.running) return;
    this.running = true;
    if (firstInMs <= 0) {
      void this.renewNow();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.renewNow();
    }, firstInMs);
  }

  /** Runs a round now (or waits for the one in flight); resolves when it has ended, never rejects. */
  renewNow(): Promise<void> {
    if (this.round) return this.round;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const startedAt = Date.now();
    this.round = this.options
      .renew()
      .then((confirmed) => {
        this.until = confirmed ? startedAt + this.options.leaseMs : 0;
        this.options.onRenewed?.(confirmed);
      })
      .catch((error: unknown) => this.options.onError?.(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.round = null;
        this.schedule(startedAt);
      });
    return this.round;
  }

  /**
   * Stops renewing once the round in flight (if any) has ended; the lease counts as not held from
   * then. With `release`, gives it back so others need not wait for it to lapse; without, it lapses
   * as a crashed owner's would.
   */
  async stop({ release = false }: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.round;
    this.until = 0;
    if (release) await this.options.release?.().catch(() => undefined);
  }

  private schedule(startedAt: number): void {
    if (!this.running || this.timer) return;
    const every = this.options.renewEveryMs;
    const delay = this.options.cadence === 'after-each' ? every : Math.max(0, startedAt + every - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.renewNow();
    }, delay);
  }
}
