import { type BroadcastSpec, BroadcastSourceType, broadcastSourceKey } from '@lib-stream/contracts';

import { asCameraSource, cameraInUrl } from './camera-source';

const KEY = 'sk_0123456789abcdefghijABCDEFGHIJ_-klmnopqrs';
const cameraForKey = (key: string) => (key === KEY ? 'cam-1' : undefined);
const percent = (text: string) => [...Buffer.from(text)].map((b) => `%${b.toString(16)}`).join('');

describe('cameraInUrl', () => {
  it.each([
    `rtmp://ingest.example.com:1935/live/${KEY}`,
    `rtmp://10.0.0.7:1935/live/${KEY}?via=url`,
    `rtmp://127.0.0.1:1935/live/${KEY}/extra`,
    `rtmp://127.0.0.1:1935/${KEY}/live`,
    `rtmp://127.0.0.1:1935/live//${KEY}`,
    `rtmp://127.0.0.1:1935/live/${percent(KEY)}`,
  ])('finds the camera in URL shape %#', (url) => {
    expect(cameraInUrl(url, cameraForKey)).toBe('cam-1');
  });

  it.each([`rtmp://127.0.0.1:1935/live/sk_other`, `rtmp://127.0.0.1:1935/live/x?key=${KEY}`, 'not a url', `rtmp://127.0.0.1/live/%E0%A4%A`])('finds none in URL %#', (url) => {
    expect(cameraInUrl(url, cameraForKey)).toBeNull();
  });
});

describe('asCameraSource', () => {
  const spec = (video: BroadcastSpec['video'], sourceKey: string) => ({ broadcastId: 'b', sourceType: BroadcastSourceType.Camera, video, sourceKey }) as BroadcastSpec;
  const open = (url: { enc: string }) => url.enc;
  const cameraForUrl = (url: string) => cameraInUrl(url, cameraForKey);

  it('turns a camera ingest URL into the camera, claimed by camera identity', () => {
    const url = `rtmp://127.0.0.1:1935/live/${KEY}?x=1`;
    const result = asCameraSource(spec({ kind: 'url', url: { enc: url, masked: '' } }, broadcastSourceKey({ url })), open, cameraForUrl);
    expect(result.video).toEqual({ kind: 'camera', cameraId: 'cam-1' });
    expect(result.sourceKey).toBe(broadcastSourceKey({ cameraId: 'cam-1' }));
  });

  it('leaves other sources alone, and an unreadable one to validation', () => {
    const other = spec({ kind: 'url', url: { enc: 'rtmp://cdn.example/live/abc', masked: '' } }, 'k');
    expect(asCameraSource(other, open, cameraForUrl)).toBe(other);
    expect(asCameraSource(other, () => { throw new Error('foreign'); }, cameraForUrl)).toBe(other);
    const camera = spec({ kind: 'camera', cameraId: 'cam-2' }, 'k2');
    expect(asCameraSource(camera, open, cameraForUrl)).toBe(camera);
  });
});
