import { createHmac, randomBytes } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import { SessionKeys } from '@lib-stream/contracts';
import { EncryptionSettings, type LuaScript, ReturnerSettings, luaScript } from '@lib-stream/nest-kit';
import { parseEncryptionKey } from '@lib-stream/stream-key';

import { RedisMicroBatch } from './redis-micro-batch';

/** Runs a Lua script in Redis (EVALSHA, falling back to EVAL) and resolves its reply. */
export type ScriptRunner = (script: LuaScript, keys: string[], args: (string | number)[]) => Promise<unknown>;

export interface ReturnerPeriods {
  /** Lifetime of one salt (ms): hashes made under different salts cannot be matched. */
  rotationMs: number;
  /** A seen-record is deleted this long (ms) after the viewer was last seen. */
  retentionMs: number;
}

/**
 * Makes the current salt when there is none (NX, expiring after one rotation period) and returns it
 * with its remaining lifetime: every replica uses the one salt Redis holds, and Redis's clock decides
 * when it ends. KEYS: salt. ARGV: candidate salt, rotation ms. Returns [salt, pttl ms].
 */
const CURRENT_SALT = luaScript(`
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
`);

/**
 * Records that a viewer (by hash) was seen in a session and says whether they had been seen in another
 * one before. The value is the first session's id, or `*` once a second session has seen them, so
 * replicas of the same session agree. The expiry restarts on every sighting and is capped, by Redis's own
 * clock, to the salt's remaining life, so no record outlives the salt that made it: as an absolute time
 * (PEXPIRETIME, PXAT: Redis 7.0), since a TTL read and then set again inside a script drifts by the
 * milliseconds between (Redis 7.0 does not freeze a script's clock; a CI run saw 1 ms). A hash made with a
 * salt that is no longer current is not written.
 * KEYS: seen-record, salt. ARGV: session id, retention ms, the salt the hash was made with.
 * Returns 1 for a returner, 0 for a first sighting, -1 when the salt has rotated meanwhile.
 */
const SEEN = luaScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return -1
end
local saltEnds = redis.call('PEXPIRETIME', KEYS[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ends = math.min(now + tonumber(ARGV[2]), saltEnds)
if saltEnds < 0 or ends <= now then
  return -1
end
local prev = redis.call('GET', KEYS[1])
if prev == ARGV[1] then
  redis.call('PEXPIREAT', KEYS[1], ends)
  return 0
end
if prev then
  redis.call('SET', KEYS[1], '*', 'PXAT', ends)
  return 1
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ends)
return 0
`);

interface Salt {
  /** As stored (base64), to check it is still the current one when writing. */
  value: string;
  key: Buffer;
  /** Local epoch ms until which it is used without asking Redis again. */
  expiresAt: number;
}

/** Salts shorter than this would make hashes guessable by brute force over the salt. */
const SALT_BYTES = 32;

/**
 * Cross-session memory for `Returner` tracking that stores no platform user id. A viewer is stored only
 * as HMAC-SHA256(HMAC-SHA256(pepper, salt), linkId + platformUserId) under a key that expires after the
 * retention; the pepper is a configured secret that is not in Redis. The salt
 * is random (never derived from any id), lives in Redis and expires at rotation, after which a new one is
 * made: the old salt is gone, so nobody can recompute or match the old hashes, and every viewer starts
 * again as new. Seen-records never outlive the salt that made them (their TTL is capped to its lifetime).
 */
export class ReturnerLedger {
  private salt: Salt | null = null;
  private loading: Promise<Salt> | null = null;

  /**
   * @param pepper a secret from the service's configuration, never stored in Redis: the HMAC key is
   *   HMAC-SHA256(pepper, salt), so a copy of Redis (salt and hashes) is not enough to test guessed ids.
   */
  constructor(
    private readonly run: ScriptRunner,
    private readonly periods: ReturnerPeriods,
    private readonly pepper: Buffer,
  ) {}

  /**
   * Records `platformUserId` as seen in `platformSessionId` of link `linkId`, and resolves true when the
   * same viewer of the same link was seen in another session within the retention and the current salt
   * period. Rejects when Redis does.
   */
  async seen(linkId: string, platformSessionId: string, platformUserId: string): Promise<boolean> {
    // A second try only when the salt rotated between reading it and writing: then it is read again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const salt = await this.currentSalt();
      const hash = createHmac('sha256', salt.key).update(`${linkId}\n${platformUserId}`).digest('base64url');
      const keys = [SessionKeys.returnerSeen(hash), SessionKeys.returnerSalt()];
      const reply = await this.run(SEEN, keys, [platformSessionId, this.periods.retentionMs, salt.value]);
      if (reply !== -1) return reply === 1;
      this.salt = null;
    }
    return false;
  }

  /** The salt in Redis, cached until it expires (one Redis round trip per rotation, per replica). */
  private async currentSalt(): Promise<Salt> {
    if (this.salt && this.salt.expiresAt > Date.now()) return this.salt;
    this.loading ??= this.loadSalt().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadSalt(): Promise<Salt> {
    const candidate = randomBytes(SALT_BYTES).toString('base64');
    const [value, pttl] = (await this.run(CURRENT_SALT, [SessionKeys.returnerSalt()], [candidate, this.periods.rotationMs])) as [string, number];
    const key = createHmac('sha256', this.pepper).update('lib-stream returner key\n').update(value).digest();
    this.salt = { value, key, expiresAt: Date.now() + Math.max(0, pttl) };
    return this.salt;
  }
}

/**
 * The ledger with the configured periods (STREAM_TRACKED_RETURNER_*_HOURS). Its scripts ride the webhook
 * deliveries' Redis pipeline (RedisMicroBatch), so a first sighting adds no socket write of its own.
 */
@Injectable()
export class ReturnerMemory extends ReturnerLedger {
  private readonly logger = new Logger('ReturnerMemory');
  /**
   * False when STREAM_TOKEN_ENCRYPTION_KEY is not a usable 32-byte key: without a secret outside Redis the
   * hashes could be tested against guessed ids by anyone holding a copy of Redis, so nothing is stored.
   */
  readonly enabled: boolean;

  constructor(batch: RedisMicroBatch, encryption: EncryptionSettings, returners: ReturnerSettings) {
    const pepper = parseEncryptionKey(encryption.tokenKey);
    super(
      (script, keys, args) => batch.script(script, keys, args),
      {
        rotationMs: returners.saltRotationMs,
        retentionMs: returners.retentionMs,
      },
      // The token encryption key: the service's secret that Redis never holds (domain-separated above).
      pepper ?? Buffer.alloc(0),
    );
    this.enabled = returners.enabled && pepper !== null;
    if (returners.enabled && !pepper) {
      this.logger.warn({ msg: 'Returner tracking is off: STREAM_TOKEN_ENCRYPTION_KEY is not a 32-byte key (64 hex chars or base64), and the hashes need it' });
    }
  }
}
