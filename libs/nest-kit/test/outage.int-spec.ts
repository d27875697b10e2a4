import Redis, { type RedisOptions } from 'ioredis';
import * as mysql2 from 'mysql2';
import { DataSource } from 'typeorm';

import { TEST_MYSQL_URL, type TestRedisServer, createTestDatabase, freePort, startRedisServer, startTcpProxy, testRedisUrl } from '@lib-stream/testing';

import { ServiceUnavailableError, classifyOutage, isInfrastructureOutage } from '../src/http/outage';

/** The error a promise rejects with (fails the test if it resolves). */
async function rejectionOf(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function mysqlSource(url: string, extra: Record<string, unknown> = {}): DataSource {
  // A logger that drops everything: TypeORM prints slow queries to the console whatever `logging` says.
  const logger = { logQuery: () => undefined, logQueryError: () => undefined, logQuerySlow: () => undefined, logSchemaBuild: () => undefined, logMigration: () => undefined, log: () => undefined };
  return new DataSource({ type: 'mysql', connectorPackage: 'mysql2', driver: mysql2, url, connectTimeout: 500, logger, ...extra });
}

// Every error below is produced by the real driver against a real (or deliberately absent) server.
describe('classifyOutage, on errors the real drivers raise', () => {
  let closedPort: number;
  beforeAll(async () => {
    closedPort = await freePort();
  });

  describe('ioredis', () => {
    const clients: Redis[] = [];
    const client = (options: RedisOptions) => {
      const redis = new Redis(options);
      redis.on('error', () => undefined);
      clients.push(redis);
      return redis;
    };
    let replica: TestRedisServer | undefined;
    afterAll(async () => {
      clients.forEach((redis) => redis.disconnect());
      await replica?.dispose();
    });

    it('recognises MaxRetriesPerRequestError from a command while Redis is unreachable', async () => {
      const error = await rejectionOf(() => client({ port: closedPort, maxRetriesPerRequest: 1, retryStrategy: () => 20 }).get('k'));
      expect(error.name).toBe('MaxRetriesPerRequestError');
      expect(classifyOutage(error)).toBe('Redis');
    });

    it('recognises the fail-fast offline-queue error', async () => {
      const error = await rejectionOf(() => client({ port: closedPort, enableOfflineQueue: false, retryStrategy: () => 20 }).get('k'));
      expect(error.message).toContain('enableOfflineQueue');
      expect(classifyOutage(error)).toBe('Redis');
    });

    it('recognises "Connection is closed." from a client that gave up reconnecting', async () => {
      const redis = client({ port: closedPort, lazyConnect: true, retryStrategy: () => null });
      await rejectionOf(() => redis.connect());
      const error = await rejectionOf(() => redis.get('k'));
      expect(error.message).toBe('Connection is closed.');
      expect(classifyOutage(error)).toBe('Redis');
    });

    it('recognises READONLY from a replica, and not an ordinary command error such as WRONGTYPE', async () => {
      const primaryPort = await freePort();
      replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(primaryPort)] });
      const redis = client({ port: replica.port, maxRetriesPerRequest: 0 });
      const readonly = await rejectionOf(() => redis.set('k', 'v'));
      expect(readonly.message).toMatch(/^READONLY/);
      expect(classifyOutage(readonly)).toBe('Redis');

      const healthy = client({ port: Number(new URL(testRedisUrl()).port), maxRetriesPerRequest: 0 });
      const key = `stream:test:outage:${process.pid}`;
      await healthy.set(key, 'string', 'PX', 5000);
      const wrongType = await rejectionOf(() => healthy.lpush(key, 'x'));
      expect(wrongType.message).toMatch(/^WRONGTYPE/);
      expect(isInfrastructureOutage(wrongType)).toBe(false);
    });
  });

  describe('TypeORM on mysql2', () => {
    const sources: DataSource[] = [];
    const source = (url: string, extra: Record<string, unknown> = {}) => {
      const ds = mysqlSource(url, extra);
      sources.push(ds);
      return ds;
    };
    afterAll(async () => {
      for (const ds of sources) if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    });

    it('recognises ECONNREFUSED when the database is not there at all', async () => {
      const error = await rejectionOf(() => source(`mysql://root@127.0.0.1:${closedPort}/x`).initialize());
      expect((error as Error & { code?: string }).code).toBe('ECONNREFUSED');
      expect(classifyOutage(error)).toBe('The database');
    });

    it('recognises a connection reset, a connect timeout and a query timeout through a cut relay', async () => {
      const db = await createTestDatabase('stream_outage');
      const proxy = await startTcpProxy(Number(new URL(TEST_MYSQL_URL).port || 3306));
      try {
        const ds = source(proxy.urlFor(db.url), { enableQueryTimeout: true, maxQueryExecutionTime: 300, extra: { connectionLimit: 1 } });
        await ds.initialize();
        await ds.query('SELECT 1');

        proxy.cut('reset');
        const reset = await rejectionOf(() => ds.query('SELECT 1'));
        expect(classifyOutage(reset)).toBe('The database');

        proxy.cut('blackhole');
        const connectTimeout = await rejectionOf(() => ds.query('SELECT 1'));
        expect((connectTimeout as Error & { code?: string }).code).toBe('ETIMEDOUT');
        expect(classifyOutage(connectTimeout)).toBe('The database');

        proxy.restore();
        await ds.query('SELECT 1');
        proxy.cut('blackhole');
        const queryTimeout = await rejectionOf(() => ds.query('SELECT 1'));
        expect(queryTimeout.name).toBe('QueryFailedError');
        expect(classifyOutage(queryTimeout)).toBe('The database');
      } finally {
        proxy.restore();
        await proxy.close();
        await db.drop();
      }
    });

    it('recognises ER_LOCK_WAIT_TIMEOUT, and not a bad query or a duplicate key', async () => {
      const db = await createTestDatabase('stream_outage');
      try {
        const ds = source(db.url, { extra: { connectionLimit: 2 } });
        await ds.initialize();
        await ds.query('CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB');
        await ds.query('INSERT INTO t VALUES (1)');
        const holder = ds.createQueryRunner();
        const waiter = ds.createQueryRunner();
        try {
          await holder.startTransaction();
          await holder.query('SELECT id FROM t WHERE id = 1 FOR UPDATE');
          await waiter.query('SET SESSION innodb_lock_wait_timeout = 1');
          const lockWait = await rejectionOf(() => waiter.query('UPDATE t SET id = 2 WHERE id = 1'));
          expect(lockWait.name).toBe('QueryFailedError');
          expect(classifyOutage(lockWait)).toBe('The database');
          await holder.rollbackTransaction();
        } finally {
          await holder.release();
          await waiter.release();
        }

        const badSql = await rejectionOf(() => ds.query('SELEC 1'));
        const duplicate = await rejectionOf(() => ds.query('INSERT INTO t VALUES (1)'));
        expect(badSql.name).toBe('QueryFailedError');
        expect(duplicate.name).toBe('QueryFailedError');
        expect(isInfrastructureOutage(badSql)).toBe(false);
        expect(isInfrastructureOutage(duplicate)).toBe(false);

        await ds.destroy();
        const closed = await rejectionOf(() => ds.query('SELECT 1'));
        expect(isInfrastructureOutage(closed)).toBe(true);
      } finally {
        await db.drop();
      }
    });

    it('recognises "Pool is closed." from a mysql2 pool that was ended', async () => {
      const pool = mysql2.createPool({ uri: TEST_MYSQL_URL });
      await new Promise<void>((resolve) => pool.end(() => resolve()));
      const error = await new Promise<Error>((resolve) => pool.getConnection((err) => resolve(err as Error)));
      expect(error.message).toBe('Pool is closed.');
      expect(classifyOutage(error)).toBe('The database');
    });
  });

  describe('our own errors and wrappers', () => {
    it('takes a ServiceUnavailableError at its word', () => {
      expect(classifyOutage(new ServiceUnavailableError('The media worker'))).toBe('The media worker');
    });

    it('looks through cause chains', () => {
      const driver = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:3306'), { code: 'ECONNREFUSED', fatal: true });
      expect(classifyOutage(new Error('link lookup failed', { cause: new Error('repository', { cause: driver }) }))).toBe('The database');
    });

    it('leaves bugs and bad input alone', () => {
      expect(classifyOutage(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeNull();
      expect(classifyOutage('ECONNREFUSED')).toBeNull();
      expect(classifyOutage(null)).toBeNull();
    });
  });
});
