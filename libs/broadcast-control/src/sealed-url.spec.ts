import { randomBytes } from 'node:crypto';

import { TokenCipher } from '@lib-stream/stream-key';

import { sealUrl } from './sealed-url';

describe(sealUrl.name, () => {
  it('encrypts the URL for the worker and keeps only its masked form in the clear', () => {
    const cipher = new TokenCipher(randomBytes(32));
    const sealed = sealUrl(cipher, 'rtmp://live.example.com/app/live_123_SECRETKEY');
    expect(sealed.masked).toBe('rtmp://live.example.com/app/****');
    expect(JSON.stringify(sealed)).not.toContain('SECRETKEY');
    expect(cipher.decrypt(sealed.enc)).toBe('rtmp://live.example.com/app/live_123_SECRETKEY');
  });

  it('refuses to seal without a usable key, naming the setting', () => {
    expect(() => sealUrl({ encrypt: () => null }, 'rtmp://live.example.com/app/key')).toThrow('STREAM_TOKEN_ENCRYPTION_KEY is unusable');
  });
});
