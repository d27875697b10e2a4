import { generateStreamKey, hashStreamKey, maskIngestPaths } from './stream-key';

describe('camera stream keys', () => {
  it('are long, random and RTMP-safe', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateStreamKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
  });

  it('hash deterministically without containing the key', () => {
    const key = generateStreamKey();
    expect(hashStreamKey(key)).toBe(hashStreamKey(key));
    expect(hashStreamKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashStreamKey(key)).not.toContain(key.slice(3, 20));
  });

  it('are masked in stream paths written by node-media-server', () => {
    expect(maskIngestPaths('RTMP session 7 127.0.0.1 start push /live/sk_abcDEF123_-x')).toBe('RTMP session 7 127.0.0.1 start push /live/****');
  });
});
