import { isRtmpUrl, maskRtmpUrl } from './rtmp-url';

/** What a broadcast may read from: an RTMP(S) stream, an HTTP(S) resource, or a file on the media worker. */
export type MediaUrlKind = 'rtmp' | 'http' | 'file';

// Absolute, not protocol-relative (`//host/x`), and nothing that would break an FFmpeg argument.
const ABSOLUTE_PATH = /^\/(?!\/)[^\0\r\n]*$/;

export function mediaUrlKind(value: string): MediaUrlKind | null {
  if (isRtmpUrl(value)) return 'rtmp';
  if (ABSOLUTE_PATH.test(value)) return 'file';
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0 ? 'http' : null;
  } catch {
    return null;
  }
}

/**
 * The form of a URL that may be shown and logged: RTMP stream keys hidden, and for HTTP(S) URLs and
 * file paths the query string (signed URLs carry their tokens there) and any credentials dropped.
 */
export function maskMediaUrl(value: string): string {
  const kind = mediaUrlKind(value);
  if (kind === 'rtmp') return maskRtmpUrl(value);
  if (kind === 'http') {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  }
  return value.split(/[?#]/)[0];
}
