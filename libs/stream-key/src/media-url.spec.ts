import { maskMediaUrl, mediaUrlKind } from './media-url';

describe('media URLs', () => {
  it('tells streams, HTTP resources and worker files apart, and refuses anything else', () => {
    expect(['rtmp://h/app/k', 'https://cdn.example/a.png', '/srv/a.mp4', '//host/x', 'ftp://h/x', 'relative.mp4'].map(mediaUrlKind)).toEqual([
      'rtmp', 'http', 'file', null, null, null,
    ]);
  });

  it('shows no stream key, credential or query-string token', () => {
    expect(maskMediaUrl('rtmp://live.example/app/live_123_secret')).toBe('rtmp://live.example/app/****');
    expect(maskMediaUrl('https://user:pw@cdn.example/slate.png?token=abc#x')).toBe('https://cdn.example/slate.png');
    expect(maskMediaUrl('/srv/loop.mp4?sig=abc')).toBe('/srv/loop.mp4');
  });
});
