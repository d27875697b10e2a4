import { Injectable } from '@nestjs/common';

import type { StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider } from '@lib-stream/nest-kit';

import type { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import { LinkErrors } from '../platform-links/platform-link.errors';

const TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;

/**
 * Platform user id → link, for webhook deliveries: a chat burst would otherwise query the database
 * once per message. Keyed by the keyed hash (the raw id is not kept), held briefly; a link removed
 * meanwhile has no active session, so a stale hit ingests nothing.
 */
@Injectable()
export class LinkLookupCache {
  private readonly entries = new Map<string, { link: PlatformLinkEntity | null; expiresAt: number }>();
  /** Lookups under way: the deliveries that miss together share one query. */
  private readonly loading = new Map<string, Promise<PlatformLinkEntity | null>>();

  constructor(
    private readonly links: PlatformLinksRepository,
    private readonly cipher: CipherProvider,
  ) {}

  /** The cached answer without waiting: the link, null (known not to exist), or undefined (not cached, or expired). */
  peek(platform: StreamPlatform, platformUserId: string): PlatformLinkEntity | null | undefined {
    const hit = this.entries.get(this.keyFor(platform, platformUserId));
    return hit && hit.expiresAt > Date.now() ? hit.link : undefined;
  }

  async byPlatformUser(platform: StreamPlatform, platformUserId: string): Promise<PlatformLinkEntity | null> {
    const key = this.keyFor(platform, platformUserId);
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.link;
    let lookup = this.loading.get(key);
    if (!lookup) {
      lookup = this.load(key, platform, key.slice(platform.length + 1)).finally(() => this.loading.delete(key));
      this.loading.set(key, lookup);
    }
    return lookup;
  }

  private async load(key: string, platform: StreamPlatform, hash: string): Promise<PlatformLinkEntity | null> {
    const link = await this.links.findByPlatformUser(platform, hash);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    // A miss is kept only briefly, so a link made just now is found soon.
    this.entries.set(key, { link, expiresAt: Date.now() + (link ? TTL_MS : 1000) });
    return link;
  }

  private keyFor(platform: StreamPlatform, platformUserId: string): string {
    return `${platform}:${this.cipher.require(LinkErrors.cipherUnavailable).hashPlatformUser(platform, platformUserId)}`;
  }
}
