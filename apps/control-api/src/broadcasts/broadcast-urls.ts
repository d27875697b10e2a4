import { fileURLToPath } from 'node:url';

import { isRtmpUrl } from '@lib-stream/stream-key';

export const MEDIA_URL_FORMS = 'an rtmp://, rtmps://, http:// or https:// URL or an absolute file path (or file:/// URL) on the media worker';
export const RTMP_DESTINATION_FORM = 'an rtmp:// or rtmps:// URL with an application and a stream key (rtmp://host/app/key)';

/**
 * `RTMP://host/app/key` → `rtmp://host/app/key`. URL schemes are case-insensitive, but FFmpeg's
 * protocol names are not: an upper-case scheme was accepted and then failed forever ("Protocol not found").
 */
export function withLowerCaseScheme<T>(value: T): T {
  if (typeof value !== 'string') return value;
  return value.replace(/^([A-Za-z][A-Za-z0-9+.-]*):\/\//, (_, scheme: string) => `${scheme.toLowerCase()}://`) as T;
}

/**
 * `file:///srv/media/loop.mp4` → `/srv/media/loop.mp4`: the media worker takes local files as absolute
 * paths (the `file` of STREAM_MEDIA_SOURCE_SCHEMES). A file URL with a host or bad encoding stays as
 * given, and validation refuses it.
 */
export function withFileUrlAsPath<T>(value: T): T {
  if (typeof value !== 'string' || !value.startsWith('file://')) return value;
  try {
    return fileURLToPath(value) as T;
  } catch {
    return value;
  }
}

/** rtmp(s)://host/app/key: without a stream key FFmpeg would publish to nothing, over and over. */
export function isRtmpDestination(value: unknown): boolean {
  if (typeof value !== 'string' || !isRtmpUrl(value)) return false;
  const [, app, ...key] = new URL(value).pathname.split('/');
  return Boolean(app) && key.join('/') !== '';
}
