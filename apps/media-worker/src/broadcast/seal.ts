import type { SealedUrl } from '@lib-stream/contracts';
import { maskMediaUrl } from '@lib-stream/stream-key';

import type { SourceUrlCipher } from '../ingest/source-url-cipher';

/** Encrypts a URL for the store and keeps a masked copy for everything else. */
export function sealUrl(cipher: SourceUrlCipher, url: string): SealedUrl {
  const enc = cipher.encrypt(url);
  if (!enc) throw new Error('STREAM_TOKEN_ENCRYPTION_KEY is unusable: URLs cannot be stored');
  return { enc, masked: maskMediaUrl(url) };
}
