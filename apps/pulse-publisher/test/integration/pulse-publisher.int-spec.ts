import { ClientProxyFactory } from '@nestjs/microservices';
import { lastValueFrom, timeout } from 'rxjs';
import request from 'supertest';

import { MessagePatterns } from '@lib-stream/contracts';
import { JsonLogger, RedisSettings, createServiceApp, loadConfig, newServiceIdentity, redisTransportOptions } from '@lib-stream/nest-kit';

import { AppModule } from '../../src/app.module';
import { testRedisUrl } from '@lib-stream/testing';

describe('pulse-publisher on the Redis transport', () => {
  it('is ready and answers over Redis with its pulse interval', async () => {
    const config = loadConfig({ STREAM_REDIS_URL: testRedisUrl(), STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '7' });
    const identity = newServiceIdentity('pulse-publisher');
    const logger = new JsonLogger({ service: 'pulse-publisher', level: 'warn', sink: { write: () => undefined } });
    const app = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity), redisTransport: true }, config, identity, logger);
    await app.init();
    const client = ClientProxyFactory.create(redisTransportOptions(new RedisSettings(config)));
    try {
      const info = await lastValueFrom(client.send(MessagePatterns.PulsePublisherInfo, {}).pipe(timeout(5000)));
      expect(info).toEqual({ instanceId: identity.instanceId, version: identity.version, pulseIntervalSeconds: 7, partitionCount: 64, partitions: expect.any(Array) });
      await request(app.getHttpServer()).get('/health/ready').expect(200);
    } finally {
      await client.close();
      await app.close();
    }
  });
});
