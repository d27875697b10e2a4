/**
 * This replica's view of a platform's rate-limit bucket (Twitch: `Ratelimit-Limit/Remaining/Reset`,
 * twitch.md §2.7), so concurrent batches do not spend more points than the last answer said were
 * left. Each call reserves a point first; an answer replaces the estimate with what the platform
 * said, minus the calls still in flight (the platform may not have counted those yet). With no
 * answer yet the budget is unknown and calls go. Other replicas are covered by PlatformBackoff.
 */
export class RateBudget {
  private limit = 0;
  private remaining = 0;
  /** Epoch ms when the bucket refills; null = unknown (no answer since the last refill). */
  private resetAtMs: number | null = null;
  private known = false;
  private inFlight = 0;

  /** 0 when a point was reserved (the call may go), else how long to wait before asking again (ms). */
  reserve(now = Date.now()): number {
    if (this.known && this.resetAtMs !== null && now >= this.resetAtMs) {
      this.remaining = this.limit;
      this.resetAtMs = null;
    }
    if (!this.known || this.remaining > 0) {
      if (this.known) this.remaining -= 1;
      this.inFlight += 1;
      return 0;
    }
    return this.resetAtMs === null ? 100 : Math.max(1, this.resetAtMs - now);
  }

  /** The call's answer: its headers when it had them (limit, remaining, reset as epoch ms). */
  settle(headers: { limit: number | null; remaining: number | null; resetAtMs: number | null } | null): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (!headers || headers.limit === null || headers.remaining === null || headers.resetAtMs === null) return;
    this.known = true;
    this.limit = headers.limit;
    this.remaining = Math.max(0, headers.remaining - this.inFlight);
    this.resetAtMs = headers.resetAtMs;
  }
}
