import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '@lib-stream/nest-kit';
import { TokenCipher, parseEncryptionKey } from '@lib-stream/stream-key';

import { LinkErrors } from './platform-link.errors';

/** The cipher under STREAM_TOKEN_ENCRYPTION_KEY, or a clear 503 for linking when the key is unusable. */
@Injectable()
export class LinkCipherProvider implements OnModuleInit {
  private readonly logger = new Logger('PlatformLinks');
  private readonly instance: TokenCipher | null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const key = parseEncryptionKey(config.STREAM_TOKEN_ENCRYPTION_KEY);
    this.instance = key ? new TokenCipher(key) : null;
  }

  onModuleInit(): void {
    if (this.instance) return;
    const why = this.config.STREAM_TOKEN_ENCRYPTION_KEY ? 'is not a 32-byte key (64 hex characters or base64)' : 'is not set';
    this.logger.warn({ msg: `platform linking is unavailable: STREAM_TOKEN_ENCRYPTION_KEY ${why}` });
  }

  cipher(): TokenCipher {
    if (!this.instance) {
      throw LinkErrors.cipherUnavailable();
    }
    return this.instance;
  }
}
