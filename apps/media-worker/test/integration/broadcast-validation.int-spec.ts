import { Logger } from '@nestjs/common';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import Redis from 'ioredis';

import { type BroadcastSpec, BroadcastSourceType, CameraKeys } from '@lib-stream/contracts';
import { BroadcastSettings, BroadcastTimingSettings, CipherProvider, EncryptionSettings, MediaSourceSettings, loadConfig } from '@lib-stream/nest-kit';
import { TokenCipher, maskMediaUrl } from '@lib-stream/stream-key';
import { type RtmpPlatform, expectEventually, freePort, startRtmpPlatform, testBroadcastSpec, testMediaEnv, testRedisUrl } from '@lib-stream/testing';

import { BroadcastValidator } from '../../src/broadcast/broadcast-validator';
import { sourceArgs } from '../../src/broadcast/ffmpeg/ffmpeg-args';
import { sdpInputUrl } from '../../src/broadcast/sdp-input';
import { checkVoiceApproved } from '../../src/broadcast/voice-event';
import { CameraRegistry } from '../../src/ingest/camera-registry';
import { IngestAllowList } from '../../src/ingest/ingest-allow-list';

// The validator as a worker runs it: real ffprobe (through a wrapper that records every call), a
// fake platform (node-media-server) as destination, real Redis (camera registry), a local HTTP server.
describe('broadcast validation: source and destination policy', () => {
  const key = randomBytes(32);
  const cipher = new TokenCipher(key);
  const dir = `${tmpdir()}/lib-stream-validation-${process.pid}`;
  const media = `${dir}/media`;
  const probeLog = `${dir}/ffprobe-calls.log`;
  const redis = new Redis(testRedisUrl());
  const cameraKey = `cam${randomBytes(8).toString('hex')}`;
  const httpHits: string[] = [];
  let platform: RtmpPlatform;
  let http: Server;
  let httpPort: number;
  let warnings: string[];

  const seal = (url: string) => ({ enc: cipher.encrypt(url), masked: maskMediaUrl(url) });
  const validator = (env: Record<string, string> = {}) => {
    const config = loadConfig({
      STREAM_REDIS_URL: testRedisUrl(),
      ...testMediaEnv(),
      STREAM_TOKEN_ENCRYPTION_KEY: key.toString('hex'),
      STREAM_FFPROBE_PATH: `${dir}/ffprobe`,
      STREAM_RTMP_PROBE_TIMEOUT_SECONDS: '3',
      STREAM_DEFAULT_BACKGROUND_VIDEO: `${media}/default.mp4`,
      ...env,
    });
    // An allow-list that is never started is empty: no URL here names a camera.
    return new BroadcastValidator(
      new BroadcastSettings(config),
      new CameraRegistry(redis),
      new CipherProvider(new EncryptionSettings(config)),
      new IngestAllowList(redis),
      new BroadcastTimingSettings(config),
      new MediaSourceSettings(config),
    );
  };
  const spec = (fields: Partial<BroadcastSpec>): BroadcastSpec =>
    testBroadcastSpec({
      sourceType: BroadcastSourceType.GameAudio,
      video: { kind: 'none' },
      destinations: [{ destinationId: randomUUID(), url: seal(platform.url('app', 'live_GOODKEY')) }],
      sourceKey: randomBytes(16).toString('hex'),
      createdBy: 'test-account',
      ...fields,
    });
  // Source-only checks leave destinations out: the fake platform is on loopback, refused by default.
  const refusal = (check: Promise<void>) => check.then(() => 'accepted', (error: Error) => error.message);
  const probes = () => (existsSync(probeLog) ? readFileSync(probeLog, 'utf8').trim().split('\n').filter(Boolean) : []);

  beforeAll(async () => {
    mkdirSync(media, { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'smptehdbars=size=320x180', '-frames:v', '1', `${media}/slate.png`]);
    writeFileSync(`${dir}/secret.mp4`, 'not for broadcast');
    symlinkSync(`${dir}/secret.mp4`, `${media}/escape.mp4`);
    writeFileSync(`${dir}/ffprobe`, `#!/bin/sh\necho "$*" >> ${probeLog}\nexec ffprobe "$@"\n`);
    chmodSync(`${dir}/ffprobe`, 0o755);
    platform = await startRtmpPlatform();
    httpPort = await freePort();
    http = createServer((request, response) => {
      httpHits.push(request.url ?? '');
      if (request.url === '/forbidden') response.writeHead(403).end('forbidden');
      else response.writeHead(200, { 'content-type': 'text/plain' }).end('root:x:0:0:root:/root:/bin/bash\n');
    });
    await new Promise<void>((resolve) => http.listen(httpPort, '127.0.0.1', resolve));
  }, 30_000);

  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(JSON.stringify(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await platform?.stop();
    await new Promise((resolve) => http?.close(resolve));
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never opens files outside the media directory: /etc/passwd, /proc/self/environ, /dev/zero, .. and symlink escapes', async () => {
    const check = validator();
    for (const path of ['/etc/passwd', '/proc/self/environ', '/dev/zero', `${media}/../secret.mp4`, `${media}/escape.mp4`]) {
      expect(await refusal(check.validateSpec(spec({ fallbackImage: seal(path) })))).toBe(`fallbackImageUrl: source ${path} is not allowed`);
    }
    expect(await refusal(check.validateSpec(spec({ audio: seal('/etc/passwd') })))).toBe('sourceId: source /etc/passwd is not allowed');
    expect(probes()).toEqual([]);
    // Inside the directory, the file is probed for real.
    expect(await refusal(check.validateSpec(spec({ fallbackImage: seal(`${media}/slate.png`), destinations: [] })))).toBe('accepted');
    expect(probes()).toHaveLength(1);
  }, 30_000);

  it('refuses http(s) sources on loopback and link-local hosts without a request, whatever the spelling', async () => {
    const check = validator();
    const before = probes().length;
    for (const url of [
      `http://127.0.0.1:${httpPort}/x.mp4`,
      `http://localhost:${httpPort}/x.mp4`,
      `http://2130706433:${httpPort}/x.mp4`,
      `http://[::ffff:127.0.0.1]:${httpPort}/x.mp4`,
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      expect(await refusal(check.validateSpec(spec({ backgroundVideo: seal(url) })))).toBe(`backgroundVideoUrl: source ${maskMediaUrl(url)} is not allowed`);
    }
    expect(await refusal(check.validateSpec(spec({ fallbackStream: seal(`rtmp://127.0.0.1:${platform.port}/other/x`) })))).toMatch(/^fallbackStreamUrl: source rtmp:\/\/127\.0\.0\.1:\d+\/other\/\*\*\*\* is not allowed$/);
    expect(httpHits).toEqual([]);
    expect(probes()).toHaveLength(before);
  }, 30_000);

  it('leaves cameras alone: they are read from the registry by id, their URL inside by design', async () => {
    const cameraId = randomUUID();
    const entry = { cameraId, state: 'live', rtmpUrlEnc: cipher.encrypt(platform.url('live', cameraKey)), metadata: {} };
    await redis.set(CameraKeys.registry(cameraId), JSON.stringify(entry), 'PX', 60_000);
    try {
      const cameraSpec = spec({ sourceType: BroadcastSourceType.Camera, video: { kind: 'camera', cameraId }, destinations: [] });
      expect(await refusal(validator().validateSpec(cameraSpec))).toBe('accepted');
    } finally {
      await redis.del(CameraKeys.registry(cameraId));
    }
    // The same loopback URL given as a fallback is just a URL.
    expect(await refusal(validator().validateSpec(spec({ fallbackStream: seal(platform.url('live', cameraKey)), destinations: [] })))).toMatch(/is not allowed$/);
  }, 30_000);

  it('answers "unreachable" alike for a closed port, a 403 and a non-media body (the reason stays in the log)', async () => {
    const check = validator({ STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true' });
    const closed = await freePort();
    const answers = await Promise.all(
      [`http://127.0.0.1:${closed}/a.mp4`, `http://127.0.0.1:${httpPort}/forbidden`, `http://127.0.0.1:${httpPort}/passwd.mp4`].map((url) =>
        refusal(check.validateSpec(spec({ fallbackStream: seal(url) }))).then((message) => message.replace(url, '<url>')),
      ),
    );
    expect(answers).toEqual(Array(3).fill('fallbackStreamUrl: source <url> is unreachable'));
    expect(httpHits.sort()).toEqual(['/forbidden', '/passwd.mp4']);
    expect(warnings.join('\n')).toMatch(/403|Forbidden/i);
    expect(answers.join('\n')).not.toMatch(/refused|403|Forbidden|Invalid data|audio or video/i);
  }, 30_000);

  it('checks destinations against the policy, names the field with its index, and never connects to metadata addresses', async () => {
    const open = validator({ STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true' });
    const dead = `rtmp://127.0.0.1:${await freePort()}/app/live_DEADKEY`;
    const destinations = [platform.url('app', 'live_A'), platform.url('app', 'live_B'), dead].map((url) => ({ destinationId: randomUUID(), url: seal(url) }));
    expect(await refusal(open.validateSpec(spec({ destinations })))).toMatch(/^additionalRtmpOutputUrls\[1\]: RTMP destination rtmp:\/\/127\.0\.0\.1:\d+\/app\/\*\*\*\* is unreachable$/);
    expect(await refusal(open.validateUrls({ sources: [], destinations: [{ ...seal(platform.url('app', 'live_C')), field: 'rtmpOutputUrl' }, { ...seal(dead), field: 'addRtmpOutputUrls[0]' }] }))).toMatch(
      /^addRtmpOutputUrls\[0\]: RTMP destination .* is unreachable$/,
    );

    const startedAt = Date.now();
    expect(await refusal(open.validateSpec(spec({ destinations: [{ destinationId: randomUUID(), url: seal('rtmp://169.254.169.254/app/live_KEY') }] })))).toBe(
      'rtmpOutputUrl: RTMP destination rtmp://169.254.169.254/app/**** is not allowed',
    );
    // Refused by the policy before any connection: a connect to that address would hang for seconds.
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(await refusal(open.validateSpec(spec({ destinations: [{ destinationId: randomUUID(), url: seal(platform.url('app', '')) }] })))).toMatch(/^rtmpOutputUrl: .* is not allowed$/);
    // By default the fake platform on loopback is itself refused.
    expect(await refusal(validator().validateSpec(spec({})))).toMatch(/^rtmpOutputUrl: RTMP destination rtmp:\/\/127\.0\.0\.1:\d+\/app\/\*\*\*\* is not allowed$/);
    expect(await refusal(open.validateSpec(spec({})))).toBe('accepted');
  }, 30_000);

  it('takes voice audio from rtp:// only, probed for real', async () => {
    const check = validator({ STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true' });
    const voice = (endpoint: string) => spec({ sourceType: BroadcastSourceType.VoiceRoom, voiceRoomId: 'room-1', audio: seal(endpoint) });
    expect(await refusal(check.validateSpec(voice(`http://127.0.0.1:${httpPort}/voice`)))).toBe('rtpAudioEndpoint must be an rtp://host:port URL (RTP audio only)');
    expect(await refusal(check.validateSpec(voice(`${media}/slate.png`)))).toBe('rtpAudioEndpoint must be an rtp://host:port URL (RTP audio only)');

    const port = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    const sender: ChildProcess = spawn('ffmpeg', ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-c:a', 'pcm_mulaw', '-f', 'rtp', `rtp://127.0.0.1:${port}`], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await refusal(check.validateSpec(voice(`rtp://127.0.0.1:${port}`)))).toBe('accepted');
    } finally {
      sender.kill('SIGKILL');
    }
  }, 30_000);

  it('takes Opus over RTP with its SDP: probed, then read by the source FFmpeg with only data, rtp and udp allowed', async () => {
    const port = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    const sdpFile = `${dir}/opus-${port}.sdp`;
    const sender: ChildProcess = spawn(
      'ffmpeg',
      ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:a', 'libopus', '-ac', '2', '-f', 'rtp', '-sdp_file', sdpFile, `rtp://127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    const source: ChildProcess[] = [];
    try {
      await expectEventually(() => expect(existsSync(sdpFile)).toBe(true), { timeoutMs: 5000 });
      const sdp = readFileSync(sdpFile, 'utf8');
      const checked = checkVoiceApproved({ roomId: 'room-opus', rtpAudioEndpoint: `rtp://127.0.0.1:${port}`, rtpAudioSdp: sdp });
      expect(checked).toMatchObject({ ok: true });
      const audio = { enc: cipher.encrypt(sdpInputUrl(sdp)), masked: `rtp://127.0.0.1:${port} (SDP)` };
      const check = validator({ STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true' });
      expect(await refusal(check.validateSpec(spec({ sourceType: BroadcastSourceType.VoiceRoom, voiceRoomId: 'room-opus', audio })))).toBe('accepted');

      // The source process as the runner builds it (room audio over black), publishing to the fake platform.
      const key = `opus${randomBytes(4).toString('hex')}`;
      const settings = { videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '64k', width: 320, height: 180, fps: 15 };
      const args = sourceArgs({ kind: 'black' }, sdpInputUrl(sdp), platform.url('app', key), settings, { endWithAudio: true });
      expect(args.join(' ')).toContain('-protocol_whitelist data,rtp,udp -f sdp -i data:application/sdp;base64,');
      source.push(spawn('ffmpeg', ['-v', 'error', ...args], { stdio: 'ignore' }));
      await expectEventually(() => expect(platform.keyframes(key).length).toBeGreaterThanOrEqual(1), { timeoutMs: 15_000 });
      const played = execFileSync('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', platform.url('app', key)], { timeout: 10_000 });
      expect(String(played).trim().split('\n').sort()).toEqual(['aac,audio', 'h264,video']);
    } finally {
      for (const child of [sender, ...source]) child.kill('SIGKILL');
    }
  }, 60_000);
});
