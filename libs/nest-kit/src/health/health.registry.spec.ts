import { HealthRegistry } from './health.registry';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(HealthRegistry.name, () => {
  const timings = { timeoutMs: 100, freshMs: 200, downAfterMs: 400 };

  it('lets concurrent probes share one in-flight check and reuses a fresh result', async () => {
    const sut = new HealthRegistry(timings);
    let runs = 0;
    sut.register('db', async () => {
      runs++;
      await sleep(20);
    });
    const reports = await Promise.all(Array.from({ length: 50 }, () => sut.readiness()));
    expect(reports.every((report) => report.ready && report.checks.db === 'up')).toBe(true);
    expect(runs).toBe(1);
    await sut.readiness();
    expect(runs).toBe(1);
    await sleep(timings.freshMs + 10);
    await sut.readiness();
    expect(runs).toBe(2);
  });

  it('reports a failing check as down at once, naming it', async () => {
    const sut = new HealthRegistry(timings);
    sut.register('redis', () => Promise.resolve());
    sut.register('db', () => Promise.reject(new Error('connect ECONNREFUSED db-host:3306')));
    const report = await sut.readiness();
    expect(report).toEqual({ ready: false, checks: { redis: 'up', db: 'down' }, failing: ['db down'] });
  });

  it('calls an unanswered check slow while it was up recently, and down once the silence lasts', async () => {
    const sut = new HealthRegistry(timings);
    let hang = false;
    sut.register('db', () => (hang ? new Promise<void>(() => undefined) : Promise.resolve()));
    expect((await sut.readiness()).ready).toBe(true);
    hang = true;
    await sleep(timings.freshMs + 10);
    const slow = await sut.readiness();
    expect(slow.ready).toBe(true);
    expect(slow.checks.db).toBe('slow: no answer within 100 ms');
    await sleep(timings.downAfterMs);
    const down = await sut.readiness();
    expect(down.ready).toBe(false);
    expect(down.failing).toEqual(['db down: timed out']);
  });
});
