import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import * as mysql2 from 'mysql2';
import { DataSource } from 'typeorm';

import { DatabaseSettings, HealthRegistry } from '@lib-stream/nest-kit';

import { DATABASE_DEADLINES } from './mysql-guards';

// Longer than the registry's 2 s "slow" mark: the registry decides slow vs down; this only frees a
// connection that will never answer (a dead host sends no reset).
const PING_HARD_TIMEOUT_MS = 5000;

/**
 * The readiness check for the database, on a connection of its own: through the request pool the
 * ping queued behind request load and timed out while MariaDB was healthy. One connection, opened
 * on demand and replaced after any failure; the registry coalesces concurrent probes onto it.
 */
@Injectable()
export class DatabaseProbe implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DatabaseProbe');
  private connection: Promise<mysql2.Connection> | null = null;
  private lastError = '';

  constructor(
    private readonly dataSource: DataSource,
    private readonly health: HealthRegistry,
    private readonly database: DatabaseSettings,
  ) {}

  onModuleInit(): void {
    this.health.register('database', () => this.ping());
  }

  onApplicationShutdown(): void {
    void this.connection?.then((connection) => connection.destroy()).catch(() => undefined);
    this.connection = null;
  }

  async ping(): Promise<void> {
    // Requests go through the DataSource: if it is gone, so is the app's database, whatever the probe says.
    if (!this.dataSource.isInitialized) throw new Error('the DataSource is not initialized');
    if (!this.database.url) {
      await this.dataSource.query('SELECT 1');
      return;
    }
    try {
      const connection = await (this.connection ??= this.connect(this.database.url));
      await new Promise<void>((resolve, reject) => connection.query({ sql: 'SELECT 1', timeout: PING_HARD_TIMEOUT_MS }, (error) => (error ? reject(error) : resolve())));
      this.lastError = '';
    } catch (error) {
      this.drop();
      this.report(error);
      throw error;
    }
  }

  private connect(url: string): Promise<mysql2.Connection> {
    return new Promise((resolve, reject) => {
      const connection = mysql2.createConnection({ uri: url, connectTimeout: DATABASE_DEADLINES.connectMs });
      // A fatal error with no query running is emitted as 'error'; unheard, it would crash the process.
      connection.on('error', () => this.drop());
      connection.connect((error) => (error ? reject(error) : resolve(connection)));
    });
  }

  private drop(): void {
    const stale = this.connection;
    this.connection = null;
    void stale?.then((connection) => connection.destroy()).catch(() => undefined);
  }

  /** Logs the failure's code once per change, never its message (it names hosts). */
  private report(error: unknown): void {
    const code = String((error as { code?: unknown }).code ?? (error as Error).name);
    if (code === this.lastError) return;
    this.lastError = code;
    this.logger.warn({ msg: 'database readiness check failed', code });
  }
}
