import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { WebSocket } from 'ws';

import { BroadcastKeys, CameraKeys } from '@lib-stream/contracts';

import {
  type FfmpegPublisher,
  type RtmpPlatform,
  type TestStack,
  WORKSPACE_ROOT,
  adminApi,
  bearerToken,
  broadcastTestEnv,
  expectEventually,
  findLeaks,
  freePort,
  startRtmpPlatform,
  startRtmpPublisher,
  startStack,
  testRedisUrl,
} from '@lib-stream/testing';

/** Debian's package (.ci/run installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(WORKSPACE_ROOT, 'tmp/ops-page.png');

/** Pids of running processes whose command line mentions `text` (e.g. a browser's profile dir). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

// The operator page in headless Chromium against the built control-api and a real media worker
// (FFmpeg, node-media-server): a camera's broadcast shown live, the camera killed, the page showing
// the broadcast on its fallback image without a reload.
describe('operator page /ops in a browser', () => {
  let stack: TestStack;
  let platform: RtmpPlatform;
  let publisher: Redis;
  let context: BrowserContext | undefined;
  let page: Page;
  let camera: FfmpegPublisher;
  const responses: string[] = [];
  let rtmpPort = 0;
  const destinationKey = `live_${randomBytes(8).toString('hex')}_OPSSECRET`;
  // A second destination whose key the platform refuses: it fails alone, and the page and a socket see it.
  const refusedKey = `live_${randomBytes(8).toString('hex')}_OPSREFUSED`;
  let socket: WebSocket | undefined;
  const frames: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  // Browser profile, HOME and the fallback picture: in a directory of this spec's own, removed after.
  const dir = mkdtempSync(join(tmpdir(), 'lib-stream-ops-page-'));
  const profile = join(dir, 'profile');

  const apiUrl = () => `http://127.0.0.1:${stack.apiPort}`;
  const api = adminApi(apiUrl, responses);
  const connection = () => page.locator('#connection').getAttribute('data-state');
  const rowOf = (section: string, id: string) => page.locator(`#${section} tbody tr[data-id="${id}"]`);

  beforeAll(async () => {
    platform = await startRtmpPlatform({ refuseKeys: [refusedKey] });
    publisher = new Redis(testRedisUrl());
    rtmpPort = await freePort();
    stack = await startStack({
      database: 'stream_e2e_ops',
      env: {
        ...broadcastTestEnv('300k'),
        STREAM_RTMP_INGEST_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live`,
        // The refused destination is failed after 1 retry.
        STREAM_BROADCAST_MAX_RESTARTS: '1',
        // The only directory a broadcast may read files from: the fallback picture's.
        STREAM_MEDIA_DIR: dir,
      },
    });
    await stack.startWorker('worker', { rtmpPort });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'smptebars=size=320x180', '-frames:v', '1', join(dir, 'fallback.png')]);
  }, 90_000);

  afterAll(async () => {
    socket?.terminate();
    await context?.close();
    await camera?.stop('SIGKILL');
    await stack?.stop();
    await platform?.stop();
    await publisher?.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a camera broadcast live, its switch to the fallback image when the camera dies, and what it missed across a control-api restart', async () => {
    const created = await api('/stream/camera/create', { name: 'ops stage' });
    const { cameraId } = created.body.camera as { cameraId: string };
    const ingestUrl = `rtmp://127.0.0.1:${rtmpPort}/live/${created.body.streamKey}`;
    camera = startRtmpPublisher(ingestUrl, { size: '320x180', rate: 15 });
    await expectEventually(async () => expect((await api('/stream/camera/status', { cameraId })).body.state).toBe('live'), { timeoutMs: 15_000 });
    // A dashboard's socket, subscribed before the start so it sees every status event of the broadcast.
    const admin = bearerToken(`ops-socket-${randomUUID()}`, ['admin']);
    socket = new WebSocket(`ws://127.0.0.1:${stack.apiPort}/stream/events`, { headers: { Authorization: admin } });
    socket.on('message', (data) => frames.push(String(data)));
    await new Promise((resolveOpen, reject) => (socket as WebSocket).once('open', resolveOpen).once('error', reject));
    socket.send(JSON.stringify({ type: 'subscribe', topics: ['broadcasts'] }));
    await expectEventually(() => expect(frames.some((frame) => JSON.parse(frame).type === 'subscribed')).toBe(true));
    const started = await api('/stream/broadcast/start', {
      sourceType: 'Camera',
      sourceId: cameraId,
      rtmpOutputUrl: platform.url('app', destinationKey),
      additionalRtmpOutputUrls: [platform.url('app', refusedKey)],
      fallbackImageUrl: join(dir, 'fallback.png'),
    });
    expect(started).toMatchObject({ status: 200, body: { broadcastId: expect.any(String) } });
    const { broadcastId } = started.body as { broadcastId: string };

    mkdirSync(profile);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // Chromium may write beside HOME (~/.pki); keep that in the spec's directory too.
      env: { ...process.env, HOME: dir },
      args: ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    const token = bearerToken(`ops-${randomUUID()}`, ['admin', 'user', 'developer']).replace(/^Bearer /, '');
    const response = await page.goto(`${apiUrl()}/ops#token=${token}`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    await expectEventually(async () => expect(await connection()).toBe('live'), { timeoutMs: 10_000, intervalMs: 100 });
    // The token left the address bar (and history) once stored in the tab; no login form is shown.
    expect(page.url()).toBe(`${apiUrl()}/ops`);
    expect(await page.locator('#login').isVisible()).toBe(false);
    await expectEventually(async () => expect(await rowOf('broadcasts', broadcastId).locator('td.on-air').textContent()).toBe('primary_stream'), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    expect(await rowOf('cameras', cameraId).locator('td.camera-state').textContent()).toBe('live');
    // Destinations are listed masked, with their state; states and health arrive as events (the
    // page's snapshot re-read is once a minute): the good one live, the refused one failed after a retry.
    const masked = `rtmp://127.0.0.1:${platform.port}/app/****`;
    await expectEventually(async () => expect(await rowOf('broadcasts', broadcastId).locator('ul.destinations li').allTextContents()).toEqual([`${masked}: live`, `${masked}: failed (retry 1)`]), {
      // The retry's own backoff and FFmpeg's refused connect: seconds alone; beside the whole test run
      // it outlasted 45 s twice in ~15 CI rehearsals (not reproduced alone or beside two busy loops).
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    await expectEventually(async () => expect(await rowOf('broadcasts', broadcastId).locator('td.health').textContent()).toBe('degraded · destination down'), { timeoutMs: 20_000, intervalMs: 200 });

    // The socket got the refused destination's states and the health in order, each only on a change.
    const statusEvents = (event: string) =>
      frames
        .map((frame) => JSON.parse(frame) as { type: string; event?: string; data: Record<string, unknown> })
        .filter((frame) => frame.type === 'event' && frame.event === event && frame.data.broadcastId === broadcastId)
        .map((frame) => frame.data);
    const refused = statusEvents('stream.broadcast.destination-changed').filter((data) => data.index === 1);
    expect(refused[0]).toMatchObject({ state: 'connecting', previousState: null, reason: 'started' });
    expect(refused.at(-1)).toMatchObject({ state: 'failed', retryCount: 1 });
    expect(refused.map((data) => data.state)).toContain('retrying');
    for (let i = 1; i < refused.length; i += 1) expect(refused[i].previousState).toBe(refused[i - 1].state);
    expect(refused.every((data) => data.label === masked)).toBe(true);
    const health = statusEvents('stream.broadcast.health-changed');
    expect(health[0]).toMatchObject({ previousHealth: null });
    expect(health.at(-1)).toMatchObject({ health: 'degraded', reason: 'destination_down' });
    for (let i = 1; i < health.length; i += 1) expect(health[i].previousHealth).toBe(health[i - 1].health);
    expect(findLeaks({ frames: frames.join('\n') }, [destinationKey, refusedKey, 'OPSSECRET', 'OPSREFUSED', admin.replace(/^Bearer /, '')])).toEqual({});

    await camera.stop('SIGKILL');
    await expectEventually(async () => expect(await rowOf('broadcasts', broadcastId).locator('td.on-air').textContent()).toBe('fallback_image'), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    // Still degraded for the failed destination (the reason is only in the health event: the snapshot has none).
    await expectEventually(async () => expect(await rowOf('broadcasts', broadcastId).locator('td.health').textContent()).toBe('degraded · destination down'), { timeoutMs: 20_000, intervalMs: 200 });
    await expectEventually(async () => expect(await rowOf('cameras', cameraId).locator('td.camera-state').textContent()).toBe('offline'), { timeoutMs: 10_000 });
    mkdirSync(resolve(WORKSPACE_ROOT, 'tmp'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    let html = await page.content();

    // control-api restarts while the camera comes back: the page reconnects with a fresh ticket and its
    // last cursor; the new process never saw that cursor, so the page is told to resync and shows the
    // state it missed (back on the camera) from the snapshot.
    expect(await stack.apps[0].stop('SIGTERM')).toBe(0);
    await expectEventually(async () => expect(await connection()).toBe('reconnecting'), { timeoutMs: 5_000, intervalMs: 100 });
    camera = startRtmpPublisher(ingestUrl, { size: '320x180', rate: 15 });
    await expectEventually(
      async () => expect(JSON.parse((await publisher.get(BroadcastKeys.runtime(broadcastId))) ?? '{}').videoSourceType).toBe('primary_stream'),
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(JSON.parse((await publisher.get(CameraKeys.registry(cameraId))) ?? '{}').state).toBe('live');
    await stack.startApi();
    // The page retries with a growing pause (at most 15 s), so it may take that long to come back.
    await expectEventually(async () => expect(await connection()).toBe('live'), { timeoutMs: 30_000, intervalMs: 200 });
    await expectEventually(async () => expect(await rowOf('broadcasts', broadcastId).locator('td.on-air').textContent()).toBe('primary_stream'), { timeoutMs: 5_000 });
    expect(await rowOf('cameras', cameraId).locator('td.camera-state').textContent()).toBe('live');
    expect(await page.locator('#notice').textContent()).toBe('Resynchronised after a gap.');
    html += await page.content();

    expect(findLeaks({ page: html }, [destinationKey, refusedKey, 'OPSSECRET', 'OPSREFUSED', token])).toEqual({});
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
  }, 180_000);

  it('puts what the socket says into the page as text, never as markup', async () => {
    const hostile = `<img src=x onerror="window.__injected=1">${randomUUID()}`;
    await publisher.publish(
      'camera.stream.started',
      JSON.stringify({ pattern: 'camera.stream.started', data: { eventId: randomUUID(), timestamp: new Date().toISOString(), cameraId: hostile, source: 'engine' } }),
    );
    await expectEventually(async () => expect(await page.locator('#cameras tbody td.id', { hasText: hostile }).count()).toBe(1), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await page.locator('#cameras img').count()).toBe(0);
    expect(await page.evaluate('window.__injected')).toBeUndefined();
  });

  it('signs in with a #token= followed while the page is already open (hash-only navigation), and strips it', async () => {
    const developer = bearerToken(`ops-dev-${randomUUID()}`, ['developer']).replace(/^Bearer /, '');
    // A string expression: the e2e project has no DOM types. (A JWT has no quote or backslash.)
    await page.evaluate(`location.hash = 'token=${developer}'`);
    // The developer-only token shows the pulse table alone once the page signed in with it.
    await expectEventually(async () => expect(await page.locator('section[data-topic="broadcasts"]').isHidden()).toBe(true), { timeoutMs: 5_000, intervalMs: 100 });
    await expectEventually(async () => expect(await connection()).toBe('live'), { timeoutMs: 10_000, intervalMs: 100 });
    expect(page.url()).toBe(`${apiUrl()}/ops`);
    expect(await page.evaluate("sessionStorage.getItem('lib-stream-ops-token')")).toBe(developer);
  });

  it('leaves no browser process and no profile behind', async () => {
    socket?.terminate();
    await context?.close();
    context = undefined;
    expect(processesMentioning(profile)).toEqual([]);
    rmSync(profile, { recursive: true, force: true });
    expect(readdirSync(dir)).not.toContain('profile');
  });
});
