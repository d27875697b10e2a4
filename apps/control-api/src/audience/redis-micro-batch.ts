import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { type LuaScript, REDIS, luaScript, runScript } from '@lib-stream/nest-kit';

type Arg = string | number | Buffer;
interface Settle {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
interface PendingCall extends Settle {
  command: string;
  args: Arg[];
}
interface PendingScript extends Settle {
  script: LuaScript;
  keys: string[];
  args: Arg[];
}

/**
 * Sends the Redis work that concurrent webhook deliveries issue during one turn of the event loop in
 * one socket write: plain commands as one pipeline, and every script call of the turn as ONE EVALSHA
 * of a dispatcher script that runs each call in turn (see dispatcher()). Under a chat burst the
 * per-command client cost was the largest single cost of a delivery (bench:webhook, --cpu-prof):
 * ioredis builds a Command, a promise and a reply parse per command — about 23 µs of client CPU per
 * pipelined EVALSHA against 10 µs per call folded into one dispatcher EVALSHA (50 calls a batch,
 * measured on this machine). ioredis' own auto-pipelining flushes on process.nextTick, i.e. after each
 * request, so it never batches across requests. Each call keeps its own result and its own error,
 * except an error with which Redis refuses every write (WRITE_REFUSALS): it fails the whole batch.
 */
@Injectable()
export class RedisMicroBatch {
  private calls: PendingCall[] = [];
  private scripts: PendingScript[] = [];
  private scheduled = false;
  /** Dispatchers by the SHA1s of the scripts they hold, in SHA order. */
  private readonly dispatchers = new Map<string, LuaScript>();
  /** SHA1s of the dispatchers whose source this client has sent to Redis. */
  private readonly sent = new Set<string>();

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** One Redis command, in this turn's pipeline. Resolves its reply; rejects with its error. */
  call(command: string, ...args: Arg[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.schedule();
      this.calls.push({ command, args, resolve, reject });
    });
  }

  /**
   * A Lua script with its keys and arguments, in this turn's dispatcher call. Resolves the script's
   * reply; rejects with the error the script raised (the other calls of the batch are not affected).
   * The calls of one batch run together, atomically, in the order they were made.
   */
  script(script: LuaScript, keys: string[], args: Arg[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.schedule();
      this.scripts.push({ script, keys, args, resolve, reject });
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after every I/O callback of this turn: the requests that arrived together.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const calls = this.calls;
    const scripts = this.scripts;
    this.calls = [];
    this.scripts = [];
    this.scheduled = false;
    if (scripts.length > 0) void this.runScripts(scripts);
    if (calls.length === 0) return;
    this.redis
      .pipeline(calls.map(({ command, args }) => [command, ...args]))
      .exec()
      .then(
        (results) =>
          calls.forEach((pending, i) => {
            const [error, value] = results?.[i] ?? [new Error('Redis returned no result for a pipelined command'), null];
            if (error) pending.reject(error);
            else pending.resolve(value);
          }),
        (error: unknown) => calls.forEach((pending) => pending.reject(error)),
      );
  }

  private async runScripts(batch: PendingScript[]): Promise<void> {
    // In SHA order: one dispatcher per set of scripts, whatever order the batch's calls came in.
    const distinct = [...new Set(batch.map((call) => call.script))].sort((a, b) => (a.sha < b.sha ? -1 : 1));
    const dispatcher = this.dispatcherFor(distinct);
    const keys: string[] = [];
    const args: Arg[] = [batch.length];
    const body: Arg[] = [];
    for (const call of batch) {
      keys.push(...call.keys);
      args.push(distinct.indexOf(call.script) + 1, call.keys.length, call.args.length);
      body.push(...call.args);
    }
    // A dispatcher's first call sends its source (EVAL caches it): EVALSHA would get NOSCRIPT and a second
    // round trip, and a later batch with a known dispatcher could run before it (out of arrival order).
    const first = !this.sent.has(dispatcher.sha);
    this.sent.add(dispatcher.sha);
    let replies: unknown;
    try {
      replies = first
        ? await this.redis.eval(dispatcher.source, keys.length, ...keys, ...args, ...body)
        : await runScript(this.redis, dispatcher, keys, [...args, ...body]);
    } catch (error) {
      batch.forEach((call) => call.reject(error));
      return;
    }
    batch.forEach((call, i) => {
      const reply = (replies as unknown[][] | null)?.[i];
      if (!Array.isArray(reply)) call.reject(new Error('Redis returned no result for a batched script call'));
      // A script's own error reply (redis.error_reply) arrives as an Error inside the array.
      else if (reply[1] instanceof Error) call.reject(reply[1]);
      else if (reply[0] === 1) call.resolve(reply[1] ?? null);
      else call.reject(new Error(String(reply[1])));
    });
  }

  private dispatcherFor(scripts: LuaScript[]): LuaScript {
    const id = scripts.map((script) => script.sha).join(',');
    let dispatcher = this.dispatchers.get(id);
    if (!dispatcher) {
      dispatcher = luaScript(dispatcherSource(scripts));
      this.dispatchers.set(id, dispatcher);
    }
    return dispatcher;
  }
}

/**
 * Errors with which this Redis refuses every write for now: a primary demoted by a failover (READONLY),
 * a replica cut off from its primary (MASTERDOWN), a failed save (MISCONF), too few replicas
 * (NOREPLICAS). Alone, a script meeting one failed with it as Redis's reply: ioredis' reconnectOnError
 * moves to the new primary and resends on READONLY and MASTERDOWN, and classifyOutage answers 503. The
 * dispatcher therefore fails as a whole with such an error rather than handing it to one call; no call
 * of the batch can have written anything, so resending the batch is safe.
 */
const WRITE_REFUSALS = ['READONLY', 'MASTERDOWN', 'MISCONF', 'NOREPLICAS'] as const;

/**
 * A script that runs several calls of the given scripts. Each script's source becomes a function of
 * (KEYS, ARGV), so its own KEYS[n] and ARGV[n] mean what they meant alone. ARGV: the number of calls,
 * then (script number from 1, key count, argument count) per call, then every call's arguments in
 * order; KEYS: every call's keys in order. Replies one {1, reply} or {0, error message} per call: a
 * call that raises an error (pcall) does not stop the others, except a WRITE_REFUSALS error, which is
 * the whole dispatcher's reply.
 */
function dispatcherSource(scripts: LuaScript[]): string {
  const functions = scripts.map((script, i) => `scripts[${i + 1}] = function(KEYS, ARGV)\n${script.source}\nend`).join('\n');
  return `local scripts = {}
local REFUSALS = {${WRITE_REFUSALS.map((code) => `'${code} '`).join(', ')}}
${functions}
local count = tonumber(ARGV[1])
local key, arg = 1, 2 + 3 * count
local replies = {}
for call = 1, count do
  local header = 2 + 3 * (call - 1)
  local keyCount, argCount = tonumber(ARGV[header + 1]), tonumber(ARGV[header + 2])
  local keys, args = {}, {}
  for i = 1, keyCount do keys[i] = KEYS[key] key = key + 1 end
  for i = 1, argCount do args[i] = ARGV[arg] arg = arg + 1 end
  local ok, reply = pcall(scripts[tonumber(ARGV[header])], keys, args)
  if ok then replies[call] = {1, reply}
  else
    local message = tostring(type(reply) == 'table' and reply.err or reply)
    for _, refusal in ipairs(REFUSALS) do
      if string.sub(message, 1, #refusal) == refusal then return redis.error_reply(message) end
    end
    replies[call] = {0, message}
  end
end
return replies`;
}
