import { backoff } from './restart-policy';

describe('backoff', () => {
  it('doubles from half a second and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(backoff)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });
});
