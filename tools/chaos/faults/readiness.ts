import type { Observer } from '../observer';
import type { Check } from '../row';

/**
 * How long each app took to answer readiness with something other than 200 after `from` (and before
 * `to`): the column shows the slowest app, "never" names those that did not report.
 */
export function readinessReport(observer: Observer, apps: string[], from: number, to: number): { text: string; check: Check; detail: string } {
  const times = apps.map((app) => ({ app, at: observer.notReadySince(app, from, to) }));
  const missing = times.filter((t) => t.at === null).map((t) => t.app);
  const slowest = Math.max(...times.filter((t) => t.at !== null).map((t) => (t.at as number) - from), 0);
  const detail = `readiness: ${times.map((t) => `${t.app} ${t.at === null ? 'never' : `${((t.at - from) / 1000).toFixed(1)} s`}`).join(', ')}`;
  if (missing.length) return { text: `never: ${missing.join(',')}`, check: { ok: false, what: `readiness never reported the fault on ${missing.join(', ')}` }, detail };
  return { text: `${(slowest / 1000).toFixed(1)} s (all ${apps.length})`, check: { ok: true, what: '' }, detail };
}
