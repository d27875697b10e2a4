import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';

import { RedisLossKeys, SessionKeys } from '@lib-stream/contracts';
import { type TestDatabase, type TestRedisServer, bearerToken, createTestDatabase, customWebhookDelivery, expectEventually, startRedisServer } from '@lib-stream/testing';

import { SessionCleanupWorker } from '../../src/sessions/session-cleanup.worker';
import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

const CUSTOM_SECRET = 'custom-webhook-secret-for-tests-0011';
const env = (redisUrl: string) => ({
  STREAM_ENABLED: 'true',
  STREAM_REDIS_URL: redisUrl,
  STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  STREAM_CUSTOM_WEBHOOK_SECRET: CUSTOM_SECRET,
});
const user = (accountId: string) => bearerToken(accountId, ['user']);

/** A custom link with a live session, driven over HTTP like a creator and their platform would. */
function creatorOf(sut: () => ControlApiUnderTest) {
  const post = (path: string, accountId: string, body: object) => request(sut().app.getHttpServer()).post(path).set('Authorization', user(accountId)).send(body);
  return {
    post,
    async goLive() {
      const accountId = randomUUID();
      const link = await post('/stream/platform/link', accountId, { accountId, platform: 'custom', rtmpUrl: 'rtmp://ingest.example.net/live/sk_custom_5678' }).expect(200);
      const session = await post('/stream/session/start', accountId, { accountId, platform: 'custom' }).expect(200);
      return { accountId, linkId: link.body.link.linkId as string, sessionId: session.body.platformSessionId as string };
    },
    status: (accountId: string, platformSessionId: string) => post('/stream/session/status', accountId, { accountId, platformSessionId }),
    /** A fresh delivery id each time, so a 409 before the restore does not turn the retry into a duplicate. */
    chat(linkId: string) {
      const delivery = customWebhookDelivery(CUSTOM_SECRET, { linkId, events: [{ type: 'chat', text: 'what a save, unbelievable!' }] });
      return request(sut().app.getHttpServer()).post('/stream/webhook/custom').set(delivery.headers).send(delivery.body);
    },
  };
}

describe('platform sessions survive a Redis loss (private redis-server, MariaDB)', () => {
  let db: TestDatabase;
  let server: TestRedisServer;
  let redis: Redis;
  let sut: ControlApiUnderTest;
  const creator = creatorOf(() => sut);

  /** Posts one signed chat until it is accepted; returns how long that took. */
  async function acceptedWithin(linkId: string, timeoutMs: number): Promise<number> {
    const since = Date.now();
    await expectEventually(async () => expect((await signedChat(linkId)).status).toBe(202), { timeoutMs, intervalMs: 100 });
    return Date.now() - since;
  }

  const signedChat = (linkId: string) => creator.chat(linkId);

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    redis.on('error', () => undefined);
    db = await createTestDatabase();
    sut = await createControlApi({ ...env(server.url), STREAM_DATABASE_URL: db.url });
  });

  afterAll(async () => {
    await sut?.app.close();
    await db?.drop();
    redis?.disconnect();
    await server?.dispose();
  });

  it('writes the session through to the database, ended when it ends, without anything private', async () => {
    const { accountId, linkId, sessionId } = await creator.goLive();
    const inGame = randomUUID();
    await creator.post('/stream/session/associate', accountId, { accountId, platformSessionId: sessionId, inGameSessionId: inGame }).expect(200);
    const connection = await createConnection(db.url);
    try {
      const row = async () => ((await connection.query('SELECT * FROM stream_platform_sessions WHERE id = ?', [sessionId]))[0] as Record<string, unknown>[])[0];
      expect(await row()).toMatchObject({ link_id: linkId, active_link_id: linkId, account_id: accountId, platform: 'custom', state: 'active', in_game_session_id: inGame, ended_at: null });
      await creator.post('/stream/session/stop', accountId, { accountId, platformSessionId: sessionId }).expect(200);
      expect(await row()).toMatchObject({ state: 'ended', active_link_id: null, ended_at: expect.any(Date) });
      const [columns] = await connection.query('SHOW COLUMNS FROM stream_platform_sessions');
      expect((columns as { Field: string }[]).map((c) => c.Field).join(' ')).not.toMatch(/user|name|token|text|rtmp/);
    } finally {
      await connection.end();
    }
  });

  it('after a FLUSHALL: the live session is back within seconds, its webhooks accepted and buffered, the ended one stays ended', async () => {
    const live = await creator.goLive();
    const inGame = randomUUID();
    await creator.post('/stream/session/associate', live.accountId, { accountId: live.accountId, platformSessionId: live.sessionId, inGameSessionId: inGame }).expect(200);
    const ended = await creator.goLive();
    await creator.post('/stream/session/stop', ended.accountId, { accountId: ended.accountId, platformSessionId: ended.sessionId }).expect(200);
    expect((await signedChat(live.linkId)).status).toBe(202);

    await server.flush();
    expect(await redis.exists(SessionKeys.session(live.sessionId))).toBe(0);
    expect(await acceptedWithin(live.linkId, 6000)).toBeLessThan(5000);

    expect(await redis.llen(SessionKeys.buffer(live.sessionId))).toBe(1);
    expect(await redis.smembers(SessionKeys.active())).toContain(live.sessionId);
    expect(await redis.get(SessionKeys.activeByLink(live.linkId))).toBe(live.sessionId);
    const status = (await creator.status(live.accountId, live.sessionId).expect(200)).body;
    // The counters restart from zero: only the delivery after the flush is counted.
    expect(status).toMatchObject({ state: 'active', inGameSessionId: inGame, entriesAccepted: 1 });

    // Ended stays ended: not in the active set, no webhook, its history still listed from the database.
    expect(await redis.smembers(SessionKeys.active())).not.toContain(ended.sessionId);
    expect(await redis.exists(SessionKeys.activeByLink(ended.linkId))).toBe(0);
    expect((await signedChat(ended.linkId)).status).toBe(409);
    expect((await creator.status(ended.accountId, ended.sessionId).expect(200)).body).toMatchObject({ state: 'ended', endedAt: expect.any(String) });
    const list = (await creator.post('/stream/session/list', ended.accountId, { accountId: ended.accountId }).expect(200)).body;
    expect(list).toMatchObject({ total: 1, sessions: [{ platformSessionId: ended.sessionId, state: 'ended' }] });
  });

  it('after a restart without persistence, the same', async () => {
    const live = await creator.goLive();
    await server.restart(300);
    expect(await acceptedWithin(live.linkId, 8000)).toBeLessThan(7000);
    expect(await redis.llen(SessionKeys.buffer(live.sessionId))).toBe(1);
    expect((await creator.status(live.accountId, live.sessionId).expect(200)).body.state).toBe('active');
    // Still one session per link: a second start is refused, a stop ends it for good.
    await creator.post('/stream/session/start', live.accountId, { accountId: live.accountId, platform: 'custom' }).expect(409);
    await creator.post('/stream/session/stop', live.accountId, { accountId: live.accountId, platformSessionId: live.sessionId }).expect(200);
    expect((await signedChat(live.linkId)).status).toBe(409);
  });

  it('a session stopped before the restore caught up is not brought back', async () => {
    const live = await creator.goLive();
    await server.flush();
    // Straight away, before the watcher's next look: the status comes from the database and the stop works.
    expect((await creator.status(live.accountId, live.sessionId).expect(200)).body.state).toBe('active');
    await creator.post('/stream/session/stop', live.accountId, { accountId: live.accountId, platformSessionId: live.sessionId }).expect(200);
    await expectEventually(async () => expect(await redis.exists(RedisLossKeys.epoch())).toBe(1), { timeoutMs: 6000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await redis.smembers(SessionKeys.active())).not.toContain(live.sessionId);
    expect((await signedChat(live.linkId)).status).toBe(409);
    expect((await creator.status(live.accountId, live.sessionId).expect(200)).body.state).toBe('ended');
  });
  it('the hourly clean-up drops ended rows past the retention, never an active one', async () => {
    const live = await creator.goLive();
    const ended = await creator.goLive();
    await creator.post('/stream/session/stop', ended.accountId, { accountId: ended.accountId, platformSessionId: ended.sessionId }).expect(200);
    const connection = await createConnection(db.url);
    try {
      const ids = async () => ((await connection.query('SELECT id FROM stream_platform_sessions WHERE id IN (?, ?)', [live.sessionId, ended.sessionId]))[0] as { id: string }[]).map((r) => r.id).sort();
      await sut.app.get(SessionCleanupWorker).purge(new Date());
      expect(await ids()).toEqual([live.sessionId, ended.sessionId].sort());
      const pastRetention = new Date(Date.now() + (sut.config.STREAM_SESSION_HISTORY_RETENTION_HOURS + 1) * 3600 * 1000);
      await sut.app.get(SessionCleanupWorker).purge(pastRetention);
      expect(await ids()).toEqual([live.sessionId]);
    } finally {
      await connection.end();
    }
  });
});

describe('platform sessions on the embedded SQLite default', () => {
  it('are back after a restart of Redis (no persistence) and of control-api', async () => {
    const server = await startRedisServer();
    const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-sessions-'));
    const settings = { ...env(server.url), STREAM_DATA_DIR: dataDir };
    let sut = await createControlApi(settings);
    const creator = creatorOf(() => sut);
    try {
      const live = await creator.goLive();
      await sut.app.close();
      await server.restart();
      sut = await createControlApi(settings);
      // Restored before the app took traffic.
      expect((await creator.chat(live.linkId)).status).toBe(202);
      expect((await creator.status(live.accountId, live.sessionId).expect(200)).body).toMatchObject({ state: 'active', entriesAccepted: 1 });
    } finally {
      await sut.app.close();
      await server.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('viewer counts in the database', () => {
  it('are not written per webhook; the latest figures reach the row as a checkpoint (here: at shutdown)', async () => {
    const server = await startRedisServer();
    const db = await createTestDatabase();
    let sut = await createControlApi({ ...env(server.url), STREAM_DATABASE_URL: db.url });
    const creator = creatorOf(() => sut);
    const connection = await createConnection(db.url);
    const row = async (id: string) => ((await connection.query('SELECT viewer_count, peak_viewer_count FROM stream_platform_sessions WHERE id = ?', [id]))[0] as Record<string, number>[])[0];
    try {
      const live = await creator.goLive();
      for (const count of [120, 480, 300]) {
        const delivery = customWebhookDelivery(CUSTOM_SECRET, { linkId: live.linkId, events: [{ type: 'viewers', count }] });
        await request(sut.app.getHttpServer()).post('/stream/webhook/custom').set(delivery.headers).send(delivery.body).expect(202);
      }
      expect((await creator.status(live.accountId, live.sessionId).expect(200)).body).toMatchObject({ viewerCount: 300, peakViewerCount: 480 });
      expect(await row(live.sessionId)).toEqual({ viewer_count: 0, peak_viewer_count: 0 });
      await sut.app.close();
      expect(await row(live.sessionId)).toEqual({ viewer_count: 300, peak_viewer_count: 480 });
      // And a restore after a loss brings those figures back.
      await server.flush();
      sut = await createControlApi({ ...env(server.url), STREAM_DATABASE_URL: db.url });
      expect((await creator.status(live.accountId, live.sessionId).expect(200)).body).toMatchObject({ state: 'active', viewerCount: 300, peakViewerCount: 480 });
    } finally {
      await connection.end();
      await sut.app.close();
      await db.drop();
      await server.dispose();
    }
  });
});

describe('sessions an earlier version kept only in Redis', () => {
  it('get their database row at start, so the history stays listed and a later loss does not forget the live one', async () => {
    const server = await startRedisServer();
    const db = await createTestDatabase();
    const settings = { ...env(server.url), STREAM_DATABASE_URL: db.url };
    let sut = await createControlApi(settings);
    const creator = creatorOf(() => sut);
    const connection = await createConnection(db.url);
    try {
      const live = await creator.goLive();
      const ended = await creator.goLive();
      await creator.post('/stream/session/stop', ended.accountId, { accountId: ended.accountId, platformSessionId: ended.sessionId }).expect(200);
      await sut.app.close();
      // What the earlier version left: Redis records and indexes, no rows.
      await connection.query('DELETE FROM stream_platform_sessions');
      sut = await createControlApi(settings);
      const [rows] = await connection.query('SELECT id, state, active_link_id FROM stream_platform_sessions ORDER BY started_at');
      expect(rows).toEqual([
        { id: live.sessionId, state: 'active', active_link_id: live.linkId },
        { id: ended.sessionId, state: 'ended', active_link_id: null },
      ]);
      const list = (await creator.post('/stream/session/list', ended.accountId, { accountId: ended.accountId }).expect(200)).body;
      expect(list.sessions.map((s: { platformSessionId: string }) => s.platformSessionId)).toEqual([ended.sessionId]);
      await server.flush();
      await expectEventually(async () => expect((await creator.chat(live.linkId)).status).toBe(202), { timeoutMs: 6000 });
      expect((await creator.chat(ended.linkId)).status).toBe(409);
    } finally {
      await connection.end();
      await sut.app.close();
      await db.drop();
      await server.dispose();
    }
  });
});
