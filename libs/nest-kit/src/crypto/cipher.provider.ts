import { Injectable } from '@nestjs/common';

import { TokenCipher, parseEncryptionKey } from '@lib-stream/stream-key';

import { EncryptionSettings } from '../config/slices';

/**
 * The service's one TokenCipher, under STREAM_TOKEN_ENCRYPTION_KEY (stored OAuth tokens, RTMP URLs,
 * camera read URLs). When the key is unset or not 32 bytes there is no cipher: each feature then
 * refuses what needs one with its own error (see `require`), and the rest of the service runs.
 */
@Injectable()
export class CipherProvider {
  /** Null when the key is unusable. */
  readonly cipher: TokenCipher | null;
  /** Why there is no cipher, as the end of a sentence about the variable ("is not set"); null when there is one. */
  readonly unusableReason: string | null;

  constructor(encryption: EncryptionSettings) {
    const key = parseEncryptionKey(encryption.tokenKey);
    this.cipher = key ? new TokenCipher(key) : null;
    this.unusableReason =
      this.cipher ? null
      : encryption.tokenKey ? 'is not a 32-byte key (64 hex characters or base64)'
      : 'is not set';
  }

  get available(): boolean {
    return this.cipher !== null;
  }

  /** The cipher; without one, throws what `unavailable` builds (the caller's feature names itself). */
  require(unavailable: () => Error): TokenCipher {
    if (!this.cipher) throw unavailable();
    return this.cipher;
  }

  /** `v1:…` ciphertext, or null without a cipher (for values that are stored only when they can be sealed). */
  encrypt(plaintext: string): string | null {
    return this.cipher ? this.cipher.encrypt(plaintext) : null;
  }

  /** Opens a stored value; throws without a cipher, and when the value was tampered with or sealed under another key. */
  decrypt(stored: string): string {
    if (!this.cipher) throw new Error('STREAM_TOKEN_ENCRYPTION_KEY is unusable: stored URLs cannot be opened');
    return this.cipher.decrypt(stored);
  }
}
