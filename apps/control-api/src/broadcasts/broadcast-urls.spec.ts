import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { withFileUrlAsPath } from './broadcast-urls';
import { StartBroadcastRequest } from './dto/broadcast.dto';

describe('file:/// URLs for local media', () => {
  it('become the absolute path the media worker takes (percent-encoding undone)', () => {
    expect(withFileUrlAsPath('file:///srv/media/brb%20screen.png')).toBe('/srv/media/brb screen.png');
    expect(withFileUrlAsPath('/srv/media/loop.mp4')).toBe('/srv/media/loop.mp4');
    expect(withFileUrlAsPath('https://cdn.example/a.png')).toBe('https://cdn.example/a.png');
  });

  it('stay as given when they name another host, and validation then refuses them', () => {
    expect(withFileUrlAsPath('file://fileserver/srv/a.png')).toBe('file://fileserver/srv/a.png');
    const request = plainToInstance(StartBroadcastRequest, { sourceType: 'Camera', sourceId: 'cam', rtmpOutputUrl: 'rtmp://x/app/key', fallbackImageUrl: 'file://fileserver/srv/a.png' });
    expect(validateSync(request).map((e) => e.property)).toContain('fallbackImageUrl');
  });

  it('are accepted by a start request as paths', () => {
    const request = plainToInstance(StartBroadcastRequest, {
      sourceType: 'GameAudio',
      sourceId: 'FILE:///srv/media/game-audio.wav',
      rtmpOutputUrl: 'rtmp://x/app/key',
      fallbackImageUrl: 'file:///srv/media/brb.png',
    });
    expect(validateSync(request)).toEqual([]);
    expect([request.sourceId, request.fallbackImageUrl]).toEqual(['/srv/media/game-audio.wav', '/srv/media/brb.png']);
  });
});
