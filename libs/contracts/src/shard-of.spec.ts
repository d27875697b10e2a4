import { randomUUID } from 'node:crypto';

import { shardOf } from './shard-of';

describe(shardOf.name, () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    // 2^32 shards leave the hash itself: FNV-1a("") = 0x811c9dc5, ("a") = 0xe40c292c, ("foobar") = 0xbf9cf968.
    expect(shardOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(shardOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(shardOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
  });

  it('spreads ids evenly over the shards', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) counts[shardOf(randomUUID(), 64)] += 1;
    // 1,000 expected per shard; a binomial spread stays well inside ±20 %.
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});
