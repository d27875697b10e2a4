export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /**
   * Stops the polling when aborted: no further attempt is made and the promise rejects with the last
   * failure. For polls a spec races and then abandons: left running, they go on sending commands
   * after the spec (a Redis client's QUIT in afterAll then races their GETs, and can be lost with them).
   */
  signal?: AbortSignal;
}

/** Retries an assertion until it passes, the timeout expires or `signal` aborts; the last failure is rethrown. */
export async function expectEventually<T>(assertion: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 50, signal }: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline || signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (signal?.aborted) throw error;
    }
  }
}
