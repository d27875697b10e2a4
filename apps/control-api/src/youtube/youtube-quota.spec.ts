import { nextPacificMidnight, pacificDay, pollingStretch } from './youtube-quota';

/** Google's quota day runs midnight to midnight Pacific time, DST included (youtube.md §4). */
describe('YouTube quota day', () => {
  it('is the Pacific calendar date, not the UTC one', () => {
    // 05:00 UTC on 1 July is 22:00 PDT on 30 June.
    expect(pacificDay(Date.parse('2026-07-01T05:00:00Z'))).toBe('2026-06-30');
    expect(pacificDay(Date.parse('2026-07-01T07:00:00Z'))).toBe('2026-07-01');
    // Winter: 07:59 UTC is still 23:59 PST the day before.
    expect(pacificDay(Date.parse('2026-01-15T07:59:00Z'))).toBe('2026-01-14');
    expect(pacificDay(Date.parse('2026-01-15T08:00:00Z'))).toBe('2026-01-15');
  });

  it('resets at the next midnight Pacific: 07:00 UTC in summer, 08:00 UTC in winter', () => {
    expect(new Date(nextPacificMidnight(Date.parse('2026-07-01T05:00:00Z'))).toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect(new Date(nextPacificMidnight(Date.parse('2026-01-15T07:59:59Z'))).toISOString()).toBe('2026-01-15T08:00:00.000Z');
    expect(new Date(nextPacificMidnight(Date.parse('2026-01-15T08:00:00Z'))).toISOString()).toBe('2026-01-16T08:00:00.000Z');
  });

  it('handles the days clocks change: the reset after 8 March 2026 (PST → PDT) and after 1 November 2026 (PDT → PST)', () => {
    // 7 March 12:00 PST → next midnight is 8 March 00:00 PST = 08:00 UTC.
    expect(new Date(nextPacificMidnight(Date.parse('2026-03-07T20:00:00Z'))).toISOString()).toBe('2026-03-08T08:00:00.000Z');
    // 8 March 01:00 PST (before the 02:00 change) → 9 March 00:00 PDT = 07:00 UTC.
    expect(new Date(nextPacificMidnight(Date.parse('2026-03-08T09:00:00Z'))).toISOString()).toBe('2026-03-09T07:00:00.000Z');
    // 1 November 00:30 PDT → 2 November 00:00 PST = 08:00 UTC.
    expect(new Date(nextPacificMidnight(Date.parse('2026-11-01T07:30:00Z'))).toISOString()).toBe('2026-11-02T08:00:00.000Z');
  });
});

describe('pollingStretch', () => {
  const hour = 3_600_000;

  it('is 1 while polling at the asked interval until the reset fits in what is left', () => {
    // One poller, 5 units every 5 s, 2 hours left: 7,200 units wanted, 8,000 left.
    expect(pollingStretch({ usedUnits: 2000, budgetUnits: 10_000, pollingDemandPerMs: 5 / 5000, remainingMs: 2 * hour })).toBe(1);
  });

  it('stretches by wanted / left when it would not fit', () => {
    // Two pollers at 5 units / 5 s for 10 hours want 72,000 units; 9,000 are left → 8× longer intervals.
    expect(pollingStretch({ usedUnits: 1000, budgetUnits: 10_000, pollingDemandPerMs: 2 * (5 / 5000), remainingMs: 10 * hour })).toBeCloseTo(8, 5);
  });

  it('is infinite once the budget is spent (wait for the reset), and 1 with no pollers', () => {
    expect(pollingStretch({ usedUnits: 10_000, budgetUnits: 10_000, pollingDemandPerMs: 0.001, remainingMs: hour })).toBe(Number.POSITIVE_INFINITY);
    expect(pollingStretch({ usedUnits: 10_000, budgetUnits: 10_000, pollingDemandPerMs: 0, remainingMs: hour })).toBe(1);
  });
});
