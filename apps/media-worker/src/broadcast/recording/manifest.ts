import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { RecordingStopReason } from '@lib-stream/contracts';

export const MANIFEST_FILE = 'manifest.json';

/** One complete segment of a recording. */
export interface ManifestSegment {
  /** 0-based within the recording; the file name carries it (`seg-00012.ts`). */
  sequence: number;
  file: string;
  /** Wall-clock time of its first frame (ISO-8601; anchored at the recording's first packet, so within a GOP). */
  startedAt: string;
  durationSeconds: number;
  sizeBytes: number;
}

/**
 * `<recordingsDir>/<broadcastId>/<recordingId>/manifest.json`: what an uploader or an editor reads to
 * find a recording's segments in order. Holds ids and times only, never a URL or a key.
 */
export interface RecordingManifest {
  broadcastId: string;
  recordingId: string;
  /** The recording this one continues (the same broadcast before a failover or a change), else null. */
  previousRecordingId: string | null;
  workerId: string;
  format: 'mpegts';
  segmentSeconds: number;
  startedAt: string;
  /** Null while it is being written (or when its worker died: then only the listed segments are complete). */
  endedAt: string | null;
  stopReason: RecordingStopReason | null;
  segments: ManifestSegment[];
}

/**
 * Writes the manifest atomically: a reader (an uploader polling the folder, retention) sees the old
 * or the new file whole, never half of one, also when the worker dies mid-write.
 */
export async function writeManifest(dir: string, manifest: RecordingManifest): Promise<void> {
  const temp = join(dir, `.${MANIFEST_FILE}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(temp, join(dir, MANIFEST_FILE));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The manifest in `dir`, or null when there is none or it is unreadable. */
export async function readManifest(dir: string): Promise<RecordingManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as RecordingManifest;
  } catch {
    return null;
  }
}
