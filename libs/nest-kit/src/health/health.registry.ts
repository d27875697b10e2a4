import { Injectable } from '@nestjs/common';

export type HealthCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
  /** `name state` of each check that keeps the app from being ready (notes never do). */
  failing: string[];
}

const CHECK_TIMEOUT_MS = 2000;

/** Readiness checks contributed by modules (Redis, database, …) plus the draining flag set on SIGTERM. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly notes = new Map<string, () => string>();
  private draining = false;

  /** A capability shown in the readiness report that does not decide readiness (e.g. "broadcasting: unavailable"). */
  note(name: string, describe: () => string): void {
    this.notes.set(name, describe);
  }

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  async readiness(): Promise<ReadinessReport> {
    const names = [...this.checks.keys()];
    const results = await Promise.all(names.map((name) => runWithTimeout(this.checks.get(name) as HealthCheck)));
    const checks: Record<string, string> = {};
    names.forEach((name, index) => (checks[name] = results[index]));
    const failing = names.filter((_, index) => results[index] !== 'up').map((name) => `${name} ${checks[name]}`);
    for (const [name, describe] of this.notes) checks[name] = describe();
    if (this.draining) {
      checks.shutdown = 'draining';
      failing.push('shutdown draining');
    }
    return { ready: failing.length === 0, checks, failing };
  }
}

async function runWithTimeout(check: HealthCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('down: timed out'), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => 'up'), timeout]);
  } catch {
    // The reason stays in the logs of the check's owner; a driver message may carry hostnames or credentials.
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
