import type { Logger } from '@nestjs/common';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RecordingStopReason } from '@lib-stream/contracts';

import { Recorder } from './recorder';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

// Real directories: what matters is where nothing gets created.
describe('Recorder', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lib-stream-recorder-'));
    mkdirSync(join(root, 'recordings'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each(['../escaped', '..', '.', 'a/b', '/abs', '', 'x\0y'])('refuses the broadcast id %j as a folder name: stops with error, writes nothing anywhere', async (broadcastId) => {
    const stops: RecordingStopReason[] = [];
    const recorder = new Recorder({
      ffmpegPath: '/nonexistent/ffmpeg',
      ffprobePath: '/nonexistent/ffprobe',
      programUrl: 'rtmp://127.0.0.1:1/bus/x',
      recordingsDir: join(root, 'recordings'),
      broadcastId,
      workerId: 'w1',
      segmentSeconds: 2,
      previousRecordingId: null,
      minFreeBytes: 0,
      stallMs: 3000,
      restartOnFailure: false,
      maxRestarts: 0,
      logger: quiet,
      onSegment: () => undefined,
      onStopped: (reason) => stops.push(reason),
    });
    await recorder.start();
    expect(stops).toEqual(['error']);
    expect(recorder.state).toBe('stopped');
    expect(readdirSync(root)).toEqual(['recordings']);
    expect(readdirSync(join(root, 'recordings'))).toEqual([]);
  });
});
