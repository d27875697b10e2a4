import { destinationField } from './broadcast-validator';

describe('destinationField: refusals name the field or setting the URL came from', () => {
  it('names the API fields for a broadcast an account started', () => {
    const spec = { voiceRoomId: null, createdBy: 'account-1' };
    expect([0, 1, 2].map((i) => destinationField(spec, i))).toEqual(['rtmpOutputUrl', 'additionalRtmpOutputUrls[0]', 'additionalRtmpOutputUrls[1]']);
  });

  it('names the setting for voice-room and auto-broadcasts, which no request carried', () => {
    expect(destinationField({ voiceRoomId: 'room-1', createdBy: null }, 0)).toBe('STREAM_VOICE_BROADCAST_RTMP_URL');
    expect(destinationField({ voiceRoomId: null, createdBy: null }, 0)).toBe('STREAM_AUTO_BROADCAST_RTMP_URL');
  });
});
