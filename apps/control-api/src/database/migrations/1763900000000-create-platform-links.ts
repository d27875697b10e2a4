import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

// Written with TypeORM's schema API, not raw SQL, so the same migration runs on MySQL/MariaDB and
// on the embedded SQLite default. Times keep milliseconds (datetime(3)).
export class CreatePlatformLinks1763900000000 implements MigrationInterface {
  name = 'CreatePlatformLinks1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'stream_platform_links',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'account_id', type: 'varchar', length: '64' },
          { name: 'platform', type: 'varchar', length: '16' },
          { name: 'platform_user_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'display_name_enc', type: 'text', isNullable: true },
          { name: 'access_token_enc', type: 'text', isNullable: true },
          { name: 'refresh_token_enc', type: 'text', isNullable: true },
          { name: 'token_expires_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'token_validated_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'scopes', type: 'varchar', length: '512', isNullable: true },
          { name: 'rtmp_url_enc', type: 'text', isNullable: true },
          { name: 'needs_relink', type: 'boolean', default: false },
          { name: 'linked_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await queryRunner.createIndex(
      'stream_platform_links',
      new TableIndex({ name: 'uq_platform_links_account_platform', columnNames: ['account_id', 'platform'], isUnique: true }),
    );
    await queryRunner.createIndex(
      'stream_platform_links',
      new TableIndex({ name: 'uq_platform_links_platform_user', columnNames: ['platform', 'platform_user_hash'], isUnique: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('stream_platform_links');
  }
}
