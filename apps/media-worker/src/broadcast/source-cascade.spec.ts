import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type BroadcastSpec, BroadcastSourceType } from '@lib-stream/contracts';
import { testBroadcastSpec } from '@lib-stream/testing';

import { buildCascade, sameLevel } from './source-cascade';

const sealed = (url: string) => ({ enc: `enc:${url}`, masked: url.replace(/\/[^/]+$/, '/****') });

const spec = (extra: Partial<BroadcastSpec>): BroadcastSpec =>
  testBroadcastSpec({ broadcastId: 'b1', video: { kind: 'camera', cameraId: 'cam-1' }, sourceKey: 'k', ...extra });

describe('buildCascade', () => {
  const defaultBackground = join(tmpdir(), `bg-${randomBytes(4).toString('hex')}.mp4`);
  beforeAll(() => writeFileSync(defaultBackground, ''));
  afterAll(() => rmSync(defaultBackground, { force: true }));

  it('orders primary, fallback stream, fallback image, default background, black', () => {
    const levels = buildCascade(
      spec({ fallbackStream: sealed('rtmp://backup.example/live/key2'), fallbackImage: sealed('https://cdn.example/brb.png') }),
      defaultBackground,
    );
    expect(levels.map((l) => [l.type, l.input.kind])).toEqual([
      ['primary_stream', 'camera'],
      ['fallback_stream', 'stream'],
      ['fallback_image', 'image'],
      ['default', 'default-file'],
      ['black', 'black'],
    ]);
    expect(levels.map((l) => l.label).join(' ')).not.toContain('key2');
  });

  it('reads a fallback stream that names one of our cameras as that camera, labelled by its id (never its key)', () => {
    const backup = sealed('rtmp://ingest.example:1935/live/camkey2');
    const levels = buildCascade(spec({ fallbackStream: backup }), '', (url) => (url.enc === backup.enc ? 'cam-2' : null));
    expect(levels[1]).toEqual({ type: 'fallback_stream', input: { kind: 'camera', cameraId: 'cam-2' }, label: 'camera:cam-2' });
    expect(buildCascade(spec({ fallbackStream: sealed('rtmp://other.example/live/x') }), '', () => null)[1].input.kind).toBe('stream');
  });

  it('skips what is not configured and a default background that does not exist; black is always there', () => {
    expect(buildCascade(spec({}), '/nonexistent/default.mp4').map((l) => l.type)).toEqual(['primary_stream', 'black']);
  });

  it('uses backgroundVideoUrl as the primary video of audio-only broadcasts, looped when it is a file', () => {
    const levels = buildCascade(
      spec({ sourceType: BroadcastSourceType.GameAudio, video: { kind: 'none' }, audio: sealed('rtmp://game/audio/a'), backgroundVideo: sealed('/srv/loop.mp4') }),
      '',
    );
    expect(levels.map((l) => [l.type, l.input.kind])).toEqual([
      ['primary_stream', 'file'],
      ['black', 'black'],
    ]);
  });

  it('recognises the same level across an update only when its input is unchanged', () => {
    const before = buildCascade(spec({ fallbackImage: sealed('/srv/a.png') }), '');
    const same = buildCascade(spec({ fallbackImage: sealed('/srv/a.png'), revision: 2 }), '');
    const changed = buildCascade(spec({ fallbackImage: sealed('/srv/b.png') }), '');
    expect(sameLevel(before[1], same[1])).toBe(true);
    expect(sameLevel(before[1], changed[1])).toBe(false);
    expect(sameLevel(before[0], before[1])).toBe(false);
  });
});
