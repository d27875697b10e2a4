/** Small helpers shared by the chaos modules. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const started = Date.now();

/** A progress line with the seconds since the suite started. */
export function progress(message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[chaos ${t}s] ${message}`);
}

/** Milliseconds as "1.2 s" (or a dash when unknown). */
export function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

/** Resolves with the promise's value, or with `fallback` after `ms` (the promise keeps running). */
export async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.catch(() => fallback), new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns something truthy; null after `timeoutMs`. */
export async function poll<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, intervalMs = 100): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) return null;
    await sleep(intervalMs);
  }
}

/** Sums the values of a Prometheus text exposition's samples named `name` whose labels contain every `labels` pair. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]) || 0;
  }
  return sum;
}

/**
 * Every HTTP answer the suite received, by status, so a row can count 5xx other than 503.
 * `0` stands for no answer (connection refused/reset, timeout).
 */
export class HttpTally {
  private readonly counts = new Map<string, number>();
  private readonly samples: string[] = [];

  record(source: string, status: number, detail = ''): void {
    const key = `${source} ${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (status >= 500 && status !== 503 && this.samples.length < 50) this.samples.push(`${source} ${status} ${detail}`.trim().slice(0, 300));
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Counts since `before`, by "source status". */
  since(before: Map<string, number>): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, n] of this.counts) if (n - (before.get(key) ?? 0) > 0) out.set(key, n - (before.get(key) ?? 0));
    return out;
  }

  /** The first few bodies of 5xx-other-than-503 answers, for the report. */
  badSamples(): string[] {
    return this.samples;
  }
}

export function count5xxNot503(delta: Map<string, number>): number {
  let n = 0;
  for (const [key, c] of delta) {
    const status = Number(key.split(' ').pop());
    if (status >= 500 && status !== 503) n += c;
  }
  return n;
}
