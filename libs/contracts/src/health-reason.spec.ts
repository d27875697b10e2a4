import { healthReason } from './broadcasts';

describe('healthReason', () => {
  it('names why a broadcast is not healthy from its destinations, and nothing when it is', () => {
    expect(healthReason('healthy', ['live', 'live'])).toBeNull();
    expect(healthReason('stopped', ['stopped'])).toBe('stopped');
    expect(healthReason('unhealthy', ['connecting', 'failed'])).toBe('no_destination_live');
    expect(healthReason('unhealthy', ['live'])).toBe('source_stalled');
    expect(healthReason('degraded', ['live', 'retrying'])).toBe('destination_down');
    expect(healthReason('degraded', ['live', 'live'])).toBe('fallback_source');
  });
});
