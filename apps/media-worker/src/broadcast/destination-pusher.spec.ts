import type { Logger } from '@nestjs/common';

import type { DestinationChangeReason, DestinationSpec, DestinationState } from '@lib-stream/contracts';

import { DestinationPusher, type PusherOptions } from './destination-pusher';
import { ScriptedMediaProcesses } from './ffmpeg/scripted-processes';
import { backoff } from './restart-policy';

const PROGRAM = 'rtmp://127.0.0.1:1935/program/token';
const DESTINATION = 'rtmp://platform.example/live/secret-key-1';

function destination(url = DESTINATION): DestinationSpec {
  return { destinationId: 'dest-0001-aaaa', url: { enc: url, masked: url.replace(/[^/]+$/, '****') } };
}

function quietLogger(): Logger {
  return { log: jest.fn(), warn: jest.fn(), error: jest.fn() } as unknown as Logger;
}

describe('DestinationPusher against scripted ffmpeg processes', () => {
  let processes: ScriptedMediaProcesses;
  let changes: { previous: DestinationState | null; state: DestinationState; reason: DestinationChangeReason }[];
  let onFailed: jest.Mock;

  beforeEach(() => {
    jest.useFakeTimers();
    processes = new ScriptedMediaProcesses();
    changes = [];
    onFailed = jest.fn();
  });

  afterEach(() => {
    jest.useRealTimers();
    expect(processes.unscripted).toEqual([]);
  });

  function pusher(overrides: Partial<PusherOptions> = {}): DestinationPusher {
    const created: DestinationPusher = new DestinationPusher(destination(), {
      ffmpegPath: 'ffmpeg',
      programUrl: PROGRAM,
      destinationUrl: () => created.spec.url.enc,
      secrets: () => [created.spec.url.enc],
      stallMs: 8000,
      restartOnFailure: true,
      maxRestarts: 2,
      logger: quietLogger(),
      onFailed,
      onStateChange: (previous, reason) => changes.push({ previous, state: created.state, reason }),
      processes,
      ...overrides,
    });
    return created;
  }

  it('reads the program bus, writes the destination, and is live once bytes reach the platform', () => {
    const subject = pusher();
    subject.start();
    const process = processes.last('pusher');
    expect(process.options.args).toEqual(expect.arrayContaining([PROGRAM, DESTINATION]));
    expect(process.options.secrets).toEqual([DESTINATION]);
    expect(process.options.stallMs).toBe(8000);
    expect(subject.state).toBe('connecting');

    process.progress({ totalSizeBytes: 0 }); // connected, nothing sent yet: a refused publish looks like this
    expect(subject.state).toBe('connecting');
    process.progress({ totalSizeBytes: 4096 });
    expect(subject.state).toBe('live');
    expect(subject.runtime()).toMatchObject({ state: 'live', bytesSent: 4096, retryCount: 0, lastError: null });
    expect(changes).toEqual([
      { previous: null, state: 'connecting', reason: 'started' },
      { previous: 'connecting', state: 'live', reason: 'sending' },
    ]);
  });

  it('restarts a failed push after the backoff, counting the bytes of every attempt', async () => {
    const subject = pusher();
    subject.start();
    const first = processes.last('pusher');
    first.progress({ totalSizeBytes: 1000 });
    first.die('exited', { code: 1, lastError: 'Connection reset by peer' });

    expect(subject.state).toBe('retrying');
    expect(subject.runtime()).toMatchObject({ retryCount: 1, lastError: 'Connection reset by peer', liveSince: null });
    await jest.advanceTimersByTimeAsync(backoff(1) - 1);
    expect(processes.labelled('pusher')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(processes.labelled('pusher')).toHaveLength(2);

    const second = processes.last('pusher');
    second.progress({ totalSizeBytes: 500 });
    expect(subject.runtime()).toMatchObject({ state: 'live', bytesSent: 1500 });
    expect(changes.map((c) => `${c.state}:${c.reason}`)).toEqual(['connecting:started', 'live:sending', 'retrying:exited', 'live:sending']);
  });

  it('forgets its failures once it has kept sending for 2 s', async () => {
    const subject = pusher();
    subject.start();
    processes.last('pusher').die('stalled');
    await jest.advanceTimersByTimeAsync(backoff(1));
    const second = processes.last('pusher');
    second.progress({ totalSizeBytes: 100 });
    expect(subject.runtime()).toMatchObject({ state: 'live', retryCount: 1, lastError: 'pusher exited (stalled)' });

    await jest.advanceTimersByTimeAsync(1999);
    second.progress({ totalSizeBytes: 200 });
    expect(subject.runtime()).toMatchObject({ retryCount: 1 });
    await jest.advanceTimersByTimeAsync(1);
    second.progress({ totalSizeBytes: 300 });
    expect(subject.runtime()).toMatchObject({ state: 'live', retryCount: 0, lastError: null });
  });

  it('backs off 0.5 s, 1 s… and gives up after maxRestarts failures in a row', async () => {
    const subject = pusher({ maxRestarts: 2 });
    subject.start();
    processes.last('pusher').die('start_timeout');
    await jest.advanceTimersByTimeAsync(500);
    expect(processes.labelled('pusher')).toHaveLength(2);

    processes.last('pusher').die('exited', { lastError: 'Server returned 403 Forbidden' });
    await jest.advanceTimersByTimeAsync(999);
    expect(processes.labelled('pusher')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(processes.labelled('pusher')).toHaveLength(3);
    expect(onFailed).not.toHaveBeenCalled();

    processes.last('pusher').die('exited', { lastError: 'Server returned 403 Forbidden' });
    expect(subject.state).toBe('failed');
    expect(subject.runtime()).toMatchObject({ state: 'failed', retryCount: 2, lastError: 'Server returned 403 Forbidden' });
    expect(onFailed).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(processes.labelled('pusher')).toHaveLength(3);
    expect(changes.at(-1)).toEqual({ previous: 'retrying', state: 'failed', reason: 'exited' });
  });

  it('fails at the first exit when restarts are off', () => {
    const subject = pusher({ restartOnFailure: false });
    subject.start();
    processes.last('pusher').die('stalled');
    expect(subject.state).toBe('failed');
    expect(onFailed).toHaveBeenCalledTimes(1);
    expect(changes.at(-1)).toMatchObject({ state: 'failed', reason: 'stalled' });
  });

  it('reconnects to a new URL at once, with a fresh restart budget', async () => {
    const subject = pusher({ maxRestarts: 1 });
    subject.start();
    const first = processes.last('pusher');
    first.die('exited');
    await jest.advanceTimersByTimeAsync(backoff(1));
    const second = processes.last('pusher');

    await subject.reconnect(destination('rtmp://other.example/live/secret-key-2'));
    expect(second.stops).toHaveLength(1);
    expect(second.exit).toMatchObject({ requested: true, reason: 'requested' });
    const third = processes.last('pusher');
    expect(third.options.args).toContain('rtmp://other.example/live/secret-key-2');

    // The budget is fresh: one failure is retried although the old connection had used it up.
    third.die('exited');
    expect(subject.state).toBe('retrying');
    expect(onFailed).not.toHaveBeenCalled();
  });

  it('stops for good: the process is stopped, a pending retry is cancelled', async () => {
    const subject = pusher();
    subject.start();
    processes.last('pusher').die('exited');
    expect(subject.state).toBe('retrying');
    await subject.stop();
    expect(subject.state).toBe('stopped');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(processes.labelled('pusher')).toHaveLength(1);
    expect(changes.at(-1)).toEqual({ previous: 'retrying', state: 'stopped', reason: 'stopped' });
  });

  it('ignores the exit of a process it stopped itself', async () => {
    const subject = pusher();
    subject.start();
    const process = processes.last('pusher');
    process.progress({ totalSizeBytes: 10 });
    await subject.stop();
    expect(process.exit).toMatchObject({ requested: true });
    expect(subject.runtime()).toMatchObject({ state: 'stopped', retryCount: 0, lastError: null });
    expect(onFailed).not.toHaveBeenCalled();
  });
});
