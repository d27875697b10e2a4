import type { Logger } from '@nestjs/common';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { readManifest } from './manifest';

const SWEEP_EVERY_MS = 60_000;
/** After a segment, a sweep runs at most this often (total size is checked as recordings grow). */
const SWEEP_SOON_MS = 5000;
/**
 * A recording with no `endedAt` that nobody has written to for this long was left by a worker that
 * died: it is finished too (a live one is written at least every segment, ≤ 600 s).
 */
const ABANDONED_AFTER_MS = 20 * 60_000;
/**
 * A finished recording last written less than this long ago is not deleted for size: its last
 * segments were announced moments ago and an uploader may not have fetched them yet. Should the disk
 * fill meanwhile, the disk guard stops recording (disk_low) rather than anything being lost.
 */
const UPLOAD_GRACE_MS = 10 * 60_000;

export interface RetentionOptions {
  /** STREAM_RECORDINGS_DIR. */
  dir: string;
  /** 0 = no age limit. */
  maxAgeMs: number;
  /** 0 = no size limit. */
  maxTotalBytes: number;
  /** Recording ids this worker is writing now: never deleted. */
  active: () => Set<string>;
  logger: Logger;
}

interface RecordingOnDisk {
  broadcastId: string;
  recordingId: string;
  path: string;
  bytes: number;
  /** Newest file time in its folder (epoch ms): when it was last written. */
  lastWrittenMs: number;
  finished: boolean;
}

/**
 * Retention of the recordings directory: finished recordings older than the age limit are deleted,
 * then the oldest finished ones while the directory holds more than the size limit (not one that
 * finished in the last UPLOAD_GRACE_MS). Whole recordings only (an editor never finds a recording
 * with holes in it), never one being written.
 */
export class RecordingRetention {
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<string[]> | null = null;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    if (!this.options.maxAgeMs && !this.options.maxTotalBytes) return;
    this.timer ??= setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    void this.sweep();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = this.soon = null;
  }

  /** A segment was written: sweep within SWEEP_SOON_MS (once, however many segments come meanwhile). */
  sweepSoon(): void {
    if (!this.timer || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.sweep();
    }, SWEEP_SOON_MS);
  }

  /** One pass; resolves with the deleted recordings' paths relative to the directory. Never throws. */
  sweep(now = Date.now()): Promise<string[]> {
    this.running ??= this.pass(now)
      .catch((error: Error) => {
        this.options.logger.warn({ msg: 'recording retention failed', reason: error.message });
        return [];
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async pass(now: number): Promise<string[]> {
    const { maxAgeMs, maxTotalBytes } = this.options;
    const recordings = await this.scan(now);
    const active = this.options.active();
    const deletable = recordings.filter((r) => r.finished && !active.has(r.recordingId)).sort((a, b) => a.lastWrittenMs - b.lastWrittenMs);
    const doomed = new Set<RecordingOnDisk>();
    if (maxAgeMs) for (const r of deletable) if (now - r.lastWrittenMs > maxAgeMs) doomed.add(r);
    if (maxTotalBytes) {
      let total = recordings.reduce((sum, r) => sum + (doomed.has(r) ? 0 : r.bytes), 0);
      for (const r of deletable) {
        if (total <= maxTotalBytes) break;
        if (doomed.has(r) || now - r.lastWrittenMs < UPLOAD_GRACE_MS) continue;
        doomed.add(r);
        total -= r.bytes;
      }
      if (total > maxTotalBytes) this.options.logger.warn({ msg: 'recordings being written or finished in the last 10 minutes exceed STREAM_RECORDINGS_MAX_TOTAL_MB; nothing else is left to delete', bytes: total });
    }
    const deleted: string[] = [];
    for (const r of doomed) {
      await rm(r.path, { recursive: true, force: true });
      await rmdir(join(this.options.dir, r.broadcastId)).catch(() => undefined); // only when empty
      deleted.push(join(r.broadcastId, r.recordingId));
    }
    if (deleted.length) this.options.logger.log({ msg: 'recordings deleted by retention', recordings: deleted.length, bytes: [...doomed].reduce((sum, r) => sum + r.bytes, 0) });
    return deleted;
  }

  private async scan(now: number): Promise<RecordingOnDisk[]> {
    const found: RecordingOnDisk[] = [];
    for (const broadcastId of await dirs(this.options.dir)) {
      for (const recordingId of await dirs(join(this.options.dir, broadcastId))) {
        const path = join(this.options.dir, broadcastId, recordingId);
        let bytes = 0;
        let lastWrittenMs = 0;
        for (const file of await readdir(path).catch(() => [] as string[])) {
          const info = await stat(join(path, file)).catch(() => null);
          if (!info?.isFile()) continue;
          bytes += info.size;
          lastWrittenMs = Math.max(lastWrittenMs, info.mtimeMs);
        }
        const manifest = await readManifest(path);
        const finished = manifest?.endedAt != null || now - lastWrittenMs > ABANDONED_AFTER_MS;
        found.push({ broadcastId, recordingId, path, bytes, lastWrittenMs, finished });
      }
    }
    return found;
  }
}

async function dirs(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}
