/**
 * npm run migration:run [-- --dry-run | --help]
 *
 * Applies control-api's pending TypeORM migrations (apps/control-api/src/database/migrations) to the
 * database control-api would use: STREAM_DATABASE_URL (MySQL/MariaDB) or, when it is unset, the SQLite
 * file under STREAM_DATA_DIR. Settings come from the environment, then .env, as scripts/start.sh reads
 * them. control-api also applies pending migrations when it starts (one replica at a time, under a
 * Redis lock); this command is for applying them ahead of a deploy, or seeing what is pending.
 * Exit codes: 0 done (or nothing pending), 1 configuration or database error, 2 bad arguments.
 */
import { resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

import { withDotEnv } from '../tools/shared/local-settings';

const ROOT = resolve(__dirname, '..');
const USAGE = `Usage: npm run migration:run [-- --dry-run]
Applies control-api's pending database migrations to STREAM_DATABASE_URL, or to the SQLite file under
STREAM_DATA_DIR (default .data/) when it is unset. Settings: environment first, then .env.
  --dry-run   list the pending migrations and change nothing`;

/** On MySQL, without the one-second request deadlines of the app's pool: a schema change may take longer. */
function migrationOptions(options: DataSourceOptions, mysql2: unknown): DataSourceOptions {
  if (options.type !== 'mysql') return options;
  const { enableQueryTimeout: _timeout, subscribers: _subscribers, extra: _extra, ...rest } = options;
  return { ...rest, driver: mysql2, connectTimeout: 10_000, extra: { connectionLimit: 1 } } as DataSourceOptions;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((arg) => arg !== '--dry-run');
  if (unknown.length > 0) {
    console.error(`Unknown argument: ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  // Loaded once the arguments are known good: --help and a wrong argument answer without TypeORM, the
  // entities and nest-kit (0.85 CPU-s instead of 1.85, most of what is left is ts-node's start).
  const [{ DataSource, MigrationExecutor }, mysql2, { DatabaseSettings, loadConfig }, { dataSourceOptions }] = await Promise.all([
    import('typeorm'),
    import('mysql2'),
    import('@lib-stream/nest-kit'),
    import('../apps/control-api/src/database/database.options'),
  ]);
  process.chdir(ROOT); // STREAM_DATA_DIR is relative to the repository, as for start.sh
  const config = loadConfig(withDotEnv(process.env));
  const target = config.STREAM_DATABASE_URL ? 'MySQL (STREAM_DATABASE_URL)' : `SQLite ${resolve(config.STREAM_DATA_DIR, 'control-api.sqlite')}`;
  const source = new DataSource(migrationOptions(dataSourceOptions(new DatabaseSettings(config)), mysql2));
  await source.initialize();
  try {
    const pending = await new MigrationExecutor(source).getPendingMigrations();
    if (args.includes('--dry-run')) {
      console.log(`${target}: ${pending.length} pending migration(s)${pending.map((m) => `\n  ${m.name}`).join('')}`);
      return 0;
    }
    const applied = await source.runMigrations({ transaction: 'each' });
    console.log(`${target}: applied ${applied.length} migration(s)${applied.map((m) => `\n  ${m.name}`).join('')}`);
    return 0;
  } finally {
    await source.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    // A ConfigError names the variable; a driver error's class and code only (its message may hold a host or SQL).
    const { ConfigError } = await import('@lib-stream/nest-kit');
    if (error instanceof ConfigError) console.error(error.message);
    else {
      const { name, code } = error as { name?: string; code?: string };
      console.error(`Migrations failed: ${name ?? 'Error'}${code ? ` (${code})` : ''}; check STREAM_DATABASE_URL and that the database is reachable`);
    }
    process.exit(1);
  },
);
