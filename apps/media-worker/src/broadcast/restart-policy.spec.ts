import { FLAP_WINDOW_MS, FlapDamper, backoff } from './restart-policy';

describe('backoff', () => {
  it('doubles from half a second and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(backoff)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });
});

describe('FlapDamper', () => {
  it('waits the base delay for the first failures, then doubles, within 30 s', () => {
    const damper = new FlapDamper();
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => damper.failed(0, 1000, 10_000 + i * 1000));
    expect(delays).toEqual([1000, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('forgets failures outside the window and per level', () => {
    const damper = new FlapDamper();
    damper.failed(0, 1000, 0);
    damper.failed(0, 1000, 1);
    expect(damper.failed(1, 1000, 2)).toBe(1000);
    expect(damper.failed(0, 1000, FLAP_WINDOW_MS + 5)).toBe(1000);
    damper.failed(0, 1000, FLAP_WINDOW_MS + 6);
    damper.clear(0);
    expect(damper.count(0, FLAP_WINDOW_MS + 7)).toBe(0);
  });
});
