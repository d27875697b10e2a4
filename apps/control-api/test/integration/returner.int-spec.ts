import { createHash, createHmac, randomBytes } from 'node:crypto';

import Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { runScript } from '@lib-stream/nest-kit';
import { TrackedViewerType } from '@lib-stream/privacy';
import { dumpRedis, expectEventually, findLeaks, testRedisUrl } from '@lib-stream/testing';

import { ReturnerLedger, type ReturnerPeriods } from '../../src/audience/returner-ledger';
import { TrackedViewers, type TrackingRules } from '../../src/audience/tracked-viewers';

// Returner detection against a real Redis: its expiries are the retention and the rotation.
// A database of its own, so the salt is not shared with specs running beside this one.
const DB = 13;
const HOUR = 3_600_000;
const LINK = 'link-returner-1';
const rules: Omit<TrackingRules, 'seenBefore'> = { maxTracked: 50, engagementThreshold: 0.7, trackSubscribers: true, trackModerators: true, trackRaidLeaders: true };

describe('Returner detection (ReturnerLedger + TrackedViewers)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { db: DB });
  });
  beforeEach(async () => {
    await redis.flushdb();
  });
  afterAll(async () => {
    await redis.flushdb();
    redis.disconnect();
  });

  /** A session's tracked viewers on one replica, its returner checks going to `ledger`. */
  function session(ledger: ReturnerLedger, platformSessionId: string, linkId = LINK): TrackedViewers {
    return new TrackedViewers({ ...rules, seenBefore: (viewerId) => ledger.seen(linkId, platformSessionId, viewerId) });
  }

  /** The viewer's type after their first interaction of a session has been checked. */
  async function typeIn(viewers: TrackedViewers, viewerId: string): Promise<TrackedViewerType | null> {
    viewers.observe(viewerId, {}, true);
    await viewers.checksSettled();
    return viewers.observe(viewerId, {}, false)?.viewerType ?? null;
  }

  const PEPPER = randomBytes(32);
  const ledgerWith = (periods: ReturnerPeriods, pepper = PEPPER) => new ReturnerLedger((script, keys, args) => runScript(redis, script, keys, args), periods, pepper);
  const seenKeys = async (): Promise<string[]> => (await redis.keys(SessionKeys.returnerSeen('*'))).sort();

  it('tracks the same viewer as Returner in the next session of the link, and not in the first', async () => {
    const ledger = ledgerWith({ rotationMs: HOUR, retentionMs: HOUR });
    expect(await typeIn(session(ledger, 'session-1'), '41414141')).toBeNull();
    // Another replica of the same session is not a second session.
    expect(await typeIn(session(ledgerWith({ rotationMs: HOUR, retentionMs: HOUR }), 'session-1'), '41414141')).toBeNull();

    const second = session(ledger, 'session-2');
    expect(await typeIn(second, '41414141')).toBe(TrackedViewerType.Returner);
    expect(await typeIn(second, '52525252')).toBeNull();
    // And in every later session, on any replica.
    expect(await typeIn(session(ledgerWith({ rotationMs: HOUR, retentionMs: HOUR }), 'session-3'), '41414141')).toBe(TrackedViewerType.Returner);
    // Another link's session does not count: the hash covers the link.
    expect(await typeIn(session(ledger, 'session-4', 'link-returner-2'), '41414141')).toBeNull();
    // Redis's content alone (salt and hashes) does not recognise anyone: the key also needs the pepper.
    expect(await typeIn(session(ledgerWith({ rotationMs: HOUR, retentionMs: HOUR }, randomBytes(32)), 'session-5'), '41414141')).toBeNull();
  });

  it('forgets a viewer after the retention: the record is deleted and the next session treats them as new', async () => {
    const ledger = ledgerWith({ rotationMs: HOUR, retentionMs: 200 });
    await ledger.seen(LINK, 'session-1', '63636363');
    const [record] = await seenKeys();
    const ttl = await redis.pttl(record);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    await expectEventually(async () => expect(await seenKeys()).toEqual([]));
    expect(await typeIn(session(ledger, 'session-2'), '63636363')).toBeNull();
  });

  it('cannot match a viewer across a salt rotation: new salt, new unrelated hash, old record gone with its salt', async () => {
    const ledger = ledgerWith({ rotationMs: 300, retentionMs: HOUR });
    await ledger.seen(LINK, 'session-1', '74747474');
    const oldSalt = await redis.get(SessionKeys.returnerSalt());
    const [oldRecord] = await seenKeys();
    // The record never outlives its salt, however long the retention.
    // Absolute expiry times: two PTTLs are read at different milliseconds.
    const [[, recordEnds], [, saltEnds]] = (await redis.multi().pexpiretime(oldRecord).pexpiretime(SessionKeys.returnerSalt()).exec()) as [unknown, number][];
    expect(recordEnds).toBeGreaterThan(0);
    expect(recordEnds).toBeLessThanOrEqual(saltEnds);
    await expectEventually(async () => expect(await redis.exists(SessionKeys.returnerSalt())).toBe(0));

    expect(await typeIn(session(ledger, 'session-2'), '74747474')).toBeNull();
    const newSalt = await redis.get(SessionKeys.returnerSalt());
    expect(newSalt).not.toBeNull();
    expect(newSalt).not.toBe(oldSalt);
    expect(await seenKeys()).not.toContain(oldRecord);
  });

  it('stores no platform user id, nor any value computable from it with what Redis holds', async () => {
    const ledger = ledgerWith({ rotationMs: HOUR, retentionMs: HOUR });
    const ids = ['8080808080', '9191919191', 'UCx0Yt3Zq9Lw2EkRUBYchannel'];
    for (const sessionId of ['session-1', 'session-2']) for (const id of ids) await ledger.seen(LINK, sessionId, id);
    const dump = await dumpRedis(redis);
    expect(await seenKeys()).toHaveLength(ids.length);

    // Unkeyed digests (what a dictionary attack without the salt would compute) in the usual encodings.
    const digests = ids.flatMap((id) =>
      [id, `${LINK}\n${id}`, `${LINK}:${id}`, `twitch:${id}`].flatMap((input) => [
        createHash('sha256').update(input).digest('hex'),
        createHash('sha256').update(input).digest('base64url'),
        createHash('sha1').update(input).digest('hex'),
        createHmac('sha256', '').update(input).digest('base64url'),
      ]),
    );
    // What a reader of Redis could compute with the salt it finds there: not enough without the pepper.
    const salt = Buffer.from((await redis.get(SessionKeys.returnerSalt())) ?? '', 'base64');
    const withSaltOnly = ids.map((id) => createHmac('sha256', salt).update(`${LINK}\n${id}`).digest('base64url'));
    const encodings = ids.flatMap((id) => [Buffer.from(id).toString('base64'), Buffer.from(id).toString('hex')]);
    expect(findLeaks({ redis: dump }, [...ids, ...encodings, ...digests, ...withSaltOnly])).toEqual({});
    // Only the salt and the seen-records: nothing else was written.
    expect(dump.split('\n').filter(Boolean).every((line) => line.startsWith('stream:returner'))).toBe(true);
  });
});
