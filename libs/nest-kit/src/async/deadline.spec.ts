import { withDeadline } from './deadline';

describe('withDeadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const never = () => new Promise<string>(() => undefined);

  it("answers the work's value when it comes in time, and leaves no timer behind", async () => {
    await expect(withDeadline(Promise.resolve('done'), 1000, () => new Error('late'))).resolves.toBe('done');
    expect(jest.getTimerCount()).toBe(0);
  });

  it("passes the work's own error through unchanged", async () => {
    const failure = new TypeError('refused');
    await expect(withDeadline(Promise.reject(failure), 1000, () => new Error('late'))).rejects.toBe(failure);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with the timeout error at the deadline, not before', async () => {
    const onTimeout = jest.fn(() => new RangeError('took too long'));
    const outcome = withDeadline(never(), 1000, onTimeout);
    const settled = jest.fn();
    outcome.then(settled, settled);
    await jest.advanceTimersByTimeAsync(999);
    expect(settled).not.toHaveBeenCalled();
    expect(onTimeout).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await expect(outcome).rejects.toThrow(new RangeError('took too long'));
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ignores a late answer once the deadline has passed', async () => {
    let answer: (value: string) => void = () => undefined;
    const outcome = expect(withDeadline(new Promise<string>((resolve) => (answer = resolve)), 10, () => new Error('late'))).rejects.toThrow('late');
    await jest.advanceTimersByTimeAsync(10);
    answer('too late');
    await outcome;
  });
});
