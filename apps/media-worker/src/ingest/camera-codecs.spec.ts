import { audioCodecName, videoCodecName } from './camera-codecs';

describe('camera codec names from onMetaData ids', () => {
  it('maps FLV CodecIDs and SoundFormats', () => {
    expect([2, 4, 7, 12, 13].map(videoCodecName)).toEqual(['flv1', 'vp6', 'h264', 'hevc', 'av1']);
    expect([2, 10, 11, 13, 14].map(audioCodecName)).toEqual(['mp3', 'aac', 'speex', 'opus', 'mp3']);
  });

  it('maps Enhanced-RTMP FourCCs sent as numbers or text', () => {
    expect(videoCodecName(0x68766331)).toBe('hevc');
    expect(videoCodecName(0x61763031)).toBe('av1');
    expect(videoCodecName('avc1')).toBe('h264');
    expect(audioCodecName(0x4f707573)).toBe('opus');
    expect(audioCodecName('mp4a')).toBe('aac');
  });

  it('reports nothing as null and never echoes what a client made up', () => {
    expect([undefined, null, 0, ''].map(videoCodecName)).toEqual([null, null, null, null]);
    expect(videoCodecName(99)).toBe('unknown');
    expect(audioCodecName('sk_secretlookingvalue')).toBe('unknown');
    expect(audioCodecName({ toString: () => 'x' })).toBe('unknown');
    expect(videoCodecName('7')).toBe('h264');
  });
});
