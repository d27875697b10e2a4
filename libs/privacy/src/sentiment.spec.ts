import { inspect } from 'node:util';

import {
  PrivacyViolationError,
  Secret,
  SentimentCategory,
  TrackedViewerType,
  newTrackingId,
  toSentimentEntry,
  toSentimentPulse,
} from './index';

const validPulse = () => ({
  pulseId: '7b0c1f0e-7a53-4f4e-9d55-3c1f1f0a9b11',
  streamSessionId: null,
  platformSessionId: '2f8c3e57-1b1b-4c52-a3f5-6d0e2a0f4c22',
  timestamp: '2026-11-23T10:00:00.000Z',
  intervalSeconds: 15,
  approximateViewerCount: 120,
  sentiments: [
    { category: SentimentCategory.Excited, intensity: 0.9, trackingId: null, viewerType: null },
    { category: SentimentCategory.Supportive, intensity: 0.4, trackingId: newTrackingId(), viewerType: TrackedViewerType.Subscriber },
  ],
});

describe('sentiment privacy boundary', () => {
  it('accepts an anonymous pulse and returns only the allowed fields', () => {
    const pulse = toSentimentPulse(validPulse());
    expect(pulse.sentiments).toHaveLength(2);
    expect(Object.keys(pulse.sentiments[0]).sort()).toEqual(['category', 'intensity', 'trackingId', 'viewerType']);
  });

  it.each([
    ['text', 'gg wp'],
    ['username', 'some_viewer'],
    ['platformUserId', '123456'],
  ])('rejects an entry carrying %s, without echoing its value', (field, value) => {
    const entry = { category: SentimentCategory.Amused, intensity: 0.5, trackingId: null, viewerType: null, [field]: value };
    expect(() => toSentimentEntry(entry)).toThrow(PrivacyViolationError);
    expect(() => toSentimentEntry(entry)).toThrow(new RegExp(field));
    try {
      toSentimentEntry(entry);
    } catch (error) {
      expect((error as Error).message).not.toContain(value);
    }
  });

  it('rejects a platform user id smuggled in as the tracking id', () => {
    const entry = { category: SentimentCategory.Curious, intensity: 0.2, trackingId: '98765432', viewerType: TrackedViewerType.VIP };
    expect(() => toSentimentEntry(entry)).toThrow(/trackingId must be a UUID/);
  });

  it('rejects an out-of-range intensity and an unknown category', () => {
    expect(() => toSentimentEntry({ category: 'Happy', intensity: 0.5 })).toThrow(/category/);
    expect(() => toSentimentEntry({ category: SentimentCategory.Bored, intensity: 1.5 })).toThrow(/intensity/);
  });

  it('rejects extra top-level pulse fields such as chat text', () => {
    expect(() => toSentimentPulse({ ...validPulse(), messages: ['hello'] })).toThrow(/messages/);
  });

  it('mints a different tracking id every time', () => {
    expect(newTrackingId()).not.toEqual(newTrackingId());
  });
});

describe(Secret.name, () => {
  it('prints as **** in strings, JSON and util.inspect but reveals on request', () => {
    const sut = new Secret('live_123_abcdef');
    expect(`${sut}`).toBe('****');
    expect(JSON.stringify({ token: sut })).toBe('{"token":"****"}');
    expect(inspect({ token: sut })).not.toContain('live_123_abcdef');
    expect(sut.reveal()).toBe('live_123_abcdef');
  });
});
