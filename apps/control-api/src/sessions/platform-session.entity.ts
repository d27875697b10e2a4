import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import type { SessionState, StreamPlatform } from '@lib-stream/contracts';

/**
 * A platform session (store `stream-sessions`), written through from Redis so a Redis loss cannot
 * forget a creator who is live. Like the Redis record: no chat, usernames or platform user ids.
 * Redis stays the hot path; this row is written on start, associate, end and (throttled) viewer counts.
 */
@Entity({ name: 'stream_platform_sessions' })
@Index('uq_platform_sessions_active_link', ['activeLinkId'], { unique: true })
@Index('ix_platform_sessions_account_started', ['accountId', 'startedAt'])
@Index('ix_platform_sessions_state', ['state'])
export class PlatformSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'link_id', type: 'varchar', length: 36 })
  linkId: string;

  /** The link id while the session is active, null once ended: the database's "one active session per link". */
  @Column({ name: 'active_link_id', type: 'varchar', length: 36, nullable: true })
  activeLinkId: string | null;

  @Column({ name: 'account_id', type: 'varchar', length: 64 })
  accountId: string;

  @Column({ type: 'varchar', length: 16 })
  platform: StreamPlatform;

  @Column({ type: 'varchar', length: 8 })
  state: SessionState;

  @Column({ name: 'platform_stream_id', type: 'varchar', length: 128, nullable: true })
  platformStreamId: string | null;

  @Column({ name: 'live_chat_id', type: 'varchar', length: 256, nullable: true })
  liveChatId: string | null;

  @Column({ name: 'in_game_session_id', type: 'varchar', length: 36, nullable: true })
  inGameSessionId: string | null;

  @Column({ name: 'started_at', type: 'datetime', precision: 3 })
  startedAt: Date;

  @Column({ name: 'ended_at', type: 'datetime', precision: 3, nullable: true })
  endedAt: Date | null;

  @Column({ name: 'viewer_count', type: 'int' })
  viewerCount: number;

  @Column({ name: 'peak_viewer_count', type: 'int' })
  peakViewerCount: number;
}
