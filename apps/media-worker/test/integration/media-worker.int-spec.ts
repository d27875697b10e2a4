import type { INestApplication } from '@nestjs/common';
import { ClientProxyFactory, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom, timeout } from 'rxjs';
import request from 'supertest';

import { MessagePatterns } from '@lib-stream/contracts';
import { RedisSettings, loadConfig, redisTransportOptions } from '@lib-stream/nest-kit';
import { testRedisUrl } from '@lib-stream/testing';

import type { MediaWorkerInfo } from '../../src/worker/worker-info.service';
import { startMediaWorker } from './media-worker.factory';

const startWorker = async (env: Record<string, string>): Promise<INestApplication> => (await startMediaWorker(env)).app;

describe('media-worker on the Redis transport', () => {
  let client: ClientProxy;

  beforeAll(() => {
    client = ClientProxyFactory.create(redisTransportOptions(new RedisSettings(loadConfig({ STREAM_REDIS_URL: testRedisUrl() }))));
  });

  afterAll(async () => {
    await client.close();
  });

  it('answers a request sent over Redis and reports whether FFmpeg is usable', async () => {
    const app = await startWorker({ STREAM_FFMPEG_PATH: '/nonexistent/ffmpeg', STREAM_MAX_CONCURRENT_BROADCASTS: '3' });
    try {
      const info = await lastValueFrom(client.send<MediaWorkerInfo>(MessagePatterns.MediaWorkerInfo, {}).pipe(timeout(5000)));
      expect(info).toMatchObject({ ffmpegAvailable: false, broadcastEnabled: false, maxConcurrentBroadcasts: 3 });
      expect(info.instanceId).toEqual(expect.any(String));
      await request(app.getHttpServer()).get('/health/ready').expect(200, { status: 'ready', checks: { redis: 'up', events: 'up', 'event-listener': 'up', broadcasting: 'unavailable: STREAM_BROADCAST_ENABLED is false' } });
    } finally {
      await app.close();
    }
  });

  it('finds an installed FFmpeg', async () => {
    const app = await startWorker({ STREAM_FFMPEG_PATH: process.execPath });
    try {
      const info = await lastValueFrom(client.send<MediaWorkerInfo>(MessagePatterns.MediaWorkerInfo, {}).pipe(timeout(5000)));
      expect(info.ffmpegAvailable).toBe(true);
    } finally {
      await app.close();
    }
  });
});
