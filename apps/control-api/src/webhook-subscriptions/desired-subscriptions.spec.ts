import { EVENTSUB_TYPES } from '@lib-stream/testing';

import { desiredSubscriptions } from './desired-subscriptions';

describe(desiredSubscriptions.name, () => {
  const types = (scopes?: string[]) => desiredSubscriptions('4242', scopes).map((s) => s.type);

  it('asks every link for the nine base types, chat notifications included, and nothing that needs a scope it lacks', () => {
    expect(types()).toHaveLength(9);
    expect(types()).toContain('channel.chat.notification');
    expect(types(['user:read:chat', 'bits:read'])).toEqual(types());
  });

  it('adds polls, predictions and hype trains for the scopes granted, read or manage', () => {
    expect(types(['channel:read:polls']).filter((t) => t.startsWith('channel.poll.'))).toEqual(['channel.poll.begin', 'channel.poll.end']);
    expect(types(['channel:manage:predictions']).filter((t) => t.startsWith('channel.prediction.'))).toHaveLength(3);
    expect(types(['channel:read:hype_train']).filter((t) => t.startsWith('channel.hype_train.'))).toHaveLength(2);
    expect(types(['channel:read:polls', 'channel:read:predictions', 'channel:read:hype_train'])).toHaveLength(16);
  });

  it('uses versions and conditions the strict fake (twitch.md §1.7 and Twitch\'s reference) accepts', () => {
    for (const s of desiredSubscriptions('4242', ['channel:read:polls', 'channel:read:predictions', 'channel:read:hype_train'])) {
      const rule = EVENTSUB_TYPES[s.type];
      expect({ type: s.type, version: s.version }).toEqual({ type: s.type, version: rule?.version });
      expect(rule?.condition.some((fields) => [...fields].sort().join() === Object.keys(s.condition).sort().join())).toBe(true);
      expect(Object.values(s.condition).every((v) => v === '4242')).toBe(true);
    }
  });
});
