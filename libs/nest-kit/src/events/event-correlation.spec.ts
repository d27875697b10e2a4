import { EventTopic } from '@lib-stream/contracts';

import { withCorrelationId } from '../correlation/correlation';
import { withEventCorrelation } from './event-bus';

describe(withEventCorrelation.name, () => {
  const event = { eventId: 'e-1', timestamp: '2026-01-01T00:00:00.000Z', broadcastId: 'b-1', sourceType: 'Camera' as never };

  it('adds the current id to a broadcast event', () => {
    expect(withCorrelationId('req-1', () => withEventCorrelation(EventTopic.BroadcastStarted, event))).toEqual({ ...event, correlationId: 'req-1' });
  });

  it('adds nothing without a current id, keeps one already set, and never touches a pulse', () => {
    expect(withEventCorrelation(EventTopic.BroadcastStarted, event)).toBe(event);
    const own = { ...event, correlationId: 'own' };
    expect(withCorrelationId('req-1', () => withEventCorrelation(EventTopic.BroadcastStarted, own))).toBe(own);
    const pulse = { pulseId: 'p-1' };
    expect(withCorrelationId('req-1', () => withEventCorrelation(EventTopic.AudiencePulse, pulse))).toBe(pulse);
  });
});
