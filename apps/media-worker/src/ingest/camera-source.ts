import { type BroadcastSpec, type SealedUrl, broadcastSourceKey } from '@lib-stream/contracts';

/**
 * A broadcast whose video source is a camera's own ingest URL (its key, however decorated: query
 * string, extra segments, percent-encoding) is a broadcast of that camera. It is read like one (the
 * ingest plays no key) and claims the camera's identity, so "one broadcast per camera" cannot be
 * side-stepped by naming the camera by a URL.
 */
export function asCameraSource(spec: BroadcastSpec, open: (url: SealedUrl) => string, cameraForUrl: (url: string) => string | null): BroadcastSpec {
  if (spec.video.kind !== 'url') return spec;
  let url: string;
  try {
    url = open(spec.video.url);
  } catch {
    return spec; // unreadable here: validation reports it
  }
  const cameraId = cameraForUrl(url);
  if (!cameraId) return spec;
  return { ...spec, video: { kind: 'camera', cameraId }, sourceKey: broadcastSourceKey({ cameraId }) };
}

/**
 * The camera whose key is a path segment of a URL (query ignored, percent-encoding undone), or null.
 * Keys are 256-bit random, so a match is that camera whatever host or port the URL names.
 */
export function cameraInUrl(url: string, cameraForKey: (key: string) => string | undefined): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  for (const segment of path.split('/')) {
    let candidate = segment;
    try {
      candidate = decodeURIComponent(segment);
    } catch {
      // not valid percent-encoding: compared as written
    }
    const cameraId = candidate ? cameraForKey(candidate) : undefined;
    if (cameraId) return cameraId;
  }
  return null;
}
