import type { SealedUrl } from '@lib-stream/contracts';
import { type TokenCipher, maskMediaUrl } from '@lib-stream/stream-key';

export const MEDIA_URL_FORMS = 'an rtmp://, rtmps://, http:// or https:// URL or an absolute file path on the media worker';

/** Encrypted for the worker's FFmpeg, masked for everything else. */
export function sealUrl(cipher: TokenCipher, url: string): SealedUrl {
  return { enc: cipher.encrypt(url), masked: maskMediaUrl(url) };
}
