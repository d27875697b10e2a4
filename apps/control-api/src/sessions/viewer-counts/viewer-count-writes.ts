import type Redis from 'ioredis';

import { type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';

import type { ViewerUpdate } from './viewer-count-refresh';

/**
 * Sets viewerCount and raises peakViewerCount in the session record, atomically and only while the
 * record says active: a refresh racing an end or an associate can neither revive the session nor
 * undo the other write (a read-modify-write from Node could). Returns false, or the updated record
 * and the count it held before (-1 when it held none), so a change is told apart without a second read.
 */
const APPLY_VIEWER_COUNT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local session = cjson.decode(raw)
if session.state ~= 'active' then return false end
local count = tonumber(ARGV[1])
local previous = -1
if type(session.viewerCount) == 'number' then previous = session.viewerCount end
session.viewerCount = count
if type(session.peakViewerCount) ~= 'number' or session.peakViewerCount < count then session.peakViewerCount = count end
local out = cjson.encode(session)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return {out, previous}`;

/** One applied count: the record after the write and the count before it (null when it had none). */
export interface ViewerCountWrite {
  session: PlatformSessionModel;
  previousCount: number | null;
}

/** Applies the updates in one pipeline; per update the write, or null when the session is gone or ended. */
export async function writeViewerCounts(redis: Redis, updates: readonly ViewerUpdate[]): Promise<(ViewerCountWrite | null)[]> {
  if (updates.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const update of updates) pipeline.eval(APPLY_VIEWER_COUNT, 1, SessionKeys.session(update.platformSessionId), String(Math.max(0, Math.round(update.viewerCount))));
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    if (!Array.isArray(value)) return null;
    const [record, previous] = value as [string, number];
    return { session: JSON.parse(record) as PlatformSessionModel, previousCount: previous < 0 ? null : previous };
  });
}
