import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';

/**
 * TypeORM's own loggers print slow queries to the console with their parameters whatever `logging`
 * says; parameters hold hashes and ciphertexts. This one keeps the statement only, in our JSON log.
 */
export class QuietTypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('Database');

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ msg: 'slow query', ms: time, sql: query.slice(0, 200) });
  }

  logMigration(message: string): void {
    this.logger.log({ msg: message });
  }

  // Queries and their errors reach the caller (and the error filter); nothing to add here.
  logQuery = (): undefined => undefined;
  logQueryError = (): undefined => undefined;
  logSchemaBuild = (): undefined => undefined;
  log = (): undefined => undefined;
}
