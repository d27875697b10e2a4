import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A camera created through the API (store `stream-cameras`). The database is its only home: Redis
 * holds just the allow-list rebuilt from here and the live state. The stream key itself is never
 * stored, only its SHA-256 hash.
 */
@Entity({ name: 'stream_cameras' })
@Index('uq_cameras_key_hash', ['keyHash'], { unique: true })
export class CameraEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  @Column({ name: 'expected_width', type: 'int', nullable: true })
  expectedWidth: number | null;

  @Column({ name: 'expected_height', type: 'int', nullable: true })
  expectedHeight: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'key_reset_at', type: 'datetime', precision: 3, nullable: true })
  keyResetAt: Date | null;
}
