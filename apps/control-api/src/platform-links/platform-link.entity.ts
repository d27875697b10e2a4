import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { StreamPlatform } from '@lib-stream/contracts';

/**
 * A game account linked to a streaming platform (store `stream-platforms`). Nothing identifying is
 * stored in clear: the platform user id only as a keyed hash (for the uniqueness check), the display
 * name, tokens and custom RTMP URL AES-256-GCM encrypted.
 */
@Entity({ name: 'stream_platform_links' })
@Index('uq_platform_links_account_platform', ['accountId', 'platform'], { unique: true })
@Index('uq_platform_links_platform_user', ['platform', 'platformUserHash'], { unique: true })
export class PlatformLinkEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'account_id', type: 'varchar', length: 64 })
  accountId: string;

  @Column({ type: 'varchar', length: 16 })
  platform: StreamPlatform;

  @Column({ name: 'platform_user_hash', type: 'varchar', length: 64, nullable: true })
  platformUserHash: string | null;

  @Column({ name: 'platform_user_id_enc', type: 'text', nullable: true })
  platformUserIdEnc: string | null;

  @Column({ name: 'display_name_enc', type: 'text', nullable: true })
  displayNameEnc: string | null;

  @Column({ name: 'access_token_enc', type: 'text', nullable: true })
  accessTokenEnc: string | null;

  @Column({ name: 'refresh_token_enc', type: 'text', nullable: true })
  refreshTokenEnc: string | null;

  @Column({ name: 'token_expires_at', type: 'datetime', precision: 3, nullable: true })
  tokenExpiresAt: Date | null;

  @Column({ name: 'token_validated_at', type: 'datetime', precision: 3, nullable: true })
  tokenValidatedAt: Date | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  scopes: string | null;

  @Column({ name: 'rtmp_url_enc', type: 'text', nullable: true })
  rtmpUrlEnc: string | null;

  @Column({ name: 'needs_relink', type: 'boolean', default: false })
  needsRelink: boolean;

  @Column({ name: 'linked_at', type: 'datetime', precision: 3 })
  linkedAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}

/**
 * A new link row (fresh id, linked and updated now, nothing stored, no relink needed) with `fields`
 * over it: the platform's encrypted identity, tokens or RTMP URL, as the caller has them.
 */
export function newPlatformLink(accountId: string, platform: StreamPlatform, fields: Partial<PlatformLinkEntity> = {}): PlatformLinkEntity {
  const now = new Date();
  return Object.assign(new PlatformLinkEntity(), {
    id: randomUUID(),
    accountId,
    platform,
    platformUserHash: null,
    platformUserIdEnc: null,
    displayNameEnc: null,
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
    tokenValidatedAt: null,
    scopes: null,
    rtmpUrlEnc: null,
    needsRelink: false,
    linkedAt: now,
    updatedAt: now,
    ...fields,
  });
}
