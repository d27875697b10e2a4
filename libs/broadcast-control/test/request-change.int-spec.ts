import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { BroadcastKeys, type BroadcastSpec, BroadcastStopReason, InternalChannels, LockKeys } from '@lib-stream/contracts';
import { type TestRedisServer, expectEventually, startRedisServer, testBroadcastSpec, untilReady } from '@lib-stream/testing';

import { BroadcastChangeError, BroadcastState } from '../src';

/** A running broadcast as a worker's claim stores it. */
function newSpec(): BroadcastSpec {
  return testBroadcastSpec({ destinations: [{ destinationId: 'd1', url: { enc: 'enc-1', masked: 'rtmp://one.example.com/app/****' } }], record: null });
}

// The writers' rules, as control-api's update, the coordinator's fail and the voice stop apply them.
const addDestination =
  (destinationId: string) =>
  (spec: BroadcastSpec): BroadcastSpec => {
    if (spec.desired === 'stopped') throw new Error('broadcast is stopped');
    return { ...spec, destinations: [...spec.destinations, { destinationId, url: { enc: `enc-${destinationId}`, masked: 'rtmp://x.example.com/app/****' } }] };
  };
const setFallbackImage = (spec: BroadcastSpec): BroadcastSpec => {
  if (spec.desired === 'stopped') throw new Error('broadcast is stopped');
  return { ...spec, fallbackImage: { enc: 'enc-slate', masked: 'https://cdn.example.com/slate.png' } };
};
const failWithError = (spec: BroadcastSpec): BroadcastSpec | null => (spec.desired === 'stopped' ? null : { ...spec, desired: 'stopped', stopReason: BroadcastStopReason.Error });

describe('BroadcastState.requestChange (real Redis, one connection per writer)', () => {
  let server: TestRedisServer;
  let redis: Redis;
  let api: BroadcastState;
  let worker: BroadcastState;
  let voice: BroadcastState;
  const connections: Redis[] = [];

  const stored = async (id: string) => JSON.parse((await redis.get(BroadcastKeys.spec(id))) ?? 'null') as BroadcastSpec | null;
  async function claimed(): Promise<BroadcastSpec> {
    const spec = newSpec();
    expect(await worker.claimNew(spec, 'worker-1')).toEqual({ ok: true });
    return spec;
  }
  const connect = () => {
    const connection = new Redis(server.url);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    redis = connect();
    // Three processes: control-api, the owning media worker, and another worker handling a voice stop.
    api = new BroadcastState(connect());
    worker = new BroadcastState(connect());
    voice = new BroadcastState(connect());
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    await server?.dispose();
  });

  it('keeps both of two racing updates: each is applied on top of the other, the revision counts both', async () => {
    for (let round = 0; round < 20; round++) {
      const { broadcastId } = await claimed();
      const [a, b] = await Promise.all([api.requestChange(broadcastId, addDestination('d2')), worker.requestChange(broadcastId, setFallbackImage)]);
      const spec = await stored(broadcastId);
      expect(spec?.revision).toBe(3);
      expect(spec?.destinations.map((d) => d.destinationId)).toEqual(['d1', 'd2']);
      expect(spec?.fallbackImage?.masked).toBe('https://cdn.example.com/slate.png');
      expect([a?.revision, b?.revision].sort()).toEqual([2, 3]);
    }
  });

  it("races a worker's failure against an API update: the update is applied before the stop, or refused after it, never lost", async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const { broadcastId } = await claimed();
      const [update, failure] = await Promise.allSettled([api.requestChange(broadcastId, addDestination('d2')), worker.requestChange(broadcastId, failWithError)]);
      const spec = await stored(broadcastId);
      expect(failure).toMatchObject({ status: 'fulfilled' });
      expect(spec).toMatchObject({ desired: 'stopped', stopReason: 'error' });
      if (update.status === 'fulfilled') {
        // Applied first: the stop was made on top of it, and still holds it.
        expect(spec?.destinations.map((d) => d.destinationId)).toEqual(['d1', 'd2']);
        expect(spec?.revision).toBe(3);
        outcomes.add('update first');
      } else {
        // The stop came first: the caller is told (409 in the API), nothing was written for it.
        expect(String(update.reason)).toContain('broadcast is stopped');
        expect(spec?.destinations.map((d) => d.destinationId)).toEqual(['d1']);
        expect(spec?.revision).toBe(2);
        outcomes.add('stop first');
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it('makes a second stop (a voice stop racing an API stop) a no-op that keeps the first reason', async () => {
    const { broadcastId } = await claimed();
    const stopWith = (reason: BroadcastStopReason) => (spec: BroadcastSpec) => (spec.desired === 'stopped' ? null : { ...spec, desired: 'stopped' as const, stopReason: reason });
    const results = await Promise.all([api.requestChange(broadcastId, stopWith(BroadcastStopReason.Manual)), voice.requestChange(broadcastId, stopWith(BroadcastStopReason.ConsentRevoked))]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const spec = await stored(broadcastId);
    expect(spec?.revision).toBe(2);
    expect(spec?.stopReason).toBe(results.find((r) => r !== null)?.stopReason);
  });

  it('loses an update with a plain read-then-write, as the failing worker used to write (why every writer goes through requestChange)', async () => {
    const { broadcastId } = await claimed();
    const before = (await stored(broadcastId)) as BroadcastSpec;
    await api.requestChange(broadcastId, addDestination('d2'));
    // The old fail(): the spec read before the update, written back stopped.
    await redis.set(BroadcastKeys.spec(broadcastId), JSON.stringify({ ...failWithError(before), revision: before.revision + 1 }));
    expect((await stored(broadcastId))?.destinations.map((d) => d.destinationId)).toEqual(['d1']);
  });

  it('re-reads and re-applies when the spec changed under it (a writer whose lock had expired)', async () => {
    const { broadcastId } = await claimed();
    let calls = 0;
    const result = await api.requestChange(broadcastId, (spec) => {
      calls++;
      // On the first read, another writer's change lands between this read and the write.
      if (calls === 1) void redis.set(BroadcastKeys.spec(broadcastId), JSON.stringify({ ...spec, fallbackImage: { enc: 'e', masked: 'm' }, revision: spec.revision + 1 }));
      return addDestination('d2')(spec);
    });
    expect(calls).toBe(2);
    expect(result?.revision).toBe(3);
    const spec = await stored(broadcastId);
    expect(spec).toMatchObject({ revision: 3, fallbackImage: { masked: 'm' } });
    expect(spec?.destinations.map((d) => d.destinationId)).toEqual(['d1', 'd2']);
  });

  it('announces exactly the written changes to the owner, in the same step as the write', async () => {
    const { broadcastId } = await claimed();
    const subscriber = connect();
    const heard: string[] = [];
    subscriber.on('message', (channel: string, message: string) => channel === InternalChannels.BroadcastChanged && message === broadcastId && heard.push(message));
    await untilReady(subscriber);
    await subscriber.subscribe(InternalChannels.BroadcastChanged);
    await api.requestChange(broadcastId, setFallbackImage);
    expect(await api.requestChange(broadcastId, () => null)).toBeNull();
    await expect(api.requestChange(broadcastId, () => { throw new Error('refused'); })).rejects.toThrow('refused');
    await expectEventually(() => expect(heard).toEqual([broadcastId]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual([broadcastId]);
    expect((await stored(broadcastId))?.revision).toBe(2);
  });

  it("keeps a stopped broadcast's expiry when it changes", async () => {
    const spec = await claimed();
    await worker.finalize(spec);
    await api.requestChange(spec.broadcastId, (s) => ({ ...s, stopReason: BroadcastStopReason.Manual }));
    expect(await redis.ttl(BroadcastKeys.spec(spec.broadcastId))).toBeGreaterThan(3500);
  });

  it('answers not-found, busy (the lock stays taken), and writes a missing spec only when told what it was', async () => {
    await expect(api.requestChange(randomUUID(), setFallbackImage)).rejects.toMatchObject({ reason: 'not-found', statusCode: 404, message: 'Broadcast not found' });

    const { broadcastId } = await claimed();
    await redis.set(LockKeys.broadcast(broadcastId), 'someone-else', 'PX', 5000);
    const busy = await api.requestChange(broadcastId, setFallbackImage, { lockWaitMs: 200 }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(BroadcastChangeError);
    expect(busy).toMatchObject({ reason: 'busy', statusCode: 409 });
    expect((await stored(broadcastId))?.revision).toBe(1);
    await redis.del(LockKeys.broadcast(broadcastId));

    // Redis lost the records while the owner ran: it stops from what it knows.
    const lost = newSpec();
    const written = await worker.requestChange(lost.broadcastId, failWithError, { whenMissing: lost });
    expect(written).toMatchObject({ broadcastId: lost.broadcastId, desired: 'stopped', revision: 2 });
    expect(await stored(lost.broadcastId)).toEqual(written);
  });

  it('runs its scripts again after Redis lost its script cache (a restart or failover)', async () => {
    const { broadcastId } = await claimed();
    await redis.script('FLUSH');
    expect(await api.requestChange(broadcastId, setFallbackImage)).toMatchObject({ revision: 2 });
    await redis.script('FLUSH');
    expect(await worker.renewLease((await stored(broadcastId)) as BroadcastSpec, 'worker-1')).toBe(true);
  });
});
