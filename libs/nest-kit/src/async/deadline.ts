/**
 * `work`'s outcome, or a rejection with `onTimeout()` once `timeoutMs` (milliseconds) have passed
 * without one. Whatever `work` rejects with passes through unchanged. The work itself is not
 * cancelled (a promise cannot be): its late outcome is ignored. The timer is cleared as soon as
 * either side settles, so nothing keeps the process alive afterwards.
 */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
