import { Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '@lib-stream/nest-kit';
import { TokenCipher, parseEncryptionKey } from '@lib-stream/stream-key';

/**
 * Encrypts the RTMP URLs a camera can be read from before they go into the registry (they hold
 * stream keys), and opens broadcast URLs for ffmpeg. Null when STREAM_TOKEN_ENCRYPTION_KEY is unusable: cameras are then registered
 * without a readable URL.
 */
@Injectable()
export class SourceUrlCipher {
  private readonly cipher: TokenCipher | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const key = parseEncryptionKey(config.STREAM_TOKEN_ENCRYPTION_KEY);
    this.cipher = key ? new TokenCipher(key) : null;
  }

  get available(): boolean {
    return this.cipher !== null;
  }

  encrypt(url: string): string | null {
    return this.cipher ? this.cipher.encrypt(url) : null;
  }

  /** Opens a stored URL for ffmpeg's arguments; throws when the key is unusable or the value foreign. */
  decrypt(stored: string): string {
    if (!this.cipher) throw new Error('STREAM_TOKEN_ENCRYPTION_KEY is unusable: stored URLs cannot be opened');
    return this.cipher.decrypt(stored);
  }
}
