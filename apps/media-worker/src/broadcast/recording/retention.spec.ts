import type { Logger } from '@nestjs/common';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MANIFEST_FILE } from './manifest';
import { RecordingRetention } from './retention';

const HOUR = 3_600_000;
const MB = 1024 * 1024;
const quiet = { log: () => undefined, warn: () => undefined } as unknown as Logger;

// Real files in a temporary directory: what the sweep deletes is what is on disk.
describe('RecordingRetention', () => {
  let dir: string;
  const now = Date.now();

  /** A recording folder of `mb` MB last written `ageHours` ago; `ended`: its manifest has endedAt. */
  function recording(broadcastId: string, recordingId: string, { mb, ageHours, ended }: { mb: number; ageHours: number; ended: boolean }): string {
    const path = join(dir, broadcastId, recordingId);
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'seg-00000.ts'), Buffer.alloc(mb * MB));
    writeFileSync(join(path, MANIFEST_FILE), JSON.stringify({ broadcastId, recordingId, endedAt: ended ? new Date(now).toISOString() : null, segments: [] }));
    const at = (now - ageHours * HOUR) / 1000;
    for (const file of readdirSync(path)) utimesSync(join(path, file), at, at);
    return `${broadcastId}/${recordingId}`;
  }

  function retention(maxAgeHours: number, maxTotalMb: number, active: string[] = []): RecordingRetention {
    return new RecordingRetention({ dir, maxAgeMs: maxAgeHours * HOUR, maxTotalBytes: maxTotalMb * MB, active: () => new Set(active), logger: quiet });
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lib-stream-retention-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes finished recordings older than the age limit, whole, and their empty broadcast folder', async () => {
    const old = recording('b1', 'r-old', { mb: 1, ageHours: 10, ended: true });
    const recent = recording('b2', 'r-recent', { mb: 1, ageHours: 1, ended: true });
    expect(await retention(5, 0).sweep(now)).toEqual([old]);
    expect(existsSync(join(dir, 'b1'))).toBe(false);
    expect(existsSync(join(dir, recent))).toBe(true);
  });

  it('deletes the oldest finished recordings while the total is above the size limit, never one being written', async () => {
    recording('b1', 'r1', { mb: 2, ageHours: 5, ended: true });
    const writing = recording('b1', 'r2', { mb: 3, ageHours: 4, ended: false });
    recording('b2', 'r3', { mb: 2, ageHours: 3, ended: true });
    const newest = recording('b2', 'r4', { mb: 2, ageHours: 1, ended: true });
    // 9 MB, limit 5.5: r1 and r3 go (oldest finished first); r2 stays, this worker is writing it.
    expect(await retention(0, 5.5, ['r2']).sweep(now)).toEqual(['b1/r1', 'b2/r3']);
    expect(existsSync(join(dir, writing))).toBe(true);
    expect(existsSync(join(dir, newest))).toBe(true);
  });

  it('leaves a recording that finished moments ago to its uploader, however far the total is above the size limit', async () => {
    // Its last segment was announced a minute ago: deleting it now would pull it from under the uploader.
    const justEnded = recording('b1', 'r-just-ended', { mb: 3, ageHours: 1 / 60, ended: true });
    const older = recording('b2', 'r-older', { mb: 2, ageHours: 2, ended: true });
    expect(await retention(0, 1).sweep(now)).toEqual([older]);
    expect(existsSync(join(dir, justEnded))).toBe(true);
    // Once the grace is over it goes like any other.
    expect(await retention(0, 1).sweep(now + 11 * 60_000)).toEqual([justEnded]);
  });

  it('treats a recording without endedAt as finished once nobody wrote to it for 20 minutes (its worker died)', async () => {
    const abandoned = recording('b1', 'r-dead', { mb: 1, ageHours: 1, ended: false });
    const live = recording('b1', 'r-live', { mb: 1, ageHours: 0.1, ended: false });
    expect(await retention(0.5, 0).sweep(now)).toEqual([abandoned]);
    expect(existsSync(join(dir, live))).toBe(true);
  });

  it('keeps everything when no limit is set, and survives a missing directory', async () => {
    const kept = recording('b1', 'r1', { mb: 1, ageHours: 10_000, ended: true });
    expect(await retention(0, 0).sweep(now)).toEqual([]);
    expect(existsSync(join(dir, kept))).toBe(true);
    rmSync(dir, { recursive: true });
    expect(await retention(1, 1).sweep(now)).toEqual([]);
  });
});
