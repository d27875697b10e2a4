import { randomBytes } from 'node:crypto';

import { TokenCipher, parseEncryptionKey } from './secret-cipher';

describe(TokenCipher.name, () => {
  const sut = new TokenCipher(randomBytes(32));

  it('round-trips a value and never stores it in clear', () => {
    const stored = sut.encrypt('oauth-access-token-abc');
    expect(stored).not.toContain('oauth-access-token-abc');
    expect(stored.startsWith('v1:')).toBe(true);
    expect(sut.decrypt(stored)).toBe('oauth-access-token-abc');
  });

  it('uses a fresh IV, so equal tokens do not give equal ciphertexts', () => {
    expect(sut.encrypt('same')).not.toBe(sut.encrypt('same'));
  });

  it('refuses a tampered value and one encrypted under another key', () => {
    const stored = sut.encrypt('secret-value');
    const parts = stored.split(':');
    parts[3] = Buffer.from('another-value').toString('base64url');
    expect(() => sut.decrypt(parts.join(':'))).toThrow();
    expect(() => new TokenCipher(randomBytes(32)).decrypt(stored)).toThrow();
  });

  it('hashes platform user ids deterministically per key and platform', () => {
    expect(sut.hashPlatformUser('twitch', '141981764')).toBe(sut.hashPlatformUser('twitch', '141981764'));
    expect(sut.hashPlatformUser('twitch', '141981764')).not.toBe(sut.hashPlatformUser('youtube', '141981764'));
    expect(sut.hashPlatformUser('twitch', '141981764')).not.toContain('141981764');
    expect(new TokenCipher(randomBytes(32)).hashPlatformUser('twitch', '1')).not.toBe(sut.hashPlatformUser('twitch', '1'));
  });
});

describe(parseEncryptionKey.name, () => {
  it('accepts 32 bytes as hex or base64 and rejects anything else', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey('too-short')).toBeNull();
    expect(parseEncryptionKey(randomBytes(16).toString('base64'))).toBeNull();
    expect(parseEncryptionKey('')).toBeNull();
  });
});
