import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, Response } from 'express';

import { correlationMiddleware, currentCorrelationId, releaseCorrelationContextWhenIdle, withCorrelationId } from './correlation';

// Its own file: releaseCorrelationContextWhenIdle() holds for the rest of the process (the module).
// Whether the context is on shows in work a job leaves behind: it sees the job's id while the context
// is on, and none once it is off (Jest's own AsyncLocalStorage keeps promise hooks on in this process,
// so they cannot be looked at directly).

/** A callback that `leave()` (called inside a job) leaves behind; `run()` runs it later and gives the id it saw. */
function leftBehind(): { leave(): void; run(): Promise<string | undefined> } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let seen: Promise<string | undefined> = Promise.resolve('never left');
  return {
    leave: () => {
      seen = gate.then(() => currentCorrelationId());
    },
    run: () => {
      open();
      return seen;
    },
  };
}

/** Just enough of an Express response for the middleware: end() answers, emit('close') closes it. */
function fakeResponse(): Response & EventEmitter {
  const response = Object.assign(new EventEmitter(), {
    setHeader: () => undefined,
    writableEnded: false,
    end: () => {
      response.writableEnded = true;
      return response;
    },
  });
  return response as unknown as Response & EventEmitter;
}

describe('correlation context released when idle', () => {
  it('is switched off at once (something may have run with an id before)', async () => {
    const before = leftBehind();
    await withCorrelationId('before', () => {
      before.leave();
      return Promise.resolve();
    });
    releaseCorrelationContextWhenIdle();
    expect(await before.run()).toBeUndefined();
  });

  it('stays on while any job with an id runs, and is off once the last has settled', async () => {
    const fromSecond = leftBehind();
    const fromFirst = leftBehind();
    const seen: (string | undefined)[] = [];
    const first = withCorrelationId('job-1', async () => {
      await sleep(20);
      seen.push(currentCorrelationId());
      fromFirst.leave();
    });
    await withCorrelationId('job-2', async () => {
      await sleep(1);
      seen.push(currentCorrelationId());
      fromSecond.leave();
    });
    // job-1 still runs: what job-2 left behind still sees its id.
    expect(await fromSecond.run()).toBe('job-2');
    await first;
    expect(seen).toEqual(['job-2', 'job-1']);
    expect(await fromFirst.run()).toBeUndefined();
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('gives each job its own id across switching off and on again', async () => {
    for (const id of ['a', 'b', 'c']) {
      const after = leftBehind();
      expect(
        await withCorrelationId(id, async () => {
          await sleep(1);
          after.leave();
          return currentCorrelationId();
        }),
      ).toBe(id);
      expect(await after.run()).toBeUndefined();
    }
  });

  it('is switched off after work that failed, synchronously or not', async () => {
    const after = [leftBehind(), leftBehind(), leftBehind()];
    expect(() =>
      withCorrelationId('sync', () => {
        after[0].leave();
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(
      withCorrelationId('async', () => {
        after[1].leave();
        return Promise.reject(new Error('later'));
      }),
    ).rejects.toThrow('later');
    expect(
      withCorrelationId('plain', () => {
        after[2].leave();
        return currentCorrelationId();
      }),
    ).toBe('plain');
    expect(await Promise.all(after.map((work) => work.run()))).toEqual([undefined, undefined, undefined]);
  });

  it('holds the context for an HTTP request until its response is closed', async () => {
    const response = fakeResponse();
    const whileOpen = leftBehind();
    const afterClose = leftBehind();
    let inside: Promise<string | undefined> = Promise.resolve(undefined);
    const next: NextFunction = () => {
      whileOpen.leave();
      afterClose.leave();
      inside = (async () => {
        await sleep(5);
        return currentCorrelationId();
      })();
    };
    correlationMiddleware({ headers: { 'x-request-id': 'req-7' } } as unknown as Request, response, next);
    expect(await inside).toBe('req-7');
    expect(await whileOpen.run()).toBe('req-7');
    response.end();
    response.emit('close');
    expect(await afterClose.run()).toBeUndefined();
  });
});

describe('correlation context released when idle, over HTTP', () => {
  it('keeps the id for a handler still running after its client went away', async () => {
    const { createServer, request: httpRequest } = await import('node:http');
    releaseCorrelationContextWhenIdle();
    let aborted!: () => void;
    const clientGone = new Promise<void>((resolve) => (aborted = resolve));
    let seen: Promise<(string | undefined)[]> = Promise.resolve([]);
    const server = createServer((request, response) => {
      response.once('close', () => aborted());
      correlationMiddleware(request as unknown as Request, response as unknown as Response, () => {
        seen = (async () => {
          const before = currentCorrelationId();
          // Still working (a lock, a job) when the caller's timeout closes the connection.
          await clientGone;
          await sleep(5);
          const after = currentCorrelationId();
          response.end();
          return [before, after];
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const call = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { 'x-request-id': 'req-gone' } });
    call.on('error', () => undefined);
    call.end();
    await sleep(20);
    call.destroy();
    await clientGone;
    try {
      expect(await seen).toEqual(['req-gone', 'req-gone']);
      // Answered: the request no longer holds the context on.
      const later = leftBehind();
      await withCorrelationId('next', () => {
        later.leave();
        return Promise.resolve();
      });
      expect(await later.run()).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
