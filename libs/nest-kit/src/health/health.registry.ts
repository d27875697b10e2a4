import { Injectable } from '@nestjs/common';

export type HealthCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
  /** `name state` of each check that keeps the app from being ready (notes never do). */
  failing: string[];
}

export interface HealthTimings {
  /** How long a probe waits for a check's answer before calling it slow. */
  timeoutMs: number;
  /** A result this fresh is reused: a burst of probes costs the dependency one check. */
  freshMs: number;
  /** A check that has not answered (neither up nor failed) for this long since its last success is down. */
  downAfterMs: number;
}

// An unanswered check is "slow" before it is "down": under request load the event loop, not the
// dependency, is often what is late, and a flapping readiness pulls a healthy pod out of service.
// Kubernetes probes every 5 s and acts after 2 failures, so 5 s of silence still reacts in time.
const DEFAULT_TIMINGS: HealthTimings = { timeoutMs: 2000, freshMs: 1000, downAfterMs: 5000 };

/** One check's shared state: the probe in flight (concurrent readiness calls join it) and the last outcome. */
class CheckRunner {
  private inFlight: Promise<string> | null = null;
  private last: { state: string; at: number } | null = null;
  private lastUpAt: number;

  constructor(
    private readonly check: HealthCheck,
    private readonly timings: HealthTimings,
  ) {
    // Registered at start-up: silence counts from here, not from the epoch.
    this.lastUpAt = Date.now();
  }

  async state(): Promise<string> {
    if (this.last && Date.now() - this.last.at < this.timings.freshMs) return this.last.state;
    this.inFlight ??= this.run().finally(() => (this.inFlight = null));
    const answer = this.inFlight;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.timings.timeoutMs)));
    try {
      const state = await Promise.race([answer, late]);
      if (state !== null) return state;
      return Date.now() - this.lastUpAt < this.timings.downAfterMs ? `slow: no answer within ${this.timings.timeoutMs} ms` : 'down: timed out';
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<string> {
    let state: string;
    try {
      await this.check();
      this.lastUpAt = Date.now();
      state = 'up';
    } catch {
      // The reason stays in the logs of the check's owner; a driver message may carry hostnames or credentials.
      state = 'down';
    }
    this.last = { state, at: Date.now() };
    return state;
  }
}

/** Readiness checks contributed by modules (Redis, database, …) plus the draining flag set on SIGTERM. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, CheckRunner>();
  private readonly notes = new Map<string, () => string>();
  private draining = false;

  constructor(private readonly timings: HealthTimings = DEFAULT_TIMINGS) {}

  /** A capability shown in the readiness report that does not decide readiness (e.g. "broadcasting: unavailable"). */
  note(name: string, describe: () => string): void {
    this.notes.set(name, describe);
  }

  /** A check should answer or fail on its own within the timeout; one that hangs is reported slow, then down. */
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, new CheckRunner(check, this.timings));
  }

  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  async readiness(): Promise<ReadinessReport> {
    const names = [...this.checks.keys()];
    const results = await Promise.all(names.map((name) => (this.checks.get(name) as CheckRunner).state()));
    const checks: Record<string, string> = {};
    names.forEach((name, index) => (checks[name] = results[index]));
    const failing = names.filter((_, index) => results[index].startsWith('down')).map((name) => `${name} ${checks[name]}`);
    for (const [name, describe] of this.notes) checks[name] = describe();
    if (this.draining) {
      checks.shutdown = 'draining';
      failing.push('shutdown draining');
    }
    return { ready: failing.length === 0, checks, failing };
  }
}
