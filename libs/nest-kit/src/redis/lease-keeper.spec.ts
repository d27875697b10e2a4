import { LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper';

/** A renew() the spec answers by hand: each call waits until the spec resolves or rejects it. */
class ScriptedRenewals {
  readonly calls: { at: number; answer(confirmed: boolean): void; fail(error: Error): void }[] = [];

  readonly renew = (): Promise<boolean> =>
    new Promise<boolean>((resolve, reject) => {
      this.calls.push({ at: Date.now(), answer: resolve, fail: reject });
    });

  last(): ScriptedRenewals['calls'][number] {
    const call = this.calls.at(-1);
    if (!call) throw new Error('renew() was never called');
    return call;
  }
}

describe('LeaseKeeper', () => {
  let renewals: ScriptedRenewals;
  let errors: Error[];
  let keeper: LeaseKeeper | null;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    renewals = new ScriptedRenewals();
    errors = [];
    keeper = null;
  });

  afterEach(async () => {
    const stopping = keeper?.stop();
    renewals.calls.forEach((call) => call.answer(false)); // let a round in flight end
    await stopping;
    jest.useRealTimers();
  });

  function keep(options: Partial<LeaseKeeperOptions> = {}): LeaseKeeper {
    keeper = new LeaseKeeper({ leaseMs: 3000, renewEveryMs: 1000, renew: renewals.renew, onError: (error) => errors.push(error), ...options });
    return keeper;
  }

  it('renews at once, then every renewEveryMs from the start of the previous round', async () => {
    keep().start();
    expect(renewals.calls.map((c) => c.at)).toEqual([1_000_000]);
    await jest.advanceTimersByTimeAsync(200);
    renewals.last().answer(true); // took 200 ms
    await jest.advanceTimersByTimeAsync(799);
    expect(renewals.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(renewals.calls.map((c) => c.at)).toEqual([1_000_000, 1_001_000]);
  });

  it('can wait before its first round', async () => {
    keep().start({ firstInMs: 1000 });
    await jest.advanceTimersByTimeAsync(999);
    expect(renewals.calls).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(renewals.calls.map((c) => c.at)).toEqual([1_001_000]);
  });

  it('never overlaps rounds: a round past its slot is followed at once, without a burst', async () => {
    keep().start();
    await jest.advanceTimersByTimeAsync(2500);
    expect(renewals.calls).toHaveLength(1);
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(renewals.calls.map((c) => c.at)).toEqual([1_000_000, 1_002_500]);
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(999);
    expect(renewals.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(renewals.calls).toHaveLength(3);
  });

  it('with cadence after-each, waits renewEveryMs after a round ends', async () => {
    keep({ cadence: 'after-each' }).start();
    await jest.advanceTimersByTimeAsync(400);
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(999);
    expect(renewals.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(renewals.calls.map((c) => c.at)).toEqual([1_000_000, 1_001_400]);
  });

  it('holds the lease for leaseMs from when the confirming round was sent, not answered', async () => {
    const subject = keep();
    subject.start();
    expect(subject.held()).toBe(false);
    await jest.advanceTimersByTimeAsync(500);
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(subject.validUntil).toBe(1_003_000);
    expect(subject.held(1_002_999)).toBe(true);
    expect(subject.held(1_003_000)).toBe(false);
  });

  it('a refused round drops the lease at once; a failed round lets it run out', async () => {
    const subject = keep();
    subject.start();
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(1000);
    renewals.last().fail(new Error('Connection is closed.'));
    await jest.advanceTimersByTimeAsync(0);
    expect(errors.map((e) => e.message)).toEqual(['Connection is closed.']);
    expect(subject.validUntil).toBe(1_003_000);
    await jest.advanceTimersByTimeAsync(1000);
    renewals.last().answer(false);
    await jest.advanceTimersByTimeAsync(0);
    expect(subject.held()).toBe(false);
    expect(subject.validUntil).toBe(0);
  });

  it('calls onRenewed after each answered round, with held() already up to date', async () => {
    const seen: [boolean, boolean][] = [];
    const subject: LeaseKeeper = keep({ onRenewed: (confirmed) => seen.push([confirmed, subject.held()]) });
    subject.start();
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(1000);
    renewals.last().fail(new Error('timeout'));
    await jest.advanceTimersByTimeAsync(1000);
    renewals.last().answer(false);
    await jest.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it('renewNow runs a round out of turn, or joins the one in flight', async () => {
    const subject = keep();
    subject.start();
    const joined = subject.renewNow();
    expect(renewals.calls).toHaveLength(1);
    renewals.last().answer(true);
    await joined;
    await jest.advanceTimersByTimeAsync(300);
    void subject.renewNow();
    expect(renewals.calls.map((c) => c.at)).toEqual([1_000_000, 1_000_300]);
    renewals.last().answer(true);
    // The cadence restarts from the out-of-turn round.
    await jest.advanceTimersByTimeAsync(999);
    expect(renewals.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(renewals.calls).toHaveLength(3);
  });

  it('stop waits for the round in flight, then renews no more and holds nothing', async () => {
    const subject = keep();
    subject.start();
    let stopped = false;
    const stopping = subject.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    renewals.last().answer(true);
    await stopping;
    expect(subject.held()).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(renewals.calls).toHaveLength(1);
  });

  it('stop with release gives the lease back, and a failing release is not an error', async () => {
    const release = jest.fn().mockRejectedValue(new Error('Connection is closed.'));
    const subject = keep({ release });
    subject.start();
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(0);
    await subject.stop();
    expect(release).not.toHaveBeenCalled();
    subject.start();
    renewals.last().answer(true);
    await jest.advanceTimersByTimeAsync(0);
    await expect(subject.stop({ release: true })).resolves.toBeUndefined();
    expect(release).toHaveBeenCalledTimes(1);
  });
});
