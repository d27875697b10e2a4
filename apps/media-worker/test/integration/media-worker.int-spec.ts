import type { INestApplication } from '@nestjs/common';
import { ClientProxyFactory, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom, timeout } from 'rxjs';
import request from 'supertest';

import { MessagePatterns } from '@lib-stream/contracts';
import { JsonLogger, createServiceApp, loadConfig, newServiceIdentity, redisTransportOptions } from '@lib-stream/nest-kit';
import { freePort, testMediaEnv, testRedisUrl } from '@lib-stream/testing';

import { AppModule } from '../../src/app.module';
import type { MediaWorkerInfo } from '../../src/worker/worker-info.service';

async function startWorker(env: Record<string, string>): Promise<INestApplication> {
  const config = loadConfig({ STREAM_REDIS_URL: testRedisUrl(), ...testMediaEnv(), STREAM_RTMP_INGEST_PORT: String(await freePort()), ...env });
  const identity = newServiceIdentity('media-worker');
  const logger = new JsonLogger({ service: 'media-worker', level: 'warn', sink: { write: () => undefined } });
  const app = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity), redisTransport: true }, config, identity, logger);
  await app.init();
  return app;
}

describe('media-worker on the Redis transport', () => {
  let client: ClientProxy;

  beforeAll(() => {
    client = ClientProxyFactory.create(redisTransportOptions(loadConfig({ STREAM_REDIS_URL: testRedisUrl() })));
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
