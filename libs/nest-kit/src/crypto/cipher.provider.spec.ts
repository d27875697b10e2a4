import { randomBytes } from 'node:crypto';

import { loadConfig } from '../config/load-config';
import { EncryptionSettings } from '../config/slices';
import { CipherProvider } from './cipher.provider';

describe(CipherProvider.name, () => {
  const key = randomBytes(32).toString('hex');

  it('seals and opens under STREAM_TOKEN_ENCRYPTION_KEY', () => {
    const sut = new CipherProvider(new EncryptionSettings(loadConfig({ STREAM_TOKEN_ENCRYPTION_KEY: key })));
    expect(sut.available).toBe(true);
    expect(sut.unusableReason).toBeNull();
    const sealed = sut.encrypt('rtmp://example.test/live/secret-key') as string;
    expect(sealed).toMatch(/^v1:/);
    expect(sut.decrypt(sealed)).toBe('rtmp://example.test/live/secret-key');
    expect(sut.require(() => new Error('unused')).decrypt(sealed)).toBe('rtmp://example.test/live/secret-key');
  });

  it('without a key: no cipher, encrypt gives null, decrypt and require throw, the reason is named', () => {
    const sut = new CipherProvider(new EncryptionSettings(loadConfig({})));
    expect(sut.available).toBe(false);
    expect(sut.unusableReason).toBe('is not set');
    expect(sut.encrypt('x')).toBeNull();
    expect(() => sut.decrypt('v1:a:b:c')).toThrow('STREAM_TOKEN_ENCRYPTION_KEY is unusable');
    expect(() => sut.require(() => new Error('linking is unavailable'))).toThrow('linking is unavailable');
  });

  it('names a key that is not 32 bytes', () => {
    expect(new CipherProvider(new EncryptionSettings(loadConfig({ STREAM_TOKEN_ENCRYPTION_KEY: 'short' }))).unusableReason).toBe('is not a 32-byte key (64 hex characters or base64)');
  });
});
