import { existsSync } from 'node:fs';
import { basename } from 'node:path';

import { type BroadcastSpec, type SealedUrl, VideoSourceType } from '@lib-stream/contracts';

/** How a level's video is read. `url`s here are still sealed: they are opened only to build ffmpeg args. */
export type VideoInput =
  | { kind: 'camera'; cameraId: string }
  | { kind: 'stream'; url: SealedUrl }
  | { kind: 'file'; url: SealedUrl }
  | { kind: 'image'; url: SealedUrl }
  | { kind: 'default-file'; path: string }
  | { kind: 'black' };

export interface CascadeLevel {
  type: VideoSourceType;
  input: VideoInput;
  /** What status shows as `currentVideoSource` (never a key). */
  label: string;
}

const IMAGE = /\.(png|jpe?g|webp|bmp|gif)$/i;

/** Live RTMP sources are relayed; anything else with a URL is a file (or image) to loop. */
function inputFor(url: SealedUrl, hint: 'video' | 'image'): VideoInput {
  const path = url.masked.split('?')[0];
  if (/^rtmps?:\/\//i.test(url.masked)) return { kind: 'stream', url };
  if (hint === 'image' || IMAGE.test(path)) return { kind: 'image', url };
  return { kind: 'file', url };
}

/**
 * primary → fallbackStreamUrl → fallbackImageUrl → STREAM_DEFAULT_BACKGROUND_VIDEO → black.
 * Missing steps are skipped; black is always last because it cannot fail, which keeps the program
 * bus fed inside NMS's publish grace. A fallback stream that names one of our cameras (its ingest
 * URL, which plays nothing) is read as that camera, `cameraForUrl` telling which.
 */
export function buildCascade(spec: BroadcastSpec, defaultBackground: string, cameraForUrl: (url: SealedUrl) => string | null = () => null): CascadeLevel[] {
  const levels: CascadeLevel[] = [];
  if (spec.video.kind === 'camera') {
    levels.push({ type: VideoSourceType.PrimaryStream, input: { kind: 'camera', cameraId: spec.video.cameraId }, label: `camera:${spec.video.cameraId}` });
  } else if (spec.video.kind === 'url') {
    levels.push({ type: VideoSourceType.PrimaryStream, input: inputFor(spec.video.url, 'video'), label: spec.video.url.masked });
  } else if (spec.backgroundVideo) {
    levels.push({ type: VideoSourceType.PrimaryStream, input: inputFor(spec.backgroundVideo, 'video'), label: spec.backgroundVideo.masked });
  }
  if (spec.fallbackStream) {
    const cameraId = cameraForUrl(spec.fallbackStream);
    levels.push(
      cameraId
        ? { type: VideoSourceType.FallbackStream, input: { kind: 'camera', cameraId }, label: `camera:${cameraId}` }
        : { type: VideoSourceType.FallbackStream, input: inputFor(spec.fallbackStream, 'video'), label: spec.fallbackStream.masked },
    );
  }
  if (spec.fallbackImage) {
    levels.push({ type: VideoSourceType.FallbackImage, input: inputFor(spec.fallbackImage, 'image'), label: spec.fallbackImage.masked });
  }
  if (defaultBackground && existsSync(defaultBackground)) {
    levels.push({ type: VideoSourceType.Default, input: { kind: 'default-file', path: defaultBackground }, label: `default:${basename(defaultBackground)}` });
  }
  levels.push({ type: VideoSourceType.Black, input: { kind: 'black' }, label: 'black' });
  return levels;
}

/** Same input at the same place in the cascade: a running source for it can be kept across an update. */
export function sameLevel(a: CascadeLevel | undefined, b: CascadeLevel | undefined): boolean {
  if (!a || !b || a.type !== b.type || a.input.kind !== b.input.kind) return false;
  return JSON.stringify(a.input) === JSON.stringify(b.input);
}
