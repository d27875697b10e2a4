import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';

/**
 * One label set of a prom-client counter, counted in a plain number on a hot path and added to the
 * counter when the counter is collected (a scrape: prom-client calls a metric's `collect` before it reads
 * the values). `counter.inc(labels)` and `counter.labels(...).inc()` hash the label values on every
 * call, which showed in bench:webhook's profile at four counts per delivery. The first count goes
 * to the counter at once, so the series appears where it always did (the order of /metrics stays
 * the same); every later one waits for the next collect. Counts are integers, so the sum is the same.
 */
export class DeferredCount<T extends string> {
  private pending = 0;
  private created = false;

  constructor(
    private readonly counter: Counter<T>,
    private readonly labels: LabelValues<T>,
  ) {}

  inc(): void {
    if (this.created) {
      this.pending++;
      return;
    }
    this.created = true;
    this.counter.inc(this.labels);
  }

  /** Adds the counts since the last flush to the counter. */
  flush(): void {
    if (this.pending === 0) return;
    const pending = this.pending;
    this.pending = 0;
    this.counter.inc(this.labels, pending);
  }
}

/**
 * A prom-client counter (`counter`, made from `config`) whose hot-path counts are kept in plain
 * numbers, one DeferredCount per label set, and added when the counter is collected (its `collect`
 * option is this object's flush).
 */
export class DeferredCounts<T extends string> {
  readonly counter: Counter<T>;
  private readonly children = new Map<string | number, DeferredCount<T>>();

  constructor(config: Omit<CounterConfiguration<T>, 'collect'>) {
    this.counter = new Counter({ ...config, collect: () => this.flush() });
  }

  /** The count for `key`, made with `labels()` the first time the key is asked for. */
  child(key: string | number, labels: () => LabelValues<T>): DeferredCount<T> {
    let child = this.children.get(key);
    if (!child) {
      child = new DeferredCount(this.counter, labels());
      this.children.set(key, child);
    }
    return child;
  }

  flush(): void {
    for (const child of this.children.values()) child.flush();
  }
}
