import type { INestApplication } from '@nestjs/common';
import Bull from 'bull';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

import {
  BROADCAST_JOB_OPTIONS,
  type BroadcastAssignmentJob,
  type BroadcastJobResult,
  type BroadcastStatusView,
  CameraKeys,
  InternalChannels,
  QueueNames,
} from '@lib-stream/contracts';
import { type AppConfig, JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { generateStreamKey, hashStreamKey } from '@lib-stream/stream-key';
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
