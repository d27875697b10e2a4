import { jsonDeeperThan } from './json-depth';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('jsonDeeperThan', () => {
  it('counts {} and [] as one level and scalars as none', () => {
    expect(jsonDeeperThan({}, 1)).toBe(false);
    expect(jsonDeeperThan({ a: {} }, 1)).toBe(true);
    expect(jsonDeeperThan('text', 0)).toBe(false);
    expect(jsonDeeperThan(null, 0)).toBe(false);
  });

  it('finds the deepest branch, not just the first one', () => {
    const body = { a: 1, b: [{ c: 'x' }], d: { e: { f: { g: [] } } } };
    expect(jsonDeeperThan(body, 5)).toBe(false);
    expect(jsonDeeperThan(body, 4)).toBe(true);
  });

  it('checks 100,000 levels without overflowing the stack', () => {
    const deep = nested(100_000);
    expect(jsonDeeperThan(deep, 64)).toBe(true);
    expect(jsonDeeperThan(nested(64), 64)).toBe(false);
    expect(jsonDeeperThan(nested(65), 64)).toBe(true);
  });
});
