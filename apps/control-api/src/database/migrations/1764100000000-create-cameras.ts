import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

// Camera records move out of Redis, where a flush or a restart without persistence lost them.
// Schema API rather than raw SQL, so it runs on MySQL/MariaDB and on the embedded SQLite alike.
export class CreateCameras1764100000000 implements MigrationInterface {
  name = 'CreateCameras1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'stream_cameras',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'key_hash', type: 'varchar', length: '64' },
          { name: 'expected_width', type: 'int', isNullable: true },
          { name: 'expected_height', type: 'int', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'key_reset_at', type: 'datetime', precision: 3, isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex('stream_cameras', new TableIndex({ name: 'uq_cameras_key_hash', columnNames: ['key_hash'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('stream_cameras');
  }
}
