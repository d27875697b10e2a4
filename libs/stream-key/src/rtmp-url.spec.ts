import { isRtmpUrl, maskRtmpUrl, maskStreamKeysInText } from './rtmp-url';

describe(maskRtmpUrl.name, () => {
  it.each([
    ['rtmp://live.twitch.tv/app/live_123456789_AbCdEfGhIjKlMnOp', 'rtmp://live.twitch.tv/app/****'],
    ['rtmps://a.rtmp.youtube.com:443/live2/abcd-efgh-ijkl-mnop', 'rtmps://a.rtmp.youtube.com:443/live2/****'],
    ['rtmp://host/app/key/with/slashes?token=xyz', 'rtmp://host/app/****'],
    ['rtmp://host/live?streamKey=hunter22', 'rtmp://host/live/****'],
    ['rtmp://user:p4ssw0rd@host/app/key', 'rtmp://host/app/****'],
    ['rtmp://host/app', 'rtmp://host/app'],
    ['rtmp://host', 'rtmp://host'],
  ])('%s → %s', (input, expected) => {
    expect(maskRtmpUrl(input)).toBe(expected);
  });
});

describe(maskStreamKeysInText.name, () => {
  it('masks a URL inside FFmpeg stderr', () => {
    const stderr = '[rtmp @ 0x55] Server error: rtmp://127.0.0.1:1935/live/sk_9f8e7d6c5b: I/O error';
    const masked = maskStreamKeysInText(stderr);
    expect(masked).not.toContain('sk_9f8e7d6c5b');
    expect(masked).toContain('rtmp://127.0.0.1:1935/live/****');
    expect(masked).toContain('[rtmp @ 0x55] Server error:');
  });

  it('masks several URLs inside a JSON document', () => {
    const json = JSON.stringify({ a: 'rtmp://h1/app/key-one', b: ['rtmps://h2/app/key-two'] });
    const masked = maskStreamKeysInText(json);
    expect(masked).not.toMatch(/key-one|key-two/);
    expect(JSON.parse(masked)).toEqual({ a: 'rtmp://h1/app/****', b: ['rtmps://h2/app/****'] });
  });

  it('leaves text without RTMP URLs untouched', () => {
    expect(maskStreamKeysInText('GET https://example.com/a/b 200')).toBe('GET https://example.com/a/b 200');
  });
});

describe(isRtmpUrl.name, () => {
  it('accepts rtmp and rtmps, rejects everything else', () => {
    expect(isRtmpUrl('rtmp://live.twitch.tv/app/x')).toBe(true);
    expect(isRtmpUrl('rtmps://a.rtmp.youtube.com/live2/x')).toBe(true);
    expect(isRtmpUrl('https://example.com/x')).toBe(false);
    expect(isRtmpUrl('not a url')).toBe(false);
  });
});
