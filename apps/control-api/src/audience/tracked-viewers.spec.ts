import { TrackedViewerType } from '@lib-stream/privacy';

import { TrackedViewers, type TrackingRules } from './tracked-viewers';

const rules: TrackingRules = { maxTracked: 3, engagementThreshold: 0.7, trackSubscribers: true, trackModerators: true, trackRaidLeaders: true };

describe(TrackedViewers.name, () => {
  it('gives a subscriber a stable random tracking id, and anonymous viewers none', () => {
    const sut = new TrackedViewers(rules);
    const first = sut.observe('1001', { isSubscriber: true }, true);
    expect(first?.viewerType).toBe(TrackedViewerType.Subscriber);
    expect(first?.trackingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.trackingId).not.toContain('1001');
    expect(sut.observe('1001', { isSubscriber: true }, true)?.trackingId).toBe(first?.trackingId);
    expect(sut.observe('2002', {}, true)).toBeNull();
  });

  it('makes a viewer a HighEngager once their engagement passes the threshold', () => {
    const sut = new TrackedViewers(rules);
    const results = Array.from({ length: 14 }, () => sut.observe('3003', {}, true));
    expect(results[12]).toBeNull();
    expect(results[13]?.viewerType).toBe(TrackedViewerType.HighEngager);
  });

  it('does not count a retracted message (a redelivery) toward engagement', () => {
    const sut = new TrackedViewers(rules);
    for (let i = 0; i < 13; i++) sut.observe('4004', {}, true);
    // The 14th message is a redelivery of the 13th: taken back, it does not make the viewer a HighEngager.
    sut.retract('4004', true);
    expect(sut.observe('4004', {}, true)).toBeNull();
    expect(sut.observe('4004', {}, true)?.viewerType).toBe(TrackedViewerType.HighEngager);
    sut.retract(null, true);
    sut.retract('unknown', true);
  });

  it('honours the toggles and the cap', () => {
    const sut = new TrackedViewers({ ...rules, trackSubscribers: false, trackModerators: false });
    expect(sut.observe('a', { isSubscriber: true }, true)).toBeNull();
    expect(sut.observe('b', { isModerator: true }, true)).toBeNull();
    const capped = new TrackedViewers({ ...rules, maxTracked: 1 });
    expect(capped.observe('a', { isVip: true }, true)).not.toBeNull();
    expect(capped.observe('b', { isVip: true }, true)).toBeNull();
  });

  it('upgrades a subscriber who leads a raid, keeping the same id', () => {
    const sut = new TrackedViewers(rules);
    const sub = sut.observe('4004', { isSubscriber: true }, true);
    const raid = sut.observe('4004', { isRaidLeader: true }, false);
    expect(raid).toEqual({ trackingId: sub?.trackingId, viewerType: TrackedViewerType.RaidLeader });
  });

  it('forgets everything when cleared: a returning viewer gets a new id', () => {
    const sut = new TrackedViewers(rules);
    const before = sut.observe('5005', { isVip: true }, true);
    sut.clear();
    expect(sut.size).toBe(0);
    expect(sut.observe('5005', { isVip: true }, true)?.trackingId).not.toBe(before?.trackingId);
  });

  describe('Returner', () => {
    it('tags a viewer the check calls a returner from their next interaction, once per session', async () => {
      const seenBefore = jest.fn((id: string) => Promise.resolve(id === 'back'));
      const sut = new TrackedViewers({ ...rules, seenBefore });
      expect(sut.observe('back', {}, true)).toBeNull();
      expect(sut.observe('new', {}, true)).toBeNull();
      await sut.checksSettled();
      const tracked = sut.observe('back', {}, true);
      expect(tracked?.viewerType).toBe(TrackedViewerType.Returner);
      expect(sut.observe('back', {}, false)?.trackingId).toBe(tracked?.trackingId);
      expect(sut.observe('new', {}, true)).toBeNull();
      expect(seenBefore.mock.calls).toEqual([['back'], ['new']]);
    });

    it('ranks below a role and above HighEngager, and counts against the cap', async () => {
      const sut = new TrackedViewers({ ...rules, maxTracked: 2, seenBefore: () => Promise.resolve(true) });
      sut.observe('a', {}, true);
      sut.observe('b', {}, true);
      sut.observe('c', {}, true);
      await sut.checksSettled();
      expect(sut.observe('a', { isSubscriber: true }, true)?.viewerType).toBe(TrackedViewerType.Subscriber);
      expect(sut.observe('b', {}, true)?.viewerType).toBe(TrackedViewerType.Returner);
      expect(sut.observe('c', {}, true)).toBeNull();
    });

    it('leaves the viewer untagged when the check fails, without throwing', async () => {
      const sut = new TrackedViewers({ ...rules, seenBefore: () => Promise.reject(new Error('redis down')) });
      sut.observe('a', {}, true);
      await sut.checksSettled();
      expect(sut.observe('a', {}, true)).toBeNull();
    });

    it('asks nothing without a check (the toggle off) and for anonymous events', () => {
      const seenBefore = jest.fn(() => Promise.resolve(true));
      new TrackedViewers(rules).observe('a', {}, true);
      new TrackedViewers({ ...rules, seenBefore }).observe(null, {}, true);
      expect(seenBefore).not.toHaveBeenCalled();
    });
  });
});
