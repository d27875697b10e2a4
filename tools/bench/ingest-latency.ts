/**
 * Camera ingest benchmark: N ffmpeg publishers start at once against a built media-worker (key
 * allow-list, cross-worker claim, registry, events) and, in the same run, against a bare
 * node-media-server with no auth. Prints spawn→camera.stream.started (ours) and spawn→postPublish
 * (bare) as median and p99, their ratio, and the CPU each server process used.
 *
 *   npm run bench:ingest -- [N=10]     (needs ffmpeg and redis-server: it starts its own Redis on a free
 *   port and removes it, with the worker's data directories, at the end)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import Redis from 'ioredis';

import { CameraKeys, InternalChannels } from '@lib-stream/contracts';
import { generateStreamKey, hashStreamKey } from '@lib-stream/stream-key';
import { rmSync } from 'node:fs';

import { freePort, startRedisServer, startRtmpPublisher, startBuiltApp, waitForReady, type FfmpegPublisher } from '@lib-stream/testing';
import { percentile, processCpuSeconds, runMain } from '../shared/bench-kit';

const ROOT = resolve(__dirname, '../..');
const N = Number(process.argv[2] ?? 10);
const ROUNDS = 3;

async function measureOurs(redis: Redis, port: number): Promise<number[]> {
  // Subscribed only once connected: a SUBSCRIBE queued before the ready check makes its INFO fail.
  const subscriber = new Redis(redis.options);
  await new Promise((ready) => subscriber.once('ready', ready));
  const cameras = await Promise.all(
    Array.from({ length: N }, async () => {
      const cameraId = randomUUID();
      const key = generateStreamKey();
      await redis.set(CameraKeys.keyIndex(hashStreamKey(key)), cameraId);
      await redis.publish(InternalChannels.CameraCredentials, JSON.stringify({ cameraId, keyHash: hashStreamKey(key), revokedKeyHash: null }));
      return { cameraId, key };
    }),
  );
  const startedAt = new Map<string, number>();
  await subscriber.subscribe('camera.stream.started');
  subscriber.on('message', (_c: string, message: string) => {
    const { cameraId } = JSON.parse(message).data as { cameraId: string };
    if (!startedAt.has(cameraId)) startedAt.set(cameraId, Date.now());
  });
  const spawnedAt = new Map<string, number>();
  const publishers: FfmpegPublisher[] = cameras.map(({ cameraId, key }) => {
    spawnedAt.set(cameraId, Date.now());
    return startRtmpPublisher(`rtmp://127.0.0.1:${port}/live/${key}`, { size: '640x360', rate: 30 });
  });
  await waitFor(() => startedAt.size === N, 30_000);
  await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
  await subscriber.quit();
  for (const { key } of cameras) await redis.del(CameraKeys.keyIndex(hashStreamKey(key)));
  return cameras.map(({ cameraId }) => (startedAt.get(cameraId) ?? NaN) - (spawnedAt.get(cameraId) ?? NaN));
}

async function measureBare(child: ChildProcess, port: number): Promise<number[]> {
  const acceptedAt = new Map<string, number>();
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const event = JSON.parse(line) as { event: string; name: string; at: number };
      if (event.event === 'postPublish' && !acceptedAt.has(event.name)) acceptedAt.set(event.name, event.at);
    }
  };
  child.stdout?.on('data', onLine);
  const names = Array.from({ length: N }, () => `bare${randomUUID().replace(/-/g, '')}`);
  const spawnedAt = new Map<string, number>();
  const publishers = names.map((name) => {
    spawnedAt.set(name, Date.now());
    return startRtmpPublisher(`rtmp://127.0.0.1:${port}/live/${name}`, { size: '640x360', rate: 30 });
  });
  await waitFor(() => acceptedAt.size === N, 30_000);
  await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
  child.stdout?.off('data', onLine);
  return names.map((name) => (acceptedAt.get(name) ?? NaN) - (spawnedAt.get(name) ?? NaN));
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('benchmark timed out waiting for publishes');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function main(): Promise<void> {
  // The build must not inherit this script's ts-node settings.
  const { TS_NODE_PROJECT: _omit, ...buildEnv } = process.env;
  execFileSync('npx', ['nx', 'build', 'media-worker', '--output-style=static'], { cwd: ROOT, stdio: 'ignore', env: buildEnv });
  const [httpPort, oursPort, barePort] = [await freePort(), await freePort(), await freePort()];
  const redisServer = await startRedisServer();
  const dataDirs = [`/tmp/lib-stream-bench-${process.pid}`, `/tmp/lib-stream-bench-bare-${process.pid}`];
  const worker = startBuiltApp('media-worker', {
    STREAM_REDIS_URL: redisServer.url,
    MEDIA_WORKER_HTTP_PORT: String(httpPort),
    STREAM_RTMP_INGEST_PORT: String(oursPort),
    STREAM_LOG_LEVEL: 'warn',
    STREAM_DATA_DIR: dataDirs[0],
  });
  const bare = spawn(process.execPath, [resolve(__dirname, 'bare-nms.js'), String(barePort), dataDirs[1]], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const redis = new Redis(redisServer.url);
  try {
    await waitForReady(`http://127.0.0.1:${httpPort}`);
    await new Promise((r) => setTimeout(r, 500));
    const ours: number[] = [];
    const baseline: number[] = [];
    const cpu = { ours: 0, bare: 0 };
    // Interleaved rounds, so machine noise hits both sides alike.
    for (let round = 0; round < ROUNDS; round++) {
      let before = processCpuSeconds(worker.child.pid as number);
      ours.push(...(await measureOurs(redis, oursPort)));
      cpu.ours += processCpuSeconds(worker.child.pid as number) - before;
      before = processCpuSeconds(bare.pid as number);
      baseline.push(...(await measureBare(bare, barePort)));
      cpu.bare += processCpuSeconds(bare.pid as number) - before;
      await new Promise((r) => setTimeout(r, 500));
    }
    const row = (name: string, values: number[], cpuUsed: number) =>
      `${name.padEnd(34)} ${String(percentile(values, 50)).padStart(7)} ms ${String(percentile(values, 99)).padStart(7)} ms ${cpuUsed.toFixed(2).padStart(8)} s`;
    console.log(`\nCamera ingest, ${N} concurrent publishers x ${ROUNDS} rounds (spawn of the publishing ffmpeg → event)`);
    console.log(`${''.padEnd(34)} ${'median'.padStart(10)} ${'p99'.padStart(10)} ${'CPU'.padStart(10)}`);
    console.log(row('lib-stream → camera.stream.started', ours, cpu.ours));
    console.log(row('bare NMS, no auth → postPublish', baseline, cpu.bare));
    console.log(
      `ratio (ours / bare): median ${(percentile(ours, 50) / percentile(baseline, 50)).toFixed(2)}x, p99 ${(percentile(ours, 99) / percentile(baseline, 99)).toFixed(2)}x, CPU ${(cpu.ours / Math.max(cpu.bare, 0.01)).toFixed(2)}x`,
    );
  } finally {
    await worker.stop('SIGTERM');
    bare.kill('SIGTERM');
    await redis.quit();
    await redisServer.dispose();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
