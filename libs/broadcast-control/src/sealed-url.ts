import type { SealedUrl } from '@lib-stream/contracts';
import { maskMediaUrl } from '@lib-stream/stream-key';

/** Whatever encrypts URLs for the store: null when it cannot (no usable STREAM_TOKEN_ENCRYPTION_KEY). */
export interface UrlEncrypter {
  encrypt(url: string): string | null;
}

/**
 * A URL as a broadcast spec holds it: encrypted for the worker's FFmpeg, masked for everything else
 * (status, logs, events). Throws when `cipher` cannot encrypt.
 */
export function sealUrl(cipher: UrlEncrypter, url: string): SealedUrl {
  const enc = cipher.encrypt(url);
  if (!enc) throw new Error('STREAM_TOKEN_ENCRYPTION_KEY is unusable: URLs cannot be stored');
  return { enc, masked: maskMediaUrl(url) };
}
