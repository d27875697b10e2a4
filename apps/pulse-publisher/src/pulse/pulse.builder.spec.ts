import { SentimentCategory } from '@lib-stream/privacy';

import { buildPulse } from './pulse.builder';

const entries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ category: SentimentCategory.Excited, intensity: (i + 1) / n, trackingId: null, viewerType: null, at: 1000 + i }));

const input = (n: number, maxBatchSize = 200) => ({
  platformSessionId: '2f8c3e57-1b1b-4c52-a3f5-6d0e2a0f4c22',
  streamSessionId: null,
  approximateViewerCount: 42,
  intervalSeconds: 15,
  entries: entries(n),
  maxBatchSize,
  now: new Date('2026-11-23T20:00:00Z'),
});

describe(buildPulse.name, () => {
  it('keeps the highest intensities when over the maximum and counts the rest', () => {
    const { pulse, overflow } = buildPulse(input(250));
    expect(pulse.sentiments).toHaveLength(200);
    expect(overflow).toBe(50);
    expect(Math.min(...pulse.sentiments.map((s) => s.intensity))).toBeCloseTo(51 / 250);
  });

  it('does not keep arrival order', () => {
    const { pulse } = buildPulse(input(100));
    const intensities = pulse.sentiments.map((s) => s.intensity);
    expect(intensities).not.toEqual([...intensities].sort((a, b) => a - b));
    expect([...intensities].sort((a, b) => a - b)).toEqual(entries(100).map((e) => e.intensity));
  });

  it('carries exactly the pulse fields, and no buffering timestamps', () => {
    const { pulse } = buildPulse(input(5));
    expect(Object.keys(pulse).sort()).toEqual(['approximateViewerCount', 'intervalSeconds', 'platformSessionId', 'pulseId', 'sentiments', 'streamSessionId', 'timestamp']);
    expect(Object.keys(pulse.sentiments[0]).sort()).toEqual(['category', 'intensity', 'trackingId', 'viewerType']);
    expect(pulse).toMatchObject({ approximateViewerCount: 42, intervalSeconds: 15, timestamp: '2026-11-23T20:00:00.000Z' });
  });
});
