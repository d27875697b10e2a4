import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

// Platform sessions are written through to the database, so a Redis flush or a restart without
// persistence no longer forgets a live creator. Schema API so it runs on MariaDB and SQLite alike.
export class CreatePlatformSessions1764200000000 implements MigrationInterface {
  name = 'CreatePlatformSessions1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'stream_platform_sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'link_id', type: 'varchar', length: '36' },
          { name: 'active_link_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'account_id', type: 'varchar', length: '64' },
          { name: 'platform', type: 'varchar', length: '16' },
          { name: 'state', type: 'varchar', length: '8' },
          { name: 'platform_stream_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'live_chat_id', type: 'varchar', length: '256', isNullable: true },
          { name: 'in_game_session_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'started_at', type: 'datetime', precision: 3 },
          { name: 'ended_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'viewer_count', type: 'int' },
          { name: 'peak_viewer_count', type: 'int' },
        ],
      }),
    );
    // Unique over a nullable column: many ended rows (NULL), at most one active row per link.
    await queryRunner.createIndex('stream_platform_sessions', new TableIndex({ name: 'uq_platform_sessions_active_link', columnNames: ['active_link_id'], isUnique: true }));
    await queryRunner.createIndex('stream_platform_sessions', new TableIndex({ name: 'ix_platform_sessions_account_started', columnNames: ['account_id', 'started_at'] }));
    await queryRunner.createIndex('stream_platform_sessions', new TableIndex({ name: 'ix_platform_sessions_state', columnNames: ['state'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('stream_platform_sessions');
  }
}
