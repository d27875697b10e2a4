import type { INestApplication } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Redis from 'ioredis';

import { CameraKeys, type CameraRegistryEntry, InternalChannels } from '@lib-stream/contracts';
import { TokenCipher, generateStreamKey, hashStreamKey } from '@lib-stream/stream-key';
import { type EventuallyOptions, type FfmpegPublisher, type ReceivedEvent, dumpRedis, expectEventually, findLeaks, freePort, readFrameSizes, recordEvents, startRtmpPublisher, testRedisUrl } from '@lib-stream/testing';

import { registerCamera, startMediaWorker } from './media-worker.factory';

/** What control-api's camera endpoints write: the key hash index and a change notice to workers. */
const createdKeys: string[] = [];

async function createCamera(redis: Redis): Promise<{ cameraId: string; streamKey: string }> {
  const camera = await registerCamera(redis);
  createdKeys.push(camera.streamKey);
  return camera;
}

async function revokeKey(redis: Redis, cameraId: string, streamKey: string): Promise<void> {
  await redis.del(CameraKeys.keyIndex(hashStreamKey(streamKey)));
  await redis.publish(InternalChannels.CameraCredentials, JSON.stringify({ cameraId, keyHash: null, revokedKeyHash: hashStreamKey(streamKey) }));
}

/** Every file under a directory as `path\ncontent`, names included (NMS named files after stream paths). */
function dumpDir(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? `${path}\n${dumpDir(path)}` : `${path}\n${readFileSync(path, 'latin1')}`))
    .join('\n');
}

/** Every character percent-encoded: the key in a form a plain substring scan would miss. */
const percentEncoded = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** Whether a player gets any media from an RTMP URL (ffprobe, bounded). */
async function canPlay(url: string): Promise<boolean> {
  return (await readFrameSizes(url, { frames: 3, timeoutSeconds: 3 })).length > 0;
}

describe('camera ingest with node-media-server, FFmpeg publishers and Redis', () => {
  const encryptionKey = randomBytes(32);
  const redis = new Redis(testRedisUrl());
  let subscriber: Redis;
  const events: ReceivedEvent[] = [];
  const logLines: string[] = [];
  const publishers: FfmpegPublisher[] = [];
  const usedKeys: string[] = [];
  const dataDir = `${tmpdir()}/lib-stream-test-${process.pid}`;
  let app: INestApplication;
  let port: number;

  const url = (key: string) => `rtmp://127.0.0.1:${port}/live/${key}`;
  const publishTo = (target: string, size?: string) => {
    const publisher = startRtmpPublisher(target, { size });
    publishers.push(publisher);
    return publisher;
  };
  const publish = (key: string, size?: string) => publishTo(url(key), size);
  /** The URL the media plane reads the camera at, from its registry entry. */
  const readUrl = (entry: CameraRegistryEntry | null) => new TokenCipher(encryptionKey).decrypt(entry?.rtmpUrlEnc as string);
  const liveEntry = (cameraId: string, options?: EventuallyOptions) =>
    expectEventually(async () => {
      const entry = await registry(cameraId);
      expect(entry?.state).toBe('live');
      return entry as CameraRegistryEntry;
    }, options);
  const registry = async (cameraId: string) => {
    const raw = await redis.get(CameraKeys.registry(cameraId));
    return raw ? (JSON.parse(raw) as CameraRegistryEntry) : null;
  };
  const eventsFor = (cameraId: string, channel: string) => events.filter((e) => e.channel === channel && e.data.cameraId === cameraId);

  // What an earlier version's node-media-server store left on disk: publish history with keys.
  const oldHistoryKey = generateStreamKey();

  beforeAll(async () => {
    mkdirSync(join(dataDir, 'nms'), { recursive: true });
    writeFileSync(join(dataDir, 'nms', 'stream_history.json'), JSON.stringify([{ streamPath: `/live/${oldHistoryKey}`, name: oldHistoryKey }]));
    usedKeys.push(oldHistoryKey);
    port = await freePort();
    ({ app } = await startMediaWorker(
      {
        STREAM_RTMP_INGEST_PORT: String(port),
        STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey.toString('hex'),
        STREAM_MEDIA_WORKER_ADVERTISED_HOST: '127.0.0.1',
        STREAM_CAMERA_OFFLINE_GRACE_SECONDS: '4',
        STREAM_CAMERA_STALL_SECONDS: '2',
        STREAM_CAMERA_ANNOUNCE_TTL_SECONDS: '5',
        STREAM_DATA_DIR: dataDir,
      },
      logLines,
    ));
    subscriber = await recordEvents(events, ['camera.stream.started', 'camera.stream.ended']);
  });

  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop('SIGKILL')));
  });

  afterAll(async () => {
    await app?.close();
    await subscriber?.quit();
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts a valid key, registers the camera with its metadata and announces it', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const startedAt = Date.now();
    publish(streamKey);
    const entry = await expectEventually(async () => {
      const value = await registry(cameraId);
      expect(value?.state).toBe('live');
      return value as CameraRegistryEntry;
    });
    const startToLiveMs = Date.now() - startedAt;
    expect(startToLiveMs).toBeLessThan(5000);
    expect(entry).toMatchObject({
      source: 'ingest',
      workerId: expect.any(String),
      metadata: { videoCodec: 'h264', width: 320, height: 180, fps: 15, audioCodec: 'aac', audioSampleRate: 44100, audioChannels: 2 },
    });
    // The media plane reads the camera by id with a per-session credential, never by its key.
    expect(readUrl(entry)).toMatch(new RegExp(`^rtmp://127\\.0\\.0\\.1:${port}/cam/${cameraId}\\?read=[0-9a-f]{32}$`));
    await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.started')).toHaveLength(1));
    expect(eventsFor(cameraId, 'camera.stream.started')[0].data).toMatchObject({ source: 'ingest', metadata: { width: 320 } });
    expect(JSON.stringify(events)).not.toContain(streamKey);
    const frames = await readFrameSizes(readUrl(entry), { frames: 5 });
    expect(frames[0]).toBe('320,180');
  });

  it('refuses an unknown key before reading any of its media', async () => {
    const key = generateStreamKey();
    usedKeys.push(key);
    const publisher = publish(key);
    expect(await publisher.exited).not.toBe(0);
    expect(await readFrameSizes(url(key), { timeoutSeconds: 2 })).toEqual([]);
  });

  it('refuses a second publisher on a live key and leaves the first untouched', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const first = publish(streamKey, '640x360');
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    const second = publish(streamKey, '320x240');
    expect(await second.exited).not.toBe(0);
    const frames = await readFrameSizes(readUrl(await registry(cameraId)), { frames: 40 });
    expect(frames.length).toBeGreaterThan(10);
    expect(new Set(frames)).toEqual(new Set(['640,360']));
    expect(first.child.exitCode).toBeNull();
  });

  it('cuts a live publisher whose key is revoked and ends the camera at once', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const publisher = publish(streamKey);
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    await revokeKey(redis, cameraId, streamKey);
    expect(await publisher.exited).not.toBe(0);
    await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.ended')).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'key_revoked' }) })]));
    expect(await registry(cameraId)).toBeNull();
    const again = publish(streamKey);
    expect(await again.exited).not.toBe(0);
  });

  it('keeps a camera that reconnects within the grace live, without an ended event', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const first = publish(streamKey);
    const live = await expectEventually(async () => {
      const entry = await registry(cameraId);
      expect(entry?.state).toBe('live');
      return entry as CameraRegistryEntry;
    });
    await first.stop('SIGKILL');
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('reconnecting'));
    publish(streamKey);
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    await new Promise((resolve) => setTimeout(resolve, 4500));
    expect((await registry(cameraId))?.liveSince).toBe(live.liveSince);
    expect(eventsFor(cameraId, 'camera.stream.ended')).toEqual([]);
    expect(eventsFor(cameraId, 'camera.stream.started')).toHaveLength(1);
  });

  it('marks a camera offline after the grace when it does not come back', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    const publisher = publish(streamKey);
    await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('live'));
    const stoppedAt = Date.now();
    await publisher.stop('SIGTERM');
    await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.ended')).toHaveLength(1), { timeoutMs: 9000 });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(3900);
    expect(eventsFor(cameraId, 'camera.stream.ended')[0].data.reason).toBe('disconnected');
    expect(await registry(cameraId)).toBeNull();
  });

  describe('a frozen publisher (connection open, nothing sent) is a disconnect with the same grace', () => {
    it('resumes within the grace: live again, liveSince kept, no ended event, readable again', async () => {
      const { cameraId, streamKey } = await createCamera(redis);
      const publisher = publish(streamKey);
      const live = await liveEntry(cameraId);
      publisher.child.kill('SIGSTOP');
      try {
        await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('reconnecting'), { timeoutMs: 6000 });
      } finally {
        publisher.child.kill('SIGCONT');
      }
      const again = await liveEntry(cameraId);
      expect(again.liveSince).toBe(live.liveSince);
      await new Promise((resolve) => setTimeout(resolve, 4500));
      expect(eventsFor(cameraId, 'camera.stream.ended')).toEqual([]);
      expect(eventsFor(cameraId, 'camera.stream.started')).toHaveLength(1);
      expect(publisher.child.exitCode).toBeNull();
      expect((await readFrameSizes(readUrl(await registry(cameraId)), { frames: 5 })).length).toBeGreaterThan(0);
    });

    it('reconnects within the grace while the frozen connection still hangs: the new one takes over', async () => {
      const { cameraId, streamKey } = await createCamera(redis);
      const frozen = publish(streamKey);
      const live = await liveEntry(cameraId);
      frozen.child.kill('SIGSTOP');
      try {
        await expectEventually(async () => expect((await registry(cameraId))?.state).toBe('reconnecting'), { timeoutMs: 6000 });
        const second = publish(streamKey, '320x240');
        const again = await liveEntry(cameraId);
        expect(again.liveSince).toBe(live.liveSince);
        expect(again.sessionId).not.toBe(live.sessionId);
        await new Promise((resolve) => setTimeout(resolve, 4500));
        expect(eventsFor(cameraId, 'camera.stream.ended')).toEqual([]);
        expect(second.child.exitCode).toBeNull();
        expect(new Set(await readFrameSizes(readUrl(await registry(cameraId)), { frames: 5 }))).toEqual(new Set(['320,240']));
      } finally {
        frozen.child.kill('SIGCONT');
      }
    });

    it('neither resumes nor reconnects: ended after the grace, reason stalled', async () => {
      const { cameraId, streamKey } = await createCamera(redis);
      const publisher = publish(streamKey);
      await liveEntry(cameraId);
      publisher.child.kill('SIGSTOP');
      try {
        const reconnecting = await expectEventually(async () => {
          const entry = await registry(cameraId);
          expect(entry?.state).toBe('reconnecting');
          return entry as CameraRegistryEntry;
        }, { timeoutMs: 6000 });
        await expectEventually(() => expect(eventsFor(cameraId, 'camera.stream.ended')).toHaveLength(1), { timeoutMs: 8000 });
        const [ended] = eventsFor(cameraId, 'camera.stream.ended');
        expect(ended.data.reason).toBe('stalled');
        // Timed by the worker's own clock (the moment it marked the camera reconnecting), not by when
        // this test happened to look: the whole grace (4 s) went by first.
        expect(Date.parse(ended.data.timestamp as string) - Date.parse(reconnecting.lastSeenAt)).toBeGreaterThanOrEqual(3900);
        expect(await registry(cameraId)).toBeNull();
      } finally {
        publisher.child.kill('SIGCONT');
      }
      expect(await publisher.exited).not.toBe(0);
    });
  });

  it('registers a camera a game engine announces and expires it unless re-announced', async () => {
    const cameraId = `engine-cam-${randomBytes(3).toString('hex')}`;
    const engineUrl = `rtmp://game-engine.internal:1935/cams/${randomBytes(8).toString('hex')}`;
    await redis.publish('camera.stream.started', JSON.stringify({ pattern: 'camera.stream.started', data: { cameraId, rtmpUrl: engineUrl, metadata: { width: 1920, height: 1080 } } }));
    const entry = await expectEventually(async () => {
      const value = await registry(cameraId);
      expect(value).not.toBeNull();
      return value as CameraRegistryEntry;
    });
    expect(entry).toMatchObject({ source: 'engine', state: 'live', metadata: { width: 1920, height: 1080 } });
    expect(new TokenCipher(encryptionKey).decrypt(entry.rtmpUrlEnc as string)).toBe(engineUrl);
    expect(await redis.pttl(CameraKeys.registry(cameraId))).toBeLessThanOrEqual(5000);
    await redis.publish('camera.stream.ended', JSON.stringify({ pattern: 'camera.stream.ended', data: { cameraId } }));
    await expectEventually(async () => expect(await registry(cameraId)).toBeNull());
  });

  it('is publish-only: nobody plays a camera by its key; the read credential is per session', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    publish(streamKey);
    const entry = await liveEntry(cameraId);
    const plays = [
      url(streamKey),
      `${url(streamKey)}?x=1`,
      `rtmp://127.0.0.1:${port}/cam/${cameraId}`,
      `rtmp://127.0.0.1:${port}/cam/${cameraId}?read=${'0'.repeat(32)}`,
      `rtmp://127.0.0.1:${port}/cam/${cameraId}?read=${streamKey}`,
      `rtmp://127.0.0.1:${port}/cam/${streamKey}`,
    ];
    const results = await Promise.all(plays.map(canPlay));
    expect(results).toEqual(plays.map(() => false));
    // The same ffprobe does read the camera with the credential, so the refusals above are real.
    expect(await canPlay(readUrl(entry))).toBe(true);
    expect(logLines.join('')).toContain('the ingest is publish-only');
  });

  it('names the codecs a publisher reports (FLV ids as node-media-server 4.4.3 stores them)', async () => {
    const { cameraId, streamKey } = await createCamera(redis);
    // FLV's Sorenson H.263 (id 2) and MP3 (id 2): the pair that used to show as codec-2.
    const child = spawn(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15', '-f', 'lavfi', '-i', 'sine=sample_rate=44100',
        '-c:v', 'flv1', '-c:a', 'libmp3lame', '-ar', '44100', '-f', 'flv', url(streamKey)],
      { stdio: 'ignore' },
    );
    try {
      const entry = await liveEntry(cameraId);
      expect(entry.metadata).toMatchObject({ videoCodec: 'flv1', audioCodec: 'mp3', width: 320, height: 240 });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('keeps every camera key out of logs and files whatever path shape a publisher uses', async () => {
    const cameras = await Promise.all(Array.from({ length: 9 }, () => createCamera(redis)));
    const base = `rtmp://127.0.0.1:${port}`;
    const shapes: [string, (key: string) => string][] = [
      ['extra segment', (key) => `${base}/live/${key}/extra`],
      ['key as app', (key) => `${base}/${key}/live`],
      ['key in app and name', (key) => `${base}/live/${key}/${key}`],
      ['query string', (key) => `${base}/live/${key}?token=abc&x=${key}`],
      ['double slash', (key) => `${base}/live//${key}`],
      ['URL-encoded key', (key) => `${base}/live/${percentEncoded(key)}`],
      ['very long path', (key) => `${base}/live/${key}${'x'.repeat(3000)}`],
      ['dot suffix', (key) => `${base}/live/${key}.flv`],
      ['unknown app', (key) => `${base}/program/${key}`],
    ];
    const runs = shapes.map(([, shape], i) => publishTo(shape(cameras[i].streamKey), '160x120'));
    // Refused ones exit on their own; accepted ones (query string, dot suffix) are stopped below once
    // their camera is live. At most 6 s either way. The registry polls stop with the wait: a refused
    // camera's poll left running was still sending GETs at afterAll's QUIT, which the server then
    // answered with a reset that lost the QUIT's reply ('Connection is closed.', the suite failed).
    const stopPolling = new AbortController();
    const polls = cameras.map((camera) => liveEntry(camera.cameraId, { signal: stopPolling.signal }).catch(() => null));
    const refusedOrLive = runs.map((run, i) => Promise.race([run.exited, polls[i].then((entry): unknown => entry ?? run.exited)]));
    await Promise.race([Promise.all(refusedOrLive), new Promise((resolve) => setTimeout(resolve, 6000))]);
    stopPolling.abort();
    await Promise.all(runs.map((run) => run.stop('SIGKILL')));
    await Promise.all(polls);
    // node-media-server used to flush its publish history (stream names) to disk within 200 ms.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const log = logLines.join('');
    const keys = [...createdKeys, ...usedKeys];
    const secrets = [...keys, ...keys.map(percentEncoded), ...keys.map((key) => key.slice(3, 27))];
    expect(findLeaks({ logs: log, dataDir: dumpDir(dataDir), redis: await dumpRedis(redis), events: JSON.stringify(events) }, secrets)).toEqual({});
    // The shapes did reach node-media-server's path checks (so the scan above had something to find).
    expect(log).toContain('invalid stream path characters: app=****, name=****');
  });

  it('never logs a stream key, including node-media-server’s own lines', () => {
    const log = logLines.join('');
    expect(log).toContain('node-media-server');
    expect(log).toMatch(/\/live\/\*\*\*\*/);
    expect(log).not.toMatch(/sk_[A-Za-z0-9_-]{43}/);
  });

  // Last, so the refused publishes of the whole suite are older than node-media-server's 30 s publish
  // grace, after which its store used to write them (stream name = key) to stream_history.json.
  it('leaves no file with a key (or anything at all from node-media-server) under STREAM_DATA_DIR, old ones removed', () => {
    const files = dumpDir(dataDir);
    expect(findLeaks({ dataDir: files }, [...createdKeys, ...usedKeys])).toEqual({});
    expect(files).not.toContain('stream_history');
  });
});
