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
});
