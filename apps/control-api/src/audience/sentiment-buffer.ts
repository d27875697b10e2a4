import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { type BufferedSentimentEntry, SessionKeys } from '@lib-stream/contracts';
import { PulseSettings, REDIS, SentimentSettings, luaScript } from '@lib-stream/nest-kit';
import { type SentimentEntry, toSentimentEntry } from '@lib-stream/privacy';

import { RedisMicroBatch } from './redis-micro-batch';

// Buffer, rate window and counters in one round trip; the limit is checked before anything is stored.
const PUSH = `
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], 2) end
if count > tonumber(ARGV[2]) then
  redis.call('HINCRBY', KEYS[3], 'shed', 1)
  return 0
end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'accepted', 1)
redis.call('HINCRBY', KEYS[3], 'category:' .. ARGV[4], 1)
return 1`;

// PUSH, only while the link's active-session claim (KEYS[4]) still names this session (ARGV[5]) and its
// record (KEYS[5]) exists: the webhook path's session check and buffer write in one round trip.
const PUSH_IF_ACTIVE = luaScript(`
if redis.call('GET', KEYS[4]) ~= ARGV[5] or redis.call('EXISTS', KEYS[5]) == 0 then return -1 end
${PUSH}`);

// PUSH_IF_ACTIVE behind a webhook's replay guard (KEYS[6] set NX for ARGV[6] ms): a delivery seen before
// (on any replica) returns -2 and changes nothing. Guard, session check and write: one round trip.
const GUARDED_PUSH_IF_ACTIVE = luaScript(`
if not redis.call('SET', KEYS[6], '1', 'PX', ARGV[6], 'NX') then return -2 end
if redis.call('GET', KEYS[4]) ~= ARGV[5] or redis.call('EXISTS', KEYS[5]) == 0 then return -1 end
${PUSH}`);

// A chat message below the confidence floor: counted (only while the session is the link's active one, as above),
// never buffered.
const COUNT_NO_SENTIMENT = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] or redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
redis.call('HINCRBY', KEYS[1], 'noSentiment', 1)
return 1`;
const COUNT_NO_SENTIMENT_IF_ACTIVE = luaScript(COUNT_NO_SENTIMENT);
// The same behind a replay guard (KEYS[4], ARGV[2] ms), as GUARDED_PUSH_IF_ACTIVE.
const GUARDED_COUNT_NO_SENTIMENT_IF_ACTIVE = luaScript(`
if not redis.call('SET', KEYS[4], '1', 'PX', ARGV[2], 'NX') then return -2 end
${COUNT_NO_SENTIMENT}`);

/** What pushIfActive did: buffered, shed by the burst limit, or nothing (the session is not the link's active one). */
export type PushOutcome = 'buffered' | 'shed' | 'inactive';

/** A webhook delivery's replay guard: its key (set NX) and how long it is kept, in ms. */
export interface ReplayGuardKey {
  key: string;
  ttlMs: number;
}

/** What a guarded write did: PushOutcome, no_sentiment (counted, not buffered), or duplicate (seen before: nothing changed). */
export type GuardedOutcome = PushOutcome | 'no_sentiment' | 'duplicate';

/** Backstop TTL in ms of a session's buffer key, given the pulse interval in ms: an hour, or three intervals if that is longer. */
export function bufferKeyTtlMs(intervalMs: number): number {
  return Math.max(3_600_000, intervalMs * 3);
}

/**
 * The sentiment buffer (store `stream-sentiment-buffer`): a Redis list per session holding only the
 * anonymous entry fields; an entry lives twice the pulse interval. Burst protection is per session and per
 * second across all replicas; what it sheds is counted, never silently lost. Its scripts count into the
 * session's counters, which the session's status reads (sessions/session-counters.ts).
 */
@Injectable()
export class SentimentBuffer {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly sentiment: SentimentSettings,
    private readonly batch: RedisMicroBatch,
    private readonly pulse: PulseSettings,
  ) {}

  /** True when buffered, false when shed by the burst limit. */
  async push(platformSessionId: string, entry: SentimentEntry): Promise<boolean> {
    const { keys, args } = this.pushCall(platformSessionId, entry);
    return (await this.redis.eval(PUSH, keys.length, ...keys, ...args)) === 1;
  }

  /**
   * push, for a webhook delivery to a link: only while `platformSessionId` is still the link's active
   * session (checked in the same script), in the micro-batch of concurrent deliveries.
   */
  async pushIfActive(linkId: string, platformSessionId: string, entry: SentimentEntry): Promise<PushOutcome> {
    const { keys, args } = this.pushCall(platformSessionId, entry);
    const result = await this.batch.script(PUSH_IF_ACTIVE, [...keys, SessionKeys.activeByLink(linkId), SessionKeys.session(platformSessionId)], [...args, platformSessionId]);
    return result === 1 ? 'buffered' : result === 0 ? 'shed' : 'inactive';
  }

  /**
   * pushIfActive (entry) or countNoSentimentIfActive (null), behind the delivery's replay guard, in one
   * script: 'duplicate' when the guard was set already (nothing else is done); otherwise the guard is set,
   * also when the session turns out not to be the link's active one ('inactive').
   */
  async writeIfFresh(guard: ReplayGuardKey, linkId: string, platformSessionId: string, entry: SentimentEntry | null): Promise<GuardedOutcome> {
    const claim = [SessionKeys.activeByLink(linkId), SessionKeys.session(platformSessionId)];
    if (entry === null) {
      const result = await this.batch.script(GUARDED_COUNT_NO_SENTIMENT_IF_ACTIVE, [SessionKeys.stats(platformSessionId), ...claim, guard.key], [platformSessionId, guard.ttlMs]);
      return result === 1 ? 'no_sentiment' : result === -2 ? 'duplicate' : 'inactive';
    }
    const { keys, args } = this.pushCall(platformSessionId, entry);
    const result = await this.batch.script(GUARDED_PUSH_IF_ACTIVE, [...keys, ...claim, guard.key], [...args, platformSessionId, guard.ttlMs]);
    return result === 1 ? 'buffered' : result === 0 ? 'shed' : result === -2 ? 'duplicate' : 'inactive';
  }

  /** Counts a message with no sentiment for the session's status. */
  async countNoSentiment(platformSessionId: string): Promise<void> {
    await this.redis.hincrby(SessionKeys.stats(platformSessionId), 'noSentiment', 1);
  }

  /** countNoSentiment, only while `platformSessionId` is still the link's active session; false when it is not. */
  async countNoSentimentIfActive(linkId: string, platformSessionId: string): Promise<boolean> {
    const keys = [SessionKeys.stats(platformSessionId), SessionKeys.activeByLink(linkId), SessionKeys.session(platformSessionId)];
    return (await this.batch.script(COUNT_NO_SENTIMENT_IF_ACTIVE, keys, [platformSessionId])) === 1;
  }

  private pushCall(platformSessionId: string, entry: SentimentEntry): { keys: string[]; args: string[] } {
    // Rebuilt through the privacy guard: nothing but the four anonymous fields can get in.
    const safe = toSentimentEntry(entry);
    // Field by field, not `{ ...safe, at }`: a spread copy is an object JSON.stringify serialises
    // ~1 µs slower (a node 20 micro-benchmark, on every webhook delivery); the same JSON either way.
    const buffered: BufferedSentimentEntry = { category: safe.category, intensity: safe.intensity, trackingId: safe.trackingId, viewerType: safe.viewerType, at: Date.now() };
    return {
      keys: [SessionKeys.buffer(platformSessionId), SessionKeys.rate(platformSessionId, Math.floor(Date.now() / 1000)), SessionKeys.stats(platformSessionId)],
      args: [
        JSON.stringify(buffered),
        String(this.sentiment.maxEntriesPerSecond),
        // Entries older than 2x the interval are expired (and counted) by the pulse publisher; the key's
        // own TTL is only the backstop for a session nobody drains any more. It must outlast a Redis
        // outage or failover (the TTL keeps running while clients cannot reach Redis): a key that
        // expired then would lose its entries without anyone counting them.
        String(bufferKeyTtlMs(this.pulse.intervalMs)),
        safe.category,
      ],
    };
  }
}
