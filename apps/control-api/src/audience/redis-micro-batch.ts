import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { type LuaScript, REDIS, isNoScript } from '@lib-stream/nest-kit';

type Arg = string | number | Buffer;
interface Pending {
  command: string;
  args: Arg[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Sends the Redis commands that concurrent webhook deliveries issue during one turn of the event loop
 * as one pipeline: one socket write (and one read) for the lot instead of one per command. Under a chat
 * burst the per-command write was the largest single cost of a delivery (bench:webhook, --cpu-prof);
 * ioredis' own auto-pipelining flushes on process.nextTick, i.e. after each request, so it never
 * batches across requests. Commands keep their order and their own results and errors.
 */
@Injectable()
export class RedisMicroBatch {
  private queue: Pending[] = [];

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  call(command: string, ...args: Arg[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // setImmediate runs after every I/O callback of this turn: the requests that arrived together.
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ command, args, resolve, reject });
    });
  }

  /** A Lua script by its SHA1 (sent in full only when Redis does not know it yet, e.g. after a restart). */
  async script(script: LuaScript, keys: string[], args: Arg[]): Promise<unknown> {
    try {
      return await this.call('evalsha', script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return this.call('eval', script.source, keys.length, ...keys, ...args);
    }
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.redis
      .pipeline(batch.map(({ command, args }) => [command, ...args]))
      .exec()
      .then(
        (results) =>
          batch.forEach((pending, i) => {
            const [error, value] = results?.[i] ?? [new Error('Redis returned no result for a pipelined command'), null];
            if (error) pending.reject(error);
            else pending.resolve(value);
          }),
        (error: unknown) => batch.forEach((pending) => pending.reject(error)),
      );
  }
}
