import type { INestApplication } from '@nestjs/common';
import Bull from 'bull';
import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { BroadcastState } from '@lib-stream/broadcast-control';
import {
  BROADCAST_JOB_OPTIONS,
  type BroadcastAssignmentJob,
  type BroadcastJobResult,
  BroadcastKeys,
  type BroadcastRuntime,
  type BroadcastStatusView,
  CameraKeys,
  InternalChannels,
  QueueNames,
  type SealedUrl,
} from '@lib-stream/contracts';
import { type AppConfig, JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { TokenCipher, generateStreamKey, hashStreamKey, maskRtmpUrl } from '@lib-stream/stream-key';
import { freePort, testMediaEnv, testRedisUrl } from '@lib-stream/testing';

import { AppModule } from '../../src/app.module';

export interface MediaWorkerUnderTest {
  app: INestApplication;
  config: AppConfig;
  /** The RTMP ingest port on 127.0.0.1. */
  port: number;
}

/**
 * A media worker in this process, initialised, on the run's own Redis with the FFmpeg under test and
 * a free RTMP ingest port; `env` goes over that. It logs at debug into `logLines` when given, at warn
 * into nothing otherwise. The caller closes `app`.
 */
export async function startMediaWorker(env: Record<string, string>, logLines?: string[]): Promise<MediaWorkerUnderTest> {
  const port = Number(env.STREAM_RTMP_INGEST_PORT ?? (await freePort()));
  const config = loadConfig({ STREAM_REDIS_URL: testRedisUrl(), ...testMediaEnv(), STREAM_RTMP_INGEST_PORT: String(port), ...env });
  const identity = newServiceIdentity('media-worker');
  const logger = logLines
    ? new JsonLogger({ service: 'media-worker', level: 'debug', sink: { write: (line) => logLines.push(line) } })
    : new JsonLogger({ service: 'media-worker', level: 'warn', sink: { write: () => undefined } });
  const app = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity), redisTransport: true }, config, identity, logger);
  await app.init();
  return { app, config, port };
}

/**
 * What control-api's camera create writes: the stream key's hash in the allow-list index and a
 * change notice to the workers. Resolves with the new camera's id and its key (in clear: the test
 * publishes with it).
 */
export async function registerCamera(redis: Redis): Promise<{ cameraId: string; streamKey: string }> {
  const cameraId = randomUUID();
  const streamKey = generateStreamKey();
  await redis.set(CameraKeys.keyIndex(hashStreamKey(streamKey)), cameraId);
  await redis.publish(InternalChannels.CameraCredentials, JSON.stringify({ cameraId, keyHash: hashStreamKey(streamKey), revokedKeyHash: null }));
  return { cameraId, streamKey };
}

/** control-api's side of the broadcast assignment queue (the run's own Redis); the caller closes it. */
export function broadcastQueue(): Bull.Queue<BroadcastAssignmentJob> {
  return new Bull<BroadcastAssignmentJob>(QueueNames.BroadcastAssignments, testRedisUrl(), { prefix: 'stream:bull' });
}

/** The worker's answer to job `jobId`, from Bull's completed event (the job itself is removed as it completes). */
export function broadcastAnswer(queue: Bull.Queue<BroadcastAssignmentJob>, jobId: string): Promise<BroadcastJobResult<BroadcastStatusView>> {
  return new Promise((resolve) => {
    const listener = (id: unknown, value: string) => {
      if (String(id) !== jobId) return;
      queue.off('global:completed', listener);
      resolve(JSON.parse(value));
    };
    queue.on('global:completed', listener);
  });
}

/** Submits a job as control-api does (job id = broadcast id) and resolves with the worker's answer. */
export async function submitBroadcast(queue: Bull.Queue<BroadcastAssignmentJob>, job: BroadcastAssignmentJob): Promise<BroadcastJobResult<BroadcastStatusView>> {
  const answered = broadcastAnswer(queue, job.spec.broadcastId);
  await queue.add(job, { ...BROADCAST_JOB_OPTIONS, jobId: job.spec.broadcastId });
  return answered;
}

/**
 * control-api's side of a broadcast spec, on the run's own Redis (the caller quits `redis`): the
 * desired-state writer, a token cipher under a fresh 32-byte key (give the worker
 * `encryptionKey.toString('hex')`), `seal` for a URL as control-api stores it (encrypted, masked) and
 * `runtime` for a broadcast's runtime record as its worker wrote it (null while there is none).
 */
export function controlSide() {
  const redis = new Redis(testRedisUrl());
  const encryptionKey = randomBytes(32);
  const cipher = new TokenCipher(encryptionKey);
  return {
    redis,
    control: new BroadcastState(redis),
    encryptionKey,
    cipher,
    seal: (url: string): SealedUrl => ({ enc: cipher.encrypt(url), masked: maskRtmpUrl(url) }),
    runtime: async (broadcastId: string) => JSON.parse((await redis.get(BroadcastKeys.runtime(broadcastId))) ?? 'null') as BroadcastRuntime | null,
  };
}
