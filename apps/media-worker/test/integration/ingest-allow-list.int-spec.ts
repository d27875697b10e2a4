import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys, type CameraCredentialsChange, InternalChannels } from '@lib-stream/contracts';
import { createRedisClient } from '@lib-stream/nest-kit';
import { type TestRedisServer, expectEventually, startRedisServer, startSubscribeHoldingRelay } from '@lib-stream/testing';

import { IngestAllowList } from '../../src/ingest/ingest-allow-list';

// The allow-list's subscriber against a private redis-server, through a relay that can cut its
// connections and hold back a reconnect's SUBSCRIBE (a slow or lossy link while Redis comes back).
jest.setTimeout(30_000);

describe('ingest allow-list across a reconnect (private redis-server)', () => {
  let server: TestRedisServer;
  let direct: Redis;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await startRedisServer();
    direct = createRedisClient({ url: server.url }, 'allow-list-spec');
  });

  afterAll(async () => {
    direct.disconnect();
    await server.dispose();
  });

  /** An allow-list whose connections go through a relay that can cut them and hold the reconnect's SUBSCRIBE; `revoked` records its revocations. */
  async function relayedList(name: string) {
    const relay = await startSubscribeHoldingRelay(server.port);
    const redis = createRedisClient({ url: `redis://127.0.0.1:${relay.port}` }, name);
    const list = new IngestAllowList(redis);
    const revoked: string[] = [];
    list.onRevoked((keyHash) => revoked.push(keyHash));
    await list.start();
    return {
      relay,
      redis,
      list,
      revoked,
      /** Cuts every connection; resolves once the subscriber's re-subscribe is held. */
      cutAndHold: async () => {
        const held = relay.holdNextSubscribe();
        relay.cutAll();
        await held;
      },
      close: async () => {
        relay.release();
        await list.onApplicationShutdown();
        redis.disconnect();
        await relay.close();
      },
    };
  }

  it('reloads once it is subscribed again: a camera added while the re-subscribe was on its way can publish', async () => {
    const { relay, redis, list, cutAndHold, close } = await relayedList('allow-list-spec-relayed');
    try {
      await cutAndHold();
      // The command connection is back and any reload it does has had its time (a failed one is retried after 1 s).
      await expectEventually(() => expect(redis.status).toBe('ready'));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // control-api adds a camera: the key first, then the notice, which the subscriber cannot hear yet.
      await direct.set(CameraKeys.keyIndex('hash-added'), 'cam-added');
      const change: CameraCredentialsChange = { cameraId: 'cam-added', keyHash: 'hash-added', revokedKeyHash: null };
      expect(await direct.publish(InternalChannels.CameraCredentials, JSON.stringify(change))).toBe(0);
      relay.release();
      await expectEventually(() => expect(list.cameraFor('hash-added')).toBe('cam-added'), { timeoutMs: 5000 });
    } finally {
      await close();
    }
  });

  it('cuts the publishers of a key revoked while the re-subscribe was on its way (its notice went unheard)', async () => {
    await direct.set(CameraKeys.allowListGeneration(), 'gen-1');
    await direct.set(CameraKeys.keyIndex('hash-kept'), 'cam-kept');
    await direct.set(CameraKeys.keyIndex('hash-revoked'), 'cam-revoked');
    const { relay, redis, list, revoked, cutAndHold, close } = await relayedList('allow-list-spec-revoked');
    try {
      expect(list.cameraFor('hash-revoked')).toBe('cam-revoked');
      await cutAndHold();
      await expectEventually(() => expect(redis.status).toBe('ready'));
      // control-api rotates the key: the index first, then the notice, which the subscriber cannot hear yet.
      await direct.del(CameraKeys.keyIndex('hash-revoked'));
      const change: CameraCredentialsChange = { cameraId: 'cam-revoked', keyHash: null, revokedKeyHash: 'hash-revoked' };
      expect(await direct.publish(InternalChannels.CameraCredentials, JSON.stringify(change))).toBe(0);
      relay.release();
      await expectEventually(() => expect(revoked).toEqual(['hash-revoked']), { timeoutMs: 5000 });
      expect(list.cameraFor('hash-revoked')).toBeUndefined();
      expect(list.cameraFor('hash-kept')).toBe('cam-kept');
    } finally {
      await close();
      await direct.del(CameraKeys.allowListGeneration(), CameraKeys.keyIndex('hash-kept'));
    }
  });

  it('cuts nobody when the keys vanished with Redis itself (no generation: control-api has not rebuilt yet)', async () => {
    await direct.set(CameraKeys.allowListGeneration(), 'gen-2');
    await direct.set(CameraKeys.keyIndex('hash-live'), 'cam-live');
    const { relay, redis, list, revoked, cutAndHold, close } = await relayedList('allow-list-spec-lost');
    try {
      await cutAndHold();
      await direct.flushall();
      relay.release();
      await expectEventually(() => expect(redis.status).toBe('ready'));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(revoked).toEqual([]);
      expect(list.cameraFor('hash-live')).toBe('cam-live');
    } finally {
      await close();
    }
  });

  it('ignores malformed credentials notices without echoing them, and still applies the next valid one', async () => {
    const redis = createRedisClient({ url: server.url }, 'allow-list-spec-malformed');
    const list = new IngestAllowList(redis);
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      await list.start();
      // Each published in turn: on the old code, the first alone threw inside ioredis's emitter (an uncaught exception).
      const malformed = ['not json {hash-secret-1', 'null', JSON.stringify({ cameraId: 7, keyHash: 'hash-secret-2', revokedKeyHash: null }), JSON.stringify({ cameraId: 'cam-bad', keyHash: ['hash-secret-3'], revokedKeyHash: null })];
      for (const message of malformed) expect(await direct.publish(InternalChannels.CameraCredentials, message)).toBe(1);
      const change: CameraCredentialsChange = { cameraId: 'cam-valid', keyHash: 'hash-valid', revokedKeyHash: null };
      expect(await direct.publish(InternalChannels.CameraCredentials, JSON.stringify(change))).toBe(1);
      await expectEventually(() => expect(list.cameraFor('hash-valid')).toBe('cam-valid'), { timeoutMs: 5000 });
      expect(list.cameraFor('hash-secret-2')).toBeUndefined();
      expect(list.cameraFor('hash-secret-3')).toBeUndefined();
      const warnings = warn.mock.calls.map(([entry]) => JSON.stringify(entry));
      expect(warnings).toHaveLength(malformed.length);
      expect(warnings.join('\n')).not.toMatch(/hash-secret|cam-bad/);
    } finally {
      warn.mockRestore();
      await list.onApplicationShutdown();
      redis.disconnect();
    }
  });
});
