import { In, type Repository } from 'typeorm';

import type { TokenCipher } from '@lib-stream/stream-key';

import type { PlatformLinkEntity } from '../../platform-links/platform-link.entity';

/**
 * Twitch user ids of linked creators, decrypted from `platform_user_id_enc` (as PlatformLiveCheck
 * does) and kept in memory only while they are being asked for: a platform user id never reaches a
 * log, Redis or another column. Links read 500 at a time.
 */
export class TwitchUserIds {
  private readonly cache = new Map<string, { userId: string; usedAt: number }>();

  constructor(
    private readonly links: Repository<PlatformLinkEntity>,
    private readonly cipher: () => TokenCipher,
  ) {}

  /** linkId → Twitch user id; links without a stored id (linked before live checks) are absent. */
  async resolve(linkIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    const now = Date.now();
    for (const id of new Set(linkIds)) {
      const known = this.cache.get(id);
      if (known) {
        known.usedAt = now;
        out.set(id, known.userId);
      } else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 500) {
      const rows = await this.links.find({ select: { id: true, platformUserIdEnc: true }, where: { id: In(missing.slice(i, i + 500)) } });
      for (const row of rows) {
        if (!row.platformUserIdEnc) continue;
        const userId = this.cipher().decrypt(row.platformUserIdEnc);
        this.cache.set(row.id, { userId, usedAt: now });
        out.set(row.id, userId);
      }
    }
    return out;
  }

  /** Forgets ids not asked for since `before` (epoch ms): their sessions ended or moved to another replica. */
  forgetUnusedSince(before: number): void {
    for (const [id, entry] of this.cache) if (entry.usedAt < before) this.cache.delete(id);
  }
}
