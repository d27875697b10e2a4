/** A restart counter resets after this long running well. */
export const HEALTHY_RESET_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

/** Delay before restart number `failures` of a process: 0.5 s, 1, 2, 4 … capped at 30 s (media.md §6). */
export function backoff(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, failures - 1));
}
