import { RateBudget } from './rate-budget';

describe('RateBudget', () => {
  it('lets calls go until an answer says how many points are left', () => {
    const budget = new RateBudget();
    expect([budget.reserve(0), budget.reserve(0), budget.reserve(0)]).toEqual([0, 0, 0]);
  });

  it('after "2 of 2 left", two more calls go and the third waits for the reset, then the bucket is full again', () => {
    const budget = new RateBudget();
    expect(budget.reserve(1_000)).toBe(0);
    budget.settle({ limit: 2, remaining: 2, resetAtMs: 5_000 });
    expect(budget.reserve(1_000)).toBe(0);
    expect(budget.reserve(1_000)).toBe(0);
    expect(budget.reserve(1_000)).toBe(4_000);
    expect(budget.reserve(5_000)).toBe(0);
    expect(budget.reserve(5_000)).toBe(0);
    expect(budget.reserve(5_000)).toBe(100);
  });

  it('counts calls still in flight against what an answer says is left', () => {
    const budget = new RateBudget();
    budget.reserve(0);
    budget.settle({ limit: 10, remaining: 3, resetAtMs: 60_000 });
    expect(budget.reserve(0)).toBe(0);
    expect(budget.reserve(0)).toBe(0);
    // The first of these two is answered; the server had not seen the second yet.
    budget.settle({ limit: 10, remaining: 2, resetAtMs: 60_000 });
    expect(budget.reserve(0)).toBe(0);
    expect(budget.reserve(0)).toBe(59_999 + 1);
  });

  it('an answer without headers changes nothing but the calls in flight', () => {
    const budget = new RateBudget();
    budget.reserve(0);
    budget.settle({ limit: 1, remaining: 0, resetAtMs: 1_000 });
    budget.settle(null);
    expect(budget.reserve(500)).toBe(500);
  });
});
