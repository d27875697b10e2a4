import * as mysql2 from 'mysql2';
import { type AfterQueryEvent, type EntitySubscriberInterface, EventSubscriber } from 'typeorm';

import { ServiceUnavailableError } from '@lib-stream/nest-kit';

/**
 * Deadlines that keep a database outage from turning into hung requests. A healthy local MariaDB
 * answers our key lookups in milliseconds, so a second is already far outside normal.
 */
export const DATABASE_DEADLINES = {
  /** TCP connect + handshake of a new connection (mysql2's default is 10 s). */
  connectMs: 1000,
  /** Waiting for a pooled connection, including opening one; mysql2's pool has no such limit. */
  acquireMs: 1000,
  /** One query on a connection; a silent network drop would otherwise wait forever. */
  queryMs: 1500,
  /** Requests queued for a connection beyond this fail at once instead of piling up. */
  queueLimit: 200,
} as const;

type MysqlPool = ReturnType<typeof mysql2.createPool>;
type PoolCallback = Parameters<MysqlPool['getConnection']>[0];

/**
 * mysql2 as TypeORM's driver, with an acquire deadline on the pool: TypeORM gets a connection with
 * `pool.getConnection(cb)`, which mysql2 lets wait for as long as a connection takes to free up.
 */
export function mysqlDriverWithAcquireDeadline(acquireMs: number): typeof mysql2 {
  const createPool = ((options: mysql2.PoolOptions) => {
    const pool = mysql2.createPool(options);
    const getConnection = pool.getConnection.bind(pool);
    pool.getConnection = ((callback: PoolCallback) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(new ServiceUnavailableError('The database') as unknown as mysql2.QueryError, undefined as never);
      }, acquireMs);
      getConnection((error, connection) => {
        clearTimeout(timer);
        if (!settled) return callback(error, connection);
        // The caller gave up meanwhile: hand the connection straight back.
        connection?.release();
      });
    }) as MysqlPool['getConnection'];
    return pool;
  }) as typeof mysql2.createPool;
  return { ...mysql2, createPool };
}

/**
 * mysql2's query timeout fails the query but leaves it at the head of the connection's command
 * queue; the next query on that connection would then wait with no timer at all. A timed-out
 * connection is therefore destroyed (which also takes it out of the pool).
 */
@EventSubscriber()
export class DropTimedOutConnections implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent<unknown>): void {
    const code = (event.error as { code?: unknown } | undefined)?.code;
    if (event.success || code !== 'PROTOCOL_SEQUENCE_TIMEOUT') return;
    const connection = (event.queryRunner as { databaseConnection?: { destroy?: () => void } }).databaseConnection;
    connection?.destroy?.();
  }
}
