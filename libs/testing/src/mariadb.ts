import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

/** Server the integration tests use: the local MariaDB (override with STREAM_TEST_MYSQL_URL). */
export const TEST_MYSQL_URL = process.env.STREAM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  /** `mysql://…/<fresh database>` to hand to STREAM_DATABASE_URL. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name, so each test run starts from a fresh schema. */
export async function createTestDatabase(prefix = 'stream_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withServer((connection) => connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`));
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withServer((connection) => connection.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined),
  };
}

async function withServer<T>(work: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const connection = await createConnection(TEST_MYSQL_URL);
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}
