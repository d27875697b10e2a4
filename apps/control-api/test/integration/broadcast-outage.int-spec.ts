import { randomBytes, randomUUID } from 'node:crypto';
import Bull from 'bull';
import Redis from 'ioredis';
import request from 'supertest';

import {
  BROADCAST_JOB_ABANDONED_FIELD,
  type BroadcastAssignmentJob,
  BroadcastKeys,
  type BroadcastJobResult,
  type BroadcastStatusView,
  ErrorCode,
  QueueNames,
  toBroadcastStatusView,
} from '@lib-stream/contracts';
import { type TestDatabase, type TestRedisServer, bearerToken, createTestDatabase, expectEventually, startRedisServer } from '@lib-stream/testing';

import { JobWaiter, jobAbandoned, jobExpired } from '@lib-stream/broadcast-control';
import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

// Everything here runs against a private redis-server that the tests stop, freeze and start again.
const LIMITS = { notTakenMs: 5000, timeoutMs: 10_000 };
const admin = bearerToken('ops-1', ['admin']);

type Data = { n: number; takeBy?: number };

function bullOptions(server: TestRedisServer): Bull.QueueOptions {
  return { prefix: 'stream:bull', redis: { host: '127.0.0.1', port: server.port, retryStrategy: () => 100 } };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const startedAt = Date.now();
  const result = await work();
  return { ms: Date.now() - startedAt, result };
}

async function serverPid(server: TestRedisServer): Promise<number> {
  const client = new Redis({ port: server.port, host: '127.0.0.1' });
  try {
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  } finally {
    client.disconnect();
  }
}

describe('broadcast jobs when Redis is down or frozen (JobWaiter on a private redis-server)', () => {
  let server: TestRedisServer;
  let queue: Bull.Queue<Data>;
  let worker: Bull.Queue<Data>;
  let waiter: JobWaiter<Data, BroadcastJobResult<number>>;
  /** Job id → whether it carried the abandoned mark when the fake worker was about to act on it. */
  const taken = new Map<string, boolean>();

  beforeAll(async () => {
    server = await startRedisServer();
    queue = new Bull<Data>('outage-test', bullOptions(server));
    worker = new Bull<Data>('outage-test', bullOptions(server));
    // Like the media worker: validates a little while, then checks the mark just before acting.
    void worker.process(2, async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const abandoned = (await job.queue.client.hexists(job.queue.toKey(String(job.id)), BROADCAST_JOB_ABANDONED_FIELD)) === 1;
      taken.set(String(job.id), abandoned);
      return abandoned ? { ok: false, status: 503, code: 'SERVICE_UNAVAILABLE', message: 'abandoned' } : { ok: true, value: job.data.n };
    });
    waiter = new JobWaiter(queue);
    expect(await waiter.run('warm-up', { n: 1 }, LIMITS)).toEqual({ kind: 'completed', value: { ok: true, value: 1 } });
  });

  afterAll(async () => {
    await Promise.all([queue?.close(), worker?.close()]).catch(() => undefined);
    await server?.dispose();
  });

  it('answers 503 within 1 s while Redis is stopped, and the job never runs once Redis is back', async () => {
    await server.stop();
    await expectEventually(() => expect(queue.client.status).not.toBe('ready'));
    const { ms, result } = await timed(() => waiter.run('while-down', { n: 2 }, LIMITS).catch((error: unknown) => error));
    expect(result).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('job queue unavailable') });
    expect(ms).toBeLessThan(1100);

    await server.start();
    // The worker is back: a new job runs; the refused one never does.
    await expectEventually(async () => expect(await waiter.run(`after-${randomUUID()}`, { n: 3 }, LIMITS)).toMatchObject({ kind: 'completed' }), { timeoutMs: 20_000, intervalMs: 500 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(taken.has('while-down')).toBe(false);
    expect(await queue.getJob('while-down')).toBeNull();
  }, 40_000);

  it('answers 503 within 1 s when Redis is frozen, and marks the job that lands afterwards so no worker acts on it', async () => {
    const pid = await serverPid(server);
    process.kill(pid, 'SIGSTOP');
    let frozen: { ms: number; result: unknown };
    try {
      frozen = await timed(() => waiter.run('while-frozen', { n: 4 }, LIMITS).catch((error: unknown) => error));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(frozen.result).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(frozen.ms).toBeLessThan(1100);
    // The add reached Redis when it woke up; the mark came right after it on the same connection.
    await expectEventually(() => expect(taken.get('while-frozen')).toBe(true), { timeoutMs: 10_000 });
    await expectEventually(async () => expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 }));
  }, 30_000);
});

describe('broadcast API when Redis is down (private redis-server)', () => {
  const encryptionKey = randomBytes(32);
  let server: TestRedisServer;
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  let worker: Bull.Queue<BroadcastAssignmentJob>;
  /** Broadcasts the fake worker acted on; `refused`: jobs it found abandoned or expired, as the media worker does. */
  const taken: string[] = [];
  const refused: string[] = [];

  const post = (path: string, body: object) => request(sut.app.getHttpServer()).post(path).set('Authorization', admin).send(body);

  async function heartbeat(): Promise<void> {
    const redis = new Redis(server.url);
    try {
      const beat = { instanceId: 'fake-worker', ffmpegAvailable: true, broadcastsRunning: 0, maxBroadcasts: 10, draining: false, updatedAt: new Date().toISOString() };
      await redis.set(BroadcastKeys.worker(beat.instanceId), JSON.stringify(beat), 'EX', 600);
    } finally {
      redis.disconnect();
    }
  }

  beforeAll(async () => {
    server = await startRedisServer();
    db = await createTestDatabase();
    sut = await createControlApi({
      STREAM_DATABASE_URL: db.url,
      STREAM_REDIS_URL: server.url,
      STREAM_BROADCAST_ENABLED: 'true',
      STREAM_TOKEN_ENCRYPTION_KEY: encryptionKey.toString('hex'),
    });
    worker = new Bull<BroadcastAssignmentJob>(QueueNames.BroadcastAssignments, bullOptions(server));
    // A fake media worker that honours the same contract as the real one (broadcast-coordinator.ts): a job
    // the control-api gave up on (past takeBy, or marked abandoned after a late add) is refused, anything
    // else is accepted without storing anything.
    void worker.process(2, async (job): Promise<BroadcastJobResult<BroadcastStatusView>> => {
      if (jobExpired(job.data) || (await jobAbandoned(job))) {
        refused.push(job.data.spec.broadcastId);
        return { ok: false, status: 503, code: ErrorCode.ServiceUnavailable, message: 'abandoned' };
      }
      taken.push(job.data.spec.broadcastId);
      return { ok: true, value: toBroadcastStatusView(job.data.spec, null, true) };
    });
    await heartbeat();
  }, 30_000);

  afterAll(async () => {
    await sut?.app.close();
    await worker?.close().catch(() => undefined);
    await server?.dispose();
    await db?.drop();
  });

  const start = () => post('/stream/broadcast/start', { sourceType: 'Camera', sourceId: `cam-${randomBytes(4).toString('hex')}`, rtmpOutputUrl: 'rtmp://live.example.com/app/live_1_SECRET' });

  it('start, update and stop answer 503 within 1 s, and nothing starts once Redis is back', async () => {
    const before = (await start().expect(200)).body.broadcastId as string;
    expect(taken).toEqual([before]);

    await server.stop();
    const broadcastId = randomUUID();
    for (const call of [() => start(), () => post('/stream/broadcast/update', { broadcastId, fallbackImageUrl: '' }), () => post('/stream/broadcast/stop', { broadcastId })]) {
      const { ms, result } = await timed(() => call());
      expect({ status: result.status, code: result.body.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(ms).toBeLessThan(1100);
    }

    await server.start();
    await heartbeat();
    const after = await expectEventually(async () => (await start().expect(200)).body.broadcastId as string, { timeoutMs: 20_000, intervalMs: 500 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(taken).toEqual([before, after]);
  }, 60_000);
});
