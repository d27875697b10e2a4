import { encodeEventPacket, encodeEventPacketJson } from './events';
import { EventTopic } from './topics';

describe(encodeEventPacket.name, () => {
  const event = { eventId: 'e-1', timestamp: '2026-01-01T00:00:00.000Z', accountId: 'acc-1', linkId: 'link-1', platform: 'twitch' as never };

  it('is the Nest transport packet: pattern first, then data', () => {
    const message = encodeEventPacket(EventTopic.PlatformLinked, event);
    expect(message).toBe(JSON.stringify({ pattern: 'stream.platform.linked', data: event }));
    expect(JSON.parse(message)).toEqual({ pattern: 'stream.platform.linked', data: event });
  });

  it('wraps JSON that is already serialised into the same bytes', () => {
    expect(encodeEventPacketJson(EventTopic.PlatformLinked, JSON.stringify(event))).toBe(encodeEventPacket(EventTopic.PlatformLinked, event));
  });
});
