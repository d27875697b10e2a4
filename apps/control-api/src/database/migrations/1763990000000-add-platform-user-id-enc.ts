import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

// Sessions ask the platform whether the creator is live, which needs their platform user id; it is
// kept AES-256-GCM encrypted next to the keyed hash used for uniqueness.
export class AddPlatformUserIdEnc1763990000000 implements MigrationInterface {
  name = 'AddPlatformUserIdEnc1763990000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('stream_platform_links', new TableColumn({ name: 'platform_user_id_enc', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('stream_platform_links', 'platform_user_id_enc');
  }
}
