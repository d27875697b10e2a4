import { cursorOf, pulseSummary, toLiveEvent, visibleTo } from './live-topics';

const packet = (pattern: string, data: object) => JSON.stringify({ pattern, data });

describe('toLiveEvent', () => {
  it('keeps only the whitelisted fields of a camera event (never an engine rtmpUrl)', () => {
    const message = packet('camera.stream.started', { eventId: 'e1', timestamp: 't', cameraId: 'c1', rtmpUrl: 'rtmp://x/live/sk_1', metadata: { fps: 30, key: 'sk_1' } });
    const event = toLiveEvent('camera.stream.started', message);
    expect(event).toEqual({ cursor: cursorOf('camera.stream.started', message), topic: 'cameras', event: 'camera.stream.started', resource: 'c1', accountId: null, data: { eventId: 'e1', timestamp: 't', cameraId: 'c1', metadata: { fps: 30 } }, replay: true });
  });

  it('forwards recording progress to the broadcasts topic without the segment\'s path', () => {
    const segment = { eventId: 'e2', timestamp: 't', broadcastId: 'b1', recordingId: 'r1', workerId: 'w1', path: 'b1/r1/seg-00003.ts', sequence: 3, sizeBytes: 1024, durationSeconds: 6, startedAt: 's' };
    const event = toLiveEvent('stream.broadcast.recording.segment', packet('stream.broadcast.recording.segment', segment));
    expect(event).toMatchObject({ topic: 'broadcasts', resource: 'b1', data: { broadcastId: 'b1', recordingId: 'r1', sequence: 3, sizeBytes: 1024, durationSeconds: 6 } });
    expect(event?.data).not.toHaveProperty('path');
    const stopped = toLiveEvent('stream.broadcast.recording.stopped', packet('stream.broadcast.recording.stopped', { broadcastId: 'b1', recordingId: 'r1', reason: 'broadcast_stopped', segments: 4, bytes: 4096 }));
    expect(stopped?.data).toMatchObject({ reason: 'broadcast_stopped', segments: 4, bytes: 4096 });
  });

  it('forwards health and destination changes on the broadcasts topic with their codes and masked label only', () => {
    const health = toLiveEvent('stream.broadcast.health-changed', packet('stream.broadcast.health-changed', { eventId: 'e3', timestamp: 't', broadcastId: 'b1', health: 'degraded', previousHealth: 'healthy', reason: 'destination_down', lastError: 'rtmp://x/app/sk_9 refused' }));
    expect(health).toMatchObject({ topic: 'broadcasts', resource: 'b1', replay: true, data: { eventId: 'e3', timestamp: 't', broadcastId: 'b1', health: 'degraded', previousHealth: 'healthy', reason: 'destination_down' } });
    expect(health?.data).not.toHaveProperty('lastError');
    const destination = { broadcastId: 'b1', destinationId: 'd1', index: 1, label: 'rtmp://x/app/****', state: 'retrying', previousState: 'connecting', reason: 'exited', retryCount: 1, url: 'rtmp://x/app/sk_9', lastError: 'sk_9' };
    const event = toLiveEvent('stream.broadcast.destination-changed', packet('stream.broadcast.destination-changed', destination));
    expect(event?.data).toEqual({ broadcastId: 'b1', destinationId: 'd1', index: 1, label: 'rtmp://x/app/****', state: 'retrying', previousState: 'connecting', reason: 'exited', retryCount: 1 });
  });

  it('masks a destination label again when the publisher sent it unmasked (stream key, credentials, signed query)', () => {
    const label = (value: string) =>
      toLiveEvent('stream.broadcast.destination-changed', packet('stream.broadcast.destination-changed', { broadcastId: 'b1', destinationId: 'd1', label: value }))?.data.label;
    expect(label('rtmp://x/app/sk_9')).toBe('rtmp://x/app/****');
    expect(label('rtmp://user:pw@x/app/sk_9')).toBe('rtmp://x/app/****');
    expect(label('https://cdn.example/live.m3u8?token=sig_1')).toBe('https://cdn.example/live.m3u8');
    expect(label('rtmp://x/app/****')).toBe('rtmp://x/app/****');
  });

  it('makes viewer counts latest-value session events: owner only, not for the replay window', () => {
    const viewers = toLiveEvent('stream.platform.session.viewers', packet('stream.platform.session.viewers', { platformSessionId: 's1', accountId: 'a1', platform: 'twitch', viewerCount: 12, peakViewerCount: 15, platformUserId: 'u-1' }));
    expect(viewers).toMatchObject({ topic: 'sessions', resource: 's1', accountId: 'a1', replay: false, data: { platformSessionId: 's1', accountId: 'a1', platform: 'twitch', viewerCount: 12, peakViewerCount: 15 } });
    expect(viewers?.data).not.toHaveProperty('platformUserId');
    expect(viewers?.cursor).toBe('');
    if (!viewers) throw new Error('expected an event');
    expect(visibleTo(viewers, { accountId: 'a2', roles: [] }, null)).toBe(false);
    expect(toLiveEvent('stream.broadcast.started', packet('stream.broadcast.started', { broadcastId: 'b' }))?.replay).toBe(true);
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

  it('counts categories named __proto__ or constructor like any other, and keeps the mean intensity within 0..1', () => {
    const summary = pulseSummary({ sentiments: [{ category: '__proto__', intensity: 5 }, { category: 'constructor', intensity: -3 }, { category: 'constructor', intensity: 1 }] });
    // As a dashboard reads it: JSON.parse makes `__proto__` an own key.
    expect(Object.entries(JSON.parse(JSON.stringify(summary.counts)) as object)).toEqual([['__proto__', 1], ['constructor', 2]]);
    expect(summary.meanIntensity).toBe(0.667);
    expect(pulseSummary({ sentiments: [{ category: 'hype', intensity: 40 }] }).meanIntensity).toBe(1);
  });
});
