/**
 * The last events a replica saw, for clients that reconnect with a cursor. Bounded both by count
 * and by age (whichever is smaller), in memory: every replica hears every event on Redis in the
 * same order, so each holds the same window without writing anything to Redis.
 */
export class ReplayWindow<T extends { cursor: string }> {
  private readonly entries: { at: number; item: T }[] = [];

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  push(item: T): void {
    this.entries.push({ at: this.now(), item });
    this.trim();
  }

  /**
   * The items after `cursor`, oldest first; [] when it is the latest; null when the cursor is not
   * (or no longer) in the window, i.e. the caller must take a fresh snapshot.
   */
  after(cursor: string): T[] | null {
    this.trim();
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      if (this.entries[i].item.cursor === cursor) return this.entries.slice(i + 1).map((entry) => entry.item);
    }
    return null;
  }

  /** The newest cursor held, or null when the window is empty. */
  latest(): string | null {
    this.trim();
    return this.entries.at(-1)?.item.cursor ?? null;
  }

  /** Forgets everything: no cursor held before is valid any more. */
  clear(): void {
    this.entries.length = 0;
  }

  private trim(): void {
    const oldest = this.now() - this.maxAgeMs;
    let drop = Math.max(0, this.entries.length - this.maxEntries);
    while (drop < this.entries.length && this.entries[drop].at < oldest) drop += 1;
    if (drop > 0) this.entries.splice(0, drop);
  }
}
