import type Redis from 'ioredis';

import { type PlatformSessionModel, SessionKeys } from '@lib-stream/contracts';

import type { ViewerUpdate } from './viewer-count-refresh';

/**
 * Sets viewerCount and raises peakViewerCount in the session record, atomically and only while the
 * record says active: a refresh racing an end or an associate can neither revive the session nor
 * undo the other write (a read-modify-write from Node could). Returns the updated record or false.
 */
const APPLY_VIEWER_COUNT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local session = cjson.decode(raw)
if session.state ~= 'active' then return false end
local count = tonumber(ARGV[1])
session.viewerCount = count
if type(session.peakViewerCount) ~= 'number' or session.peakViewerCount < count then session.peakViewerCount = count end
local out = cjson.encode(session)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return out`;

/** Applies the updates in one pipeline; per update the new record, or null when the session is gone or ended. */
export async function writeViewerCounts(redis: Redis, updates: readonly ViewerUpdate[]): Promise<(PlatformSessionModel | null)[]> {
  if (updates.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const update of updates) pipeline.eval(APPLY_VIEWER_COUNT, 1, SessionKeys.session(update.platformSessionId), String(Math.max(0, Math.round(update.viewerCount))));
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return typeof value === 'string' ? (JSON.parse(value) as PlatformSessionModel) : null;
  });
}
