import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type BroadcastSpec, broadcastSourceKey } from '@lib-stream/contracts';
import { testBroadcastSpec } from '@lib-stream/testing';

import { BroadcastRunner } from './broadcast-runner';

// No media here: the program bus and the destination point at a closed port and no camera is live,
// so what is checked is the runner's bookkeeping of the recording, not what reaches a platform.
describe('BroadcastRunner recording', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lib-stream-runner-recording-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function spec(record: BroadcastSpec['record'], revision = 1): BroadcastSpec {
    return testBroadcastSpec({
      broadcastId: '0b6f2a52-9d8c-4a59-8a43-2f1c8d9e7a10',
      video: { kind: 'camera', cameraId: 'cam-1' },
      destinations: [{ destinationId: randomUUID(), url: { enc: 'sealed', masked: 'rtmp://live.example.com/app/****' } }],
      record,
      audioBitrate: '64k',
      sourceKey: broadcastSourceKey({ cameraId: 'cam-1' }),
      revision,
    });
  }


  function runner(first: BroadcastSpec): BroadcastRunner {
    return new BroadcastRunner(first, new Date().toISOString(), {
      settings: {
        ffmpegPath: 'ffmpeg',
        ffprobePath: 'ffprobe',
        restartOnFailure: false,
        maxRestarts: 0,
        recoveryCheckMs: 60_000,
        defaultBackground: '/nonexistent/default.mp4',
        encode: { videoCodec: 'libopenh264', videoBitrate: '200k', audioCodec: 'aac', audioBitrate: '64k', width: 320, height: 180, fps: 15 },
      },
      open: () => 'rtmp://127.0.0.1:1/app/key',
      liveCamera: () => Promise.resolve(null),
      cameraForUrl: () => null,
      bus: { open: () => ({ token: 't', url: 'rtmp://127.0.0.1:1/bus/t' }), close: () => undefined, hasPublisher: () => true, forgetLastSource: () => undefined },
      onSourceChanged: () => undefined,
      onTerminal: () => undefined,
      recording: { dir, workerId: 'w1', minFreeBytes: 0, spaceRecheckMs: 10_000, onSegment: () => undefined, onStopped: () => undefined },
    });
  }

  it('applies a recording change that came while fenced once the lease is back', async () => {
    const broadcast = runner(spec(null));
    await broadcast.start();
    try {
      expect(broadcast.recording()).toBeNull();
      // Ownership unproven (Redis away a moment): an update to the recording arrives meanwhile.
      await broadcast.fence();
      await broadcast.apply(spec({ enabled: true, segmentSeconds: 4 }, 2));
      broadcast.unfence();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(broadcast.recording()).toMatchObject({ state: expect.any(String), segmentSeconds: 4 });
    } finally {
      await broadcast.stop();
    }
  });
});
