import type Redis from 'ioredis';

/**
 * Every Lua script of the broadcast protocol, registered on a connection with ioredis `defineCommand`
 * (EVALSHA, and EVAL only when Redis's script cache lost it). Keys and arguments are documented per
 * script; each script touches only the keys it is given.
 */
const SCRIPTS = {
  // KEYS: spec. ARGV: expected revision ('' = the spec must not exist), next spec JSON, channel, id.
  // Writes the next desired state only if nobody changed it since it was read, and announces it in
  // the same step, so the owner hears of exactly the revision that was written. 1 written, 0 not.
  broadcastChange: {
    numberOfKeys: 1,
    lua: `
local current = redis.call('get', KEYS[1])
if ARGV[1] == '' then
  if current then return 0 end
else
  if not current then return 0 end
  local ok, parsed = pcall(cjson.decode, current)
  if not ok or type(parsed) ~= 'table' or tonumber(parsed.revision) ~= tonumber(ARGV[1]) then return 0 end
end
redis.call('set', KEYS[1], ARGV[2], 'KEEPTTL')
redis.call('publish', ARGV[3], ARGV[4])
return 1`,
  },
  // KEYS: source claim, lease, spec, active set, all set. ARGV: id, worker, lease ms, spec JSON.
  // Claims the source (unless the broadcast holding it is no longer active), takes the lease, stores
  // the spec: all or nothing, so two workers can never both start the same source. 'ok', 'lease'
  // (the id is taken) or the id of the active broadcast holding the source.
  broadcastClaimNew: {
    numberOfKeys: 5,
    lua: `
local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] and redis.call('sismember', KEYS[4], holder) == 1 then return holder end
if redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3], 'NX') == false then return 'lease' end
redis.call('set', KEYS[1], ARGV[1])
redis.call('set', KEYS[3], ARGV[4])
redis.call('sadd', KEYS[4], ARGV[1])
redis.call('sadd', KEYS[5], ARGV[1])
return 'ok'`,
  },
  // KEYS: lease, spec, active set, all set, source claim. ARGV: worker, lease ms, id, spec JSON.
  // Renews the owner's lease. With no lease at all, Redis lost it or it lapsed with nobody adopting:
  // the owner takes it back, and if the broadcast's records are gone too (a flush or a restart without
  // persistence), it writes back what it knows, so a Redis loss never takes a broadcast off air.
  // 0 only when another worker holds the lease.
  broadcastRenew: {
    numberOfKeys: 5,
    lua: `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('exists', KEYS[2]) == 0 then
  redis.call('set', KEYS[2], ARGV[4])
  redis.call('sadd', KEYS[3], ARGV[3])
  redis.call('sadd', KEYS[4], ARGV[3])
  if redis.call('exists', KEYS[5]) == 0 then redis.call('set', KEYS[5], ARGV[3]) end
  return 3
end
return 2`,
  },
  // KEYS: lease. ARGV: gone worker, new worker, lease ms. Takes the lease only while the gone worker
  // still holds it (a compare-and-set: of two adopters, or an adopter and a lapse, exactly one wins).
  broadcastTakeOver: {
    numberOfKeys: 1,
    lua: `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`,
  },
  // KEYS: source claim, active set, all set, spec, runtime, lease. ARGV: id, worker.
  // Undoes broadcastClaimNew for a broadcast that never went on air (its source failed as it started).
  broadcastUnclaim: {
    numberOfKeys: 6,
    lua: `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('srem', KEYS[2], ARGV[1])
redis.call('srem', KEYS[3], ARGV[1])
redis.call('del', KEYS[4], KEYS[5])
if redis.call('get', KEYS[6]) == ARGV[2] then redis.call('del', KEYS[6]) end
return 1`,
  },
  // KEYS: lease. ARGV: worker. Releases the lease only if this worker still holds it.
  broadcastRelease: {
    numberOfKeys: 1,
    lua: `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`,
  },
  // KEYS: active set, source claim, spec, runtime, lease. ARGV: id, retention seconds.
  // Leaves the source free and the records to expire; the lease goes last so nobody adopts meanwhile.
  broadcastFinalize: {
    numberOfKeys: 5,
    lua: `
redis.call('srem', KEYS[1], ARGV[1])
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
redis.call('expire', KEYS[3], ARGV[2])
redis.call('expire', KEYS[4], ARGV[2])
redis.call('del', KEYS[5])
return 1`,
  },
  // KEYS: lease, runtime, active set, source claim, spec. ARGV: id, runtime JSON, retention seconds,
  // guard holder, guard ms. Finalizes a stopped broadcast nobody owns: only while there is still no
  // lease and no worker has recorded the stop, so the stop is recorded (and announced) once.
  broadcastFinalizeOwnerless: {
    numberOfKeys: 5,
    lua: `
if redis.call('exists', KEYS[1]) == 1 then return 'owned' end
local current = redis.call('get', KEYS[2])
if current then
  local ok, parsed = pcall(cjson.decode, current)
  if ok and type(parsed) == 'table' and type(parsed.stoppedAt) == 'string' then return 'stopped' end
end
redis.call('set', KEYS[1], ARGV[4], 'PX', ARGV[5])
redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('srem', KEYS[3], ARGV[1])
if redis.call('get', KEYS[4]) == ARGV[1] then redis.call('del', KEYS[4]) end
redis.call('expire', KEYS[5], ARGV[3])
return 'finalized'`,
  },
  // KEYS: a Bull job's hash. ARGV: field. Marks a job that exists (never creates a hash for one that does not).
  broadcastAbandonJob: {
    numberOfKeys: 1,
    lua: `if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], ARGV[1], '1') end return 0`,
  },
} as const;

export type BroadcastCommandName = keyof typeof SCRIPTS;

/** The scripts as commands of a connection: keys first, then arguments; resolves the script's reply. */
export type BroadcastCommands = Record<BroadcastCommandName, (...keysThenArgs: (string | number)[]) => Promise<unknown>>;

const registered = new WeakSet<Redis>();

/** The connection with the broadcast scripts defined on it (once per connection). */
export function broadcastCommands(redis: Redis): BroadcastCommands {
  if (!registered.has(redis)) {
    for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
    registered.add(redis);
  }
  return redis as unknown as BroadcastCommands;
}
