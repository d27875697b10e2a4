/** A restart counter resets after this long running well. */
export const HEALTHY_RESET_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

/** Delay before restart number `failures` of a process: 0.5 s, 1, 2, 4 … capped at 30 s (media.md §6). */
export function backoff(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, failures - 1));
}

/** A source level that failed this many times within FLAP_WINDOW_MS is backed off exponentially. */
export const FLAP_THRESHOLD = 3;
export const FLAP_WINDOW_MS = 60_000;

/**
 * Flap damping for the cascade: a level that keeps failing right after it is tried (an unusable
 * camera, a stream that connects and drops) is not tried again every recovery check, which would
 * switch the program back and forth forever.
 */
export class FlapDamper {
  private readonly failures = new Map<number, number[]>();

  /** Records a failure of `level`; returns how long to wait before trying it again. */
  failed(level: number, baseMs: number, now = Date.now()): number {
    const recent = (this.failures.get(level) ?? []).filter((at) => now - at < FLAP_WINDOW_MS);
    recent.push(now);
    this.failures.set(level, recent);
    if (recent.length < FLAP_THRESHOLD) return baseMs;
    return Math.min(MAX_BACKOFF_MS, Math.max(baseMs, 1000) * 2 ** (recent.length - FLAP_THRESHOLD + 1));
  }

  /** Failures in the window (for tests and logs). */
  count(level: number, now = Date.now()): number {
    return (this.failures.get(level) ?? []).filter((at) => now - at < FLAP_WINDOW_MS).length;
  }

  /** The level ran well: its history no longer counts. */
  clear(level?: number): void {
    if (level === undefined) this.failures.clear();
    else this.failures.delete(level);
  }
}
