import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import NodeMediaServer from 'node-media-server';
import nmsLogger from 'node-media-server/src/core/logger.js';

import { type FfmpegPublisher, expectEventually, freePort, startRtmpPublisher } from '@lib-stream/testing';

import { SourceProbeError, probeSource } from './source-probe';

const FFPROBE = '/usr/bin/ffprobe';
const KEY = 'live_123_SECRETKEY';

async function waitForListening(port: number): Promise<void> {
  await expectEventually(
    () =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => {
          socket.destroy();
          resolve();
        }).on('error', reject);
      }),
    { timeoutMs: 5000, intervalMs: 20 },
  );
}

async function probeError(url: string, timeoutSeconds = 3, ffprobe = FFPROBE): Promise<SourceProbeError> {
  const error = await probeSource(ffprobe, url, timeoutSeconds).then(
    () => {
      throw new Error('expected the probe to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceProbeError);
  expect((error as Error).name).toBe('SourceProbeError');
  expect((error as Error).message).not.toContain('SECRETKEY');
  return error as SourceProbeError;
}

describe('probeSource with ffprobe, node-media-server 4.4.3 and an FFmpeg publisher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'source-probe-spec-'));
  const video = join(dir, 'clip.mp4');
  const image = join(dir, 'still.png');
  let nms: NodeMediaServer;
  let port: number;
  let publisher: FfmpegPublisher;

  beforeAll(async () => {
    const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args]);
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', video);
    ffmpeg('-f', 'lavfi', '-i', 'color=red:s=64x64', '-frames:v', '1', image);

    port = await freePort();
    nmsLogger.log = () => undefined; // NMS's banner and session chatter are not under test
    nms = new NodeMediaServer({ bind: '127.0.0.1', rtmp: { port }, http: {}, store: { path: join(dir, 'nms') } });
    await nms.run();
    await waitForListening(port);
    publisher = startRtmpPublisher(`rtmp://127.0.0.1:${port}/live/${KEY}`);
  });

  afterAll(async () => {
    await publisher?.stop('SIGKILL');
    await nms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads video and audio of a live RTMP stream', async () => {
    const probe = await expectEventually(async () => {
      const result = await probeSource(FFPROBE, `rtmp://127.0.0.1:${port}/live/${KEY}`, 3);
      expect(result.audio).not.toBeNull();
      return result;
    });
    expect(probe.video).toMatchObject({ codec: 'h264', width: 320, height: 180 });
    expect(probe.audio).toEqual({ codec: 'aac', sampleRate: 44100, channels: 2 });
    expect(probe.probeMs).toBeLessThan(3000);
  });

  it('reports a closed port as unreachable, fast', async () => {
    const closed = await freePort();
    const startedAt = Date.now();
    const error = await probeError(`rtmp://127.0.0.1:${closed}/live/${KEY}`);
    expect(error.reason).toBe('unreachable');
    expect(error.message).toBe(`Source rtmp://127.0.0.1:${closed}/live/**** is unreachable: Connection refused`);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it('gives up on a stream nobody publishes within the time limit', async () => {
    const startedAt = Date.now();
    const error = await probeError(`rtmp://127.0.0.1:${port}/live/live_456_SECRETKEY`, 2);
    expect(['timeout', 'unreachable']).toContain(error.reason);
    expect(Date.now() - startedAt).toBeLessThan(6000);
  });

  it('reads a local media file', async () => {
    const probe = await probeSource(FFPROBE, video, 3);
    expect(probe.video).toEqual({ codec: 'h264', width: 320, height: 240, fps: 25 });
    expect(probe.audio).toMatchObject({ codec: 'aac', sampleRate: 44100 });
  });

  it('reads an image as video without audio', async () => {
    const probe = await probeSource(FFPROBE, image, 3);
    expect(probe.video).toMatchObject({ codec: 'png', width: 64, height: 64 });
    expect(probe.audio).toBeNull();
  });

  it('reports a file that is not media as having no media', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a video');
    const error = await probeError(text);
    expect(error.reason).toBe('no_media');
    expect(error.message).toContain('Invalid data found');
  });

  it('reports a missing file as unreachable', async () => {
    const error = await probeError(join(dir, 'missing.mp4'));
    expect(error.reason).toBe('unreachable');
    expect(error.message).toContain('No such file or directory');
  });

  it('does not show the query string of an HTTP source', async () => {
    const closed = await freePort();
    const error = await probeError(`http://127.0.0.1:${closed}/clip.mp4?token=SECRETKEY`);
    expect(error.reason).toBe('unreachable');
    expect(error.message).toBe(`Source http://127.0.0.1:${closed}/clip.mp4 is unreachable: Connection refused`);
  });

  it('reads an HTTP source but follows no redirect (the policy checked only the host the URL names)', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/still.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(readFileSync(image));
      response.writeHead(302, { location: '/still.png' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port: httpPort } = server.address() as AddressInfo;
    try {
      expect((await probeSource(FFPROBE, `http://127.0.0.1:${httpPort}/still.png`, 3)).video).toMatchObject({ codec: 'png' });
      const error = await probeError(`http://127.0.0.1:${httpPort}/elsewhere.png`);
      expect(error.reason).toBe('unreachable');
    } finally {
      server.close();
    }
  });

  it('reports a missing ffprobe binary', async () => {
    const error = await probeError(`rtmp://127.0.0.1:${port}/live/${KEY}`, 3, join(dir, 'no-ffprobe'));
    expect(error.reason).toBe('ffprobe_missing');
  });
});
