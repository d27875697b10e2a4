/**
 * The value, or a thrown error naming what was missing: the test-side replacement for a non-null
 * assertion (`x!`), which would fail later with an unhelpful "cannot read properties of undefined".
 */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}
