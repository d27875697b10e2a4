import { Counter, Registry } from 'prom-client';

import { DeferredCounts } from './deferred-counts';

/** The same sequence of counts, straight into a counter and through DeferredCounts: the same /metrics text. */
function twoRegistries() {
  const direct = new Registry();
  const deferred = new Registry();
  const plain = new Counter({ name: 'test_total', help: 'test', labelNames: ['outcome'], registers: [direct] });
  const counts = new DeferredCounts<'outcome'>({ name: 'test_total', help: 'test', labelNames: ['outcome'], registers: [deferred] });
  return {
    inc(outcome: string) {
      plain.labels(outcome).inc();
      counts.child(outcome, () => ({ outcome })).inc();
    },
    direct,
    deferred,
  };
}

describe('DeferredCounts', () => {
  it('gives the same /metrics text as counting straight into the counter, series in the same order, scrape after scrape', async () => {
    const { inc, direct, deferred } = twoRegistries();
    expect(await deferred.metrics()).toBe(await direct.metrics());
    for (const outcome of ['b', 'b', 'a', 'b', 'c', 'a']) inc(outcome);
    expect(await deferred.metrics()).toBe(await direct.metrics());
    expect(await deferred.metrics()).toContain('test_total{outcome="b"} 3');
    for (const outcome of ['d', 'a', 'a', 'b']) inc(outcome);
    expect(await deferred.metrics()).toBe(await direct.metrics());
    expect(await deferred.getMetricsAsJSON()).toEqual(await direct.getMetricsAsJSON());
    expect(await deferred.metrics()).toContain('test_total{outcome="a"} 4');
  });

  it('creates a series at its first count, where counting straight into the counter creates it', async () => {
    const { inc, deferred } = twoRegistries();
    inc('first');
    const counter = deferred.getSingleMetric('test_total') as Counter<'outcome'>;
    // Read without collect(): the first count is already there, later ones wait for the scrape.
    expect(Object.values((counter as unknown as { hashMap: Record<string, { value: number }> }).hashMap).map((entry) => entry.value)).toEqual([1]);
    inc('first');
    expect((await counter.get()).values.map((entry) => entry.value)).toEqual([2]);
  });
});
