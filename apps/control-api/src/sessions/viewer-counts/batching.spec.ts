import { chunk, mapLimited } from './batching';

describe('batching', () => {
  it('chunks 250 ids into calls of 100, 100 and 50', () => {
    const ids = Array.from({ length: 250 }, (_, i) => String(i));
    expect(chunk(ids, 100).map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunk(ids, 100).flat()).toEqual(ids);
    expect(chunk([], 50)).toEqual([]);
    expect(() => chunk(ids, 0)).toThrow('positive integer');
  });

  it('mapLimited never has more than `limit` calls in flight and keeps the order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimited([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      inFlight -= 1;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(2);
  });
});
