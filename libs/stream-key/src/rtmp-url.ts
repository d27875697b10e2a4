export const STREAM_KEY_MASK = '****';

// scheme, optional credentials, host[:port], optional first path segment (the RTMP "app"), then the rest.
// The rest (stream key, query) stops at whitespace, quotes, backslashes and angle brackets so that
// masking works inside JSON, log lines and FFmpeg stderr alike.
const RTMP_URL_IN_TEXT = /\b(rtmps?|rtmpt|rtmpe|rtmpte|srt):\/\/(?:[^\s/"'\\<>@]*@)?([^\s/"'\\<>?#]+)(\/[^\s/"'\\<>?#]*)?([^\s"'\\<>]*)/gi;

/**
 * `rtmp://live.twitch.tv/app/live_123_secret` → `rtmp://live.twitch.tv/app/****`.
 * Credentials in the authority and everything after the application segment (the stream key, any
 * query string) are hidden; a URL with nothing secret in it is returned unchanged.
 */
export function maskRtmpUrl(url: string): string {
  return maskStreamKeysInText(url);
}

/** Masks every RTMP(S)/SRT URL found anywhere in a piece of text (log lines, FFmpeg stderr, errors). */
export function maskStreamKeysInText(text: string): string {
  return text.replace(RTMP_URL_IN_TEXT, (whole, scheme: string, host: string, app: string | undefined, rest: string) => {
    const hadCredentials = whole.slice(scheme.length + 3).split('/')[0].includes('@');
    if (!rest && !hadCredentials) return whole;
    return `${scheme}://${host}${app ?? ''}${rest ? `/${STREAM_KEY_MASK}` : ''}`;
  });
}

export function isRtmpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'rtmp:' || url.protocol === 'rtmps:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}
