import { cursorOf, pulseSummary, toLiveEvent, visibleTo } from './live-topics';

const packet = (pattern: string, data: object) => JSON.stringify({ pattern, data });

describe('toLiveEvent', () => {
  it('keeps only the whitelisted fields of a camera event (never an engine rtmpUrl)', () => {
    const message = packet('camera.stream.started', { eventId: 'e1', timestamp: 't', cameraId: 'c1', rtmpUrl: 'rtmp://x/live/sk_1', metadata: { fps: 30, key: 'sk_1' } });
    const event = toLiveEvent('camera.stream.started', message);
    expect(event).toEqual({ cursor: cursorOf('camera.stream.started', message), topic: 'cameras', event: 'camera.stream.started', resource: 'c1', accountId: null, data: { eventId: 'e1', timestamp: 't', cameraId: 'c1', metadata: { fps: 30 } } });
  });

  it('forwards recording progress to the broadcasts topic without the segment\'s path', () => {
    const segment = { eventId: 'e2', timestamp: 't', broadcastId: 'b1', recordingId: 'r1', workerId: 'w1', path: 'b1/r1/seg-00003.ts', sequence: 3, sizeBytes: 1024, durationSeconds: 6, startedAt: 's' };
    const event = toLiveEvent('stream.broadcast.recording.segment', packet('stream.broadcast.recording.segment', segment));
    expect(event).toMatchObject({ topic: 'broadcasts', resource: 'b1', data: { broadcastId: 'b1', recordingId: 'r1', sequence: 3, sizeBytes: 1024, durationSeconds: 6 } });
    expect(event?.data).not.toHaveProperty('path');
    const stopped = toLiveEvent('stream.broadcast.recording.stopped', packet('stream.broadcast.recording.stopped', { broadcastId: 'b1', recordingId: 'r1', reason: 'broadcast_stopped', segments: 4, bytes: 4096 }));
    expect(stopped?.data).toMatchObject({ reason: 'broadcast_stopped', segments: 4, bytes: 4096 });
  });

  it('ignores internal and lifecycle channels and unreadable packets', () => {
    expect(toLiveEvent('stream.internal.broadcast-changed', packet('x', { broadcastId: 'b' }))).toBeNull();
    expect(toLiveEvent('stream.instance.online', packet('stream.instance.online', { service: 'x' }))).toBeNull();
    expect(toLiveEvent('stream.broadcast.started', 'not json')).toBeNull();
    expect(toLiveEvent('stream.broadcast.started', packet('stream.broadcast.started', []))).toBeNull();
  });

  it('shows session events to their own account only, and narrows by resource', () => {
    const event = toLiveEvent('stream.platform.session.started', packet('stream.platform.session.started', { platformSessionId: 's1', accountId: 'a1' }));
    if (!event) throw new Error('expected an event');
    expect(visibleTo(event, { accountId: 'a1', roles: [] }, null)).toBe(true);
    expect(visibleTo(event, { accountId: 'a2', roles: [] }, null)).toBe(false);
    expect(visibleTo(event, { accountId: 'a1', roles: [] }, 's2')).toBe(false);
  });
});

describe('pulseSummary', () => {
  it('counts per category with the mean intensity; null mean for an empty pulse', () => {
    const summary = pulseSummary({ pulseId: 'p', sentiments: [{ category: 'hype', intensity: 1, trackingId: 't1' }, { category: 'calm', intensity: 0.5 }] });
    expect(summary).toEqual({ pulseId: 'p', entries: 2, counts: { hype: 1, calm: 1 }, meanIntensity: 0.75 });
    expect(pulseSummary({ sentiments: [] })).toMatchObject({ entries: 0, meanIntensity: null });
  });
});
