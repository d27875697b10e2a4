import { expectEventually } from './expect-eventually';

describe(expectEventually.name, () => {
  it('returns once the assertion passes', async () => {
    let calls = 0;
    const result = await expectEventually(() => {
      calls += 1;
      if (calls < 3) throw new Error('not yet');
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('rethrows the last failure after the timeout', async () => {
    await expect(expectEventually(() => Promise.reject(new Error('still failing')), { timeoutMs: 100, intervalMs: 10 })).rejects.toThrow(
      'still failing',
    );
  });

  it('stops polling once its signal aborts, with the last failure', async () => {
    const stop = new AbortController();
    let calls = 0;
    const polled = expectEventually(
      () => {
        calls += 1;
        throw new Error(`attempt ${calls}`);
      },
      { timeoutMs: 10_000, intervalMs: 10, signal: stop.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    await expect(polled).rejects.toThrow(/^attempt \d+$/);
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(after);
  });
});
