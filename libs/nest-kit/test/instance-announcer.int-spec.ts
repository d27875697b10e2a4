import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { type TcpProxy, type TestRedisServer, expectEventually, startRedisServer, startTcpProxy } from '@lib-stream/testing';

import { loadConfig } from '../src/config/load-config';
import { InstanceAnnouncer } from '../src/events/instance-announcer';
import { HealthRegistry } from '../src/health/health.registry';
import { newServiceIdentity } from '../src/identity';
import { StreamKitModule } from '../src/stream-kit.module';

// An app on a private redis-server behind a relay that is cut as shutdown begins (Redis dropping as SIGTERM arrives).
jest.setTimeout(30_000);

describe('InstanceAnnouncer at shutdown (private redis-server)', () => {
  let server: TestRedisServer;
  let proxy: TcpProxy;
  let app: INestApplication;

  beforeAll(async () => {
    server = await startRedisServer();
    proxy = await startTcpProxy(server.port);
  });

  afterAll(async () => {
    await proxy.close();
    await server.dispose();
  });

  it('gives up the offline notice after about 1 s when Redis drops as shutdown begins, and says so', async () => {
    const config = loadConfig({ STREAM_REDIS_URL: proxy.urlFor(server.url) });
    const moduleRef = await Test.createTestingModule({ imports: [StreamKitModule.forRoot({ config, identity: newServiceIdentity('control-api') })] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      await expectEventually(async () => expect((await app.get(HealthRegistry).readiness()).checks.events).toBe('up'));
      // Cut in the same tick as the hook: the event transport still looks connected when it publishes.
      proxy.cut('reset');
      const started = Date.now();
      const hook = app.get(InstanceAnnouncer).beforeApplicationShutdown();
      // Bounded here so the old code fails on the assertion (its hook took about 33 s) rather than the jest timeout.
      const outcome = await Promise.race([hook.then(() => 'returned'), new Promise((resolve) => setTimeout(resolve, 5000, 'still waiting'))]);
      expect(outcome).toBe('returned');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(warn.mock.calls.map(([entry]) => entry)).toContainEqual(expect.objectContaining({ msg: 'lifecycle event not published before the shutdown deadline' }));
    } finally {
      warn.mockRestore();
      proxy.restore();
      await app.close();
    }
  });
});
