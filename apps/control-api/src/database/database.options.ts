import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import initSqlJs from 'sql.js';
import type { DataSourceOptions } from 'typeorm';

import type { DatabaseSettings } from '@lib-stream/nest-kit';

import { CameraEntity } from '../cameras/camera.entity';
import { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { PlatformSessionEntity } from '../sessions/platform-session.entity';
import { DATABASE_DEADLINES, DropTimedOutConnections, mysqlDriverWithAcquireDeadline } from './mysql-guards';
import { QuietTypeOrmLogger } from './typeorm-logger';
import { CreatePlatformLinks1763900000000 } from './migrations/1763900000000-create-platform-links';
import { AddPlatformUserIdEnc1763990000000 } from './migrations/1763990000000-add-platform-user-id-enc';
import { CreateCameras1764100000000 } from './migrations/1764100000000-create-cameras';
import { CreatePlatformSessions1764200000000 } from './migrations/1764200000000-create-platform-sessions';

// Listed explicitly rather than by glob: the app ships as one webpack bundle. The drivers are passed
// in for the same reason (TypeORM would otherwise require() them by name, invisible to the bundler).
export const ENTITIES = [PlatformLinkEntity, CameraEntity, PlatformSessionEntity];
export const MIGRATIONS = [CreatePlatformLinks1763900000000, AddPlatformUserIdEnc1763990000000, CreateCameras1764100000000, CreatePlatformSessions1764200000000];

/** MySQL/MariaDB when STREAM_DATABASE_URL is set, otherwise an embedded SQLite file (sql.js). */
export function dataSourceOptions(database: DatabaseSettings): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: false, synchronize: false, logging: false } as const;
  if (database.url) {
    return {
      ...common,
      type: 'mysql',
      connectorPackage: 'mysql2',
      driver: mysqlDriverWithAcquireDeadline(DATABASE_DEADLINES.acquireMs),
      url: database.url,
      charset: 'utf8mb4',
      timezone: 'Z',
      // An outage must answer 503 within about a second, not hang (see mysql-guards.ts).
      connectTimeout: DATABASE_DEADLINES.connectMs,
      enableQueryTimeout: true,
      maxQueryExecutionTime: DATABASE_DEADLINES.queryMs,
      subscribers: [DropTimedOutConnections],
      logger: new QuietTypeOrmLogger(),
      extra: { waitForConnections: true, queueLimit: DATABASE_DEADLINES.queueLimit, enableKeepAlive: true },
    };
  }
  const dataDir = resolve(database.dataDir);
  mkdirSync(dataDir, { recursive: true });
  return { ...common, type: 'sqljs', driver: initSqlJs, location: join(dataDir, 'control-api.sqlite'), autoSave: true };
}
