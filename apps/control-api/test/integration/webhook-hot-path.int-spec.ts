import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { PulseSettings, SentimentSettings, classifyOutage, loadConfig, luaScript } from '@lib-stream/nest-kit';
import { SentimentCategory } from '@lib-stream/privacy';
import { expectEventually, freePort, startRedisServer, testRedisUrl } from '@lib-stream/testing';

import { SentimentBuffer } from '../../src/audience/sentiment-buffer';
import { RedisMicroBatch } from '../../src/audience/redis-micro-batch';
import { SessionCounters } from '../../src/sessions/session-counters';

// The webhook hot path's Redis pieces against a real Redis: the micro-batch and the buffer write that
// checks the link's active session in the same script.
/**
 * A MONITOR connection, started from a client that is ready and idle. ioredis switches a connection to
 * monitoring a microtask after MONITOR's OK, so a line that arrives with that OK (another client's
 * command at that instant, e.g. the ready check of a connection still opening) is taken for a reply:
 * "Command queue state error" (seen in a CI rehearsal with `redis.duplicate().monitor()`).
 */
async function watchCommands(): Promise<Redis> {
  const watcher = new Redis(testRedisUrl());
  await watcher.ping();
  const monitor = await watcher.monitor();
  await watcher.quit();
  return monitor;
}

describe('webhook hot path in Redis', () => {
  let redis: Redis;
  let batch: RedisMicroBatch;
  const entry = { category: SentimentCategory.Excited, intensity: 0.5, trackingId: null, viewerType: null };

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    batch = new RedisMicroBatch(redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('sends the commands of one turn together, each with its own result or error, in order', async () => {
    const key = `test:micro-batch:${randomUUID()}`;
    const monitor = await watchCommands();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (String(args[1]).startsWith(key)) seen.push(args[0]);
    });
    const results = await Promise.allSettled([
      batch.call('set', key, '1', 'NX'),
      batch.call('set', key, '2', 'NX'),
      batch.call('incr', `${key}:text`),
      batch.call('get', key),
    ]);
    await redis.set(`${key}:text`, 'not a number');
    await expect(batch.call('incr', `${key}:text`)).rejects.toThrow(/not an integer/);
    monitor.disconnect();
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual(['OK', null, 1, '1']);
    expect(seen.slice(0, 4)).toEqual(['set', 'set', 'incr', 'get']);
    await redis.del(key, `${key}:text`);
  });

  it('runs the script calls of one turn as one EVALSHA, each call with its own keys, arguments, reply or error', async () => {
    const key = `test:micro-batch:${randomUUID()}`;
    const echo = luaScript(`return {KEYS[1], ARGV[1], #KEYS, #ARGV}`);
    const incr = luaScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`);
    const nothing = luaScript(`local unused = KEYS[1]`);
    // The same three scripts once before watching, so Redis knows their dispatcher (a first EVALSHA
    // gets NOSCRIPT and is followed by an EVAL with the source).
    await Promise.all([batch.script(echo, [`${key}:w`], ['w']), batch.script(incr, [`${key}:w2`], [1]), batch.script(nothing, [`${key}:w`], [])]);
    const monitor = await watchCommands();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => String(arg).startsWith(key))) seen.push(String(args[0]).toLowerCase());
    });
    await redis.set(`${key}:text`, 'not a number');
    const results = await Promise.allSettled([
      batch.script(echo, [`${key}:a`], ['x']),
      batch.script(incr, [`${key}:n`], [5]),
      batch.script(incr, [`${key}:text`], [1]),
      batch.script(echo, [`${key}:b`, `${key}:c`], ['y', 'z', 'w']),
      batch.script(nothing, [`${key}:d`], []),
      batch.script(incr, [`${key}:n`], [2]),
    ]);
    // MONITOR's lines come in on their own connection: wait for a marker sent after the batch.
    await redis.get(`${key}:end`);
    await expectEventually(() => expect(seen).toContain('get'));
    monitor.disconnect();
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : `rejected: ${(r.reason as Error).message}`))).toEqual([
      [`${key}:a`, 'x', 1, 1],
      5,
      expect.stringMatching(/^rejected: .*not an integer/),
      [`${key}:b`, 'y', 2, 3],
      null,
      7,
    ]);
    // One EVALSHA; MONITOR also lists the commands the scripts ran inside it (the failing INCRBY too).
    expect(seen).toEqual(['set', 'evalsha', 'incrby', 'incrby', 'incrby', 'get']);
    await redis.del(`${key}:n`, `${key}:text`, `${key}:w2`);
  });

  it('sends the dispatcher in full when Redis lost its script cache (restart, failover)', async () => {
    const script = luaScript(`return ARGV[1] .. '${randomUUID()}'`);
    expect(String(await batch.script(script, [], ['x']))).toMatch(/^x/);
    await redis.script('FLUSH');
    expect(String(await batch.script(script, [], ['y']))).toMatch(/^y/);
  });

  it('fails the whole batch with Redis\'s own READONLY reply on a demoted primary, so ioredis reconnects and resends it and the caller answers 503', async () => {
    // A replica of a primary that is not there: read-only, as a primary is once a failover demoted it.
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(await freePort())] });
    const seenByReconnect: string[] = [];
    const client = new Redis(replica.url, { maxRetriesPerRequest: 0, reconnectOnError: (error) => (seenByReconnect.push(error.message), false) });
    try {
      const onReplica = new RedisMicroBatch(client);
      const read = luaScript(`return redis.call('GET', KEYS[1])`);
      const write = luaScript(`return redis.call('SET', KEYS[1], ARGV[1])`);
      const results = await Promise.allSettled([onReplica.script(read, ['k'], []), onReplica.script(write, ['k'], ['v'])]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        const error = (result as PromiseRejectedResult).reason as Error;
        expect(error).toMatchObject({ name: 'ReplyError', message: expect.stringMatching(/^READONLY /) });
        expect(classifyOutage(error)).toBe('Redis');
      }
      expect(seenByReconnect.some((message) => message.startsWith('READONLY'))).toBe(true);
    } finally {
      client.disconnect();
      await replica.dispose();
    }
  });

  it('buffers for the link only while its claim names the session, and counts a shed entry', async () => {
    const config = loadConfig({ STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '2', STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '15' });
    const buffer = new SentimentBuffer(redis, new SentimentSettings(config), batch, new PulseSettings(config));
    const [linkId, sessionId, otherId] = [randomUUID(), randomUUID(), randomUUID()];
    // No claim, then a claim for another session, then a claim without a record: nothing is written.
    expect(await buffer.pushIfActive(linkId, sessionId, entry)).toBe('inactive');
    await redis.set(SessionKeys.activeByLink(linkId), otherId);
    await redis.set(SessionKeys.session(sessionId), '{}');
    expect(await buffer.pushIfActive(linkId, sessionId, entry)).toBe('inactive');
    await redis.set(SessionKeys.activeByLink(linkId), sessionId);
    await redis.del(SessionKeys.session(sessionId));
    expect(await buffer.pushIfActive(linkId, sessionId, entry)).toBe('inactive');
    expect(await redis.exists(SessionKeys.buffer(sessionId), SessionKeys.stats(sessionId))).toBe(0);

    await redis.set(SessionKeys.session(sessionId), '{}');
    const outcomes = await Promise.all([1, 2, 3].map(() => buffer.pushIfActive(linkId, sessionId, entry)));
    // The burst limit (2 a second) holds inside one batch (the three entries are stamped in the same tick).
    expect(outcomes).toEqual(['buffered', 'buffered', 'shed']);
    const stats = await new SessionCounters(redis).stats(sessionId);
    expect(stats).toMatchObject({ accepted: 2, shed: 1 });
    expect(await redis.llen(SessionKeys.buffer(sessionId))).toBe(stats.accepted);
    expect(JSON.parse((await redis.lindex(SessionKeys.buffer(sessionId), 0)) as string)).toMatchObject(entry);
    await redis.del(SessionKeys.activeByLink(linkId), SessionKeys.session(sessionId), SessionKeys.buffer(sessionId), SessionKeys.stats(sessionId));
  });

  it('writes a delivery behind its replay guard in one script: once, and nothing for a message id seen before', async () => {
    const config = loadConfig({ STREAM_SENTIMENT_MAX_ENTRIES_PER_SECOND: '100', STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: '15' });
    const buffer = new SentimentBuffer(redis, new SentimentSettings(config), batch, new PulseSettings(config));
    const [linkId, sessionId] = [randomUUID(), randomUUID()];
    const guard = (id: string) => ({ key: SessionKeys.webhookMessage('test', id), ttlMs: 60_000 });
    const [first, second, third, fourth] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

    // No active session: the guard is set all the same (the caller ingests it for the current session).
    expect(await buffer.writeIfFresh(guard(first), linkId, sessionId, entry)).toBe('inactive');
    expect(await redis.pttl(guard(first).key)).toBeGreaterThan(50_000);
    expect(await buffer.writeIfFresh(guard(first), linkId, sessionId, entry)).toBe('duplicate');

    await redis.set(SessionKeys.activeByLink(linkId), sessionId);
    await redis.set(SessionKeys.session(sessionId), '{}');
    // The same delivery three times in one batch (three replicas at once), and one without sentiment twice.
    const outcomes = await Promise.all([
      buffer.writeIfFresh(guard(second), linkId, sessionId, entry),
      buffer.writeIfFresh(guard(second), linkId, sessionId, entry),
      buffer.writeIfFresh(guard(third), linkId, sessionId, null),
      buffer.writeIfFresh(guard(second), linkId, sessionId, entry),
      buffer.writeIfFresh(guard(third), linkId, sessionId, null),
      buffer.writeIfFresh(guard(fourth), linkId, sessionId, entry),
    ]);
    expect(outcomes).toEqual(['buffered', 'duplicate', 'no_sentiment', 'duplicate', 'duplicate', 'buffered']);
    expect(await new SessionCounters(redis).stats(sessionId)).toMatchObject({ accepted: 2, shed: 0, noSentiment: 1 });
    expect(await redis.llen(SessionKeys.buffer(sessionId))).toBe(2);
    await redis.del(
      ...[first, second, third, fourth].map((id) => guard(id).key),
      SessionKeys.activeByLink(linkId),
      SessionKeys.session(sessionId),
      SessionKeys.buffer(sessionId),
      SessionKeys.stats(sessionId),
    );
  });
});
