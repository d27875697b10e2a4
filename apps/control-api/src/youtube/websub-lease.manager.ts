import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type Redis from 'ioredis';

import { LockKeys, SessionKeys, StreamPlatform } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, REDIS, RedisLocks } from '@lib-stream/nest-kit';

import { LinkCipherProvider } from '../platform-links/link-cipher.provider';
import { LinkLifecycleHooks } from '../platform-links/link-lifecycle.hooks';
import { formBody, platformFetch } from '../platform-links/oauth/platform-http';
import type { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import { channelFeedTopic } from './websub';

const LEASE_SECONDS = 432_000;

/**
 * Keeps a WebSub subscription on each linked YouTube channel's feed: subscribes on link, renews at half
 * the lease (hourly check, one replica at a time), unsubscribes on unlink.
 */
@Injectable()
export class WebSubLeaseManager implements OnModuleInit {
  private readonly logger = new Logger('WebSubLeases');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: LinkCipherProvider,
    private readonly locks: RedisLocks,
    private readonly linkHooks: LinkLifecycleHooks,
  ) {}

  onModuleInit(): void {
    this.linkHooks.onCreated((link) => (link.platform === StreamPlatform.YouTube ? this.request(link, 'subscribe').then(() => undefined) : Promise.resolve()));
    this.linkHooks.onRemoving((link) => (link.platform === StreamPlatform.YouTube ? this.request(link, 'unsubscribe').then(() => undefined) : Promise.resolve()));
  }

  @Interval('websub-leases', 60 * 60 * 1000)
  async renewDue(): Promise<number> {
    if (!this.config.STREAM_YOUTUBE_WEBSUB_CALLBACK_URL) return 0;
    const lock = await this.locks.tryAcquire(LockKeys.websubManager(), 5 * 60_000);
    if (!lock) return 0;
    let renewed = 0;
    try {
      for (const link of await this.links.findUsableLinks(StreamPlatform.YouTube)) {
        if (await this.redis.exists(SessionKeys.websubLease(link.id))) continue;
        if (await this.request(link, 'subscribe')) renewed += 1;
      }
      return renewed;
    } finally {
      await lock.release();
    }
  }

  /** Best effort: a failure is logged and retried by the hourly run. */
  private async request(link: PlatformLinkEntity, mode: 'subscribe' | 'unsubscribe'): Promise<boolean> {
    const callback = this.config.STREAM_YOUTUBE_WEBSUB_CALLBACK_URL;
    if (!callback || !link.platformUserIdEnc) return false;
    try {
      const fields: Record<string, string> = {
        'hub.mode': mode,
        'hub.topic': channelFeedTopic(this.cipher.cipher().decrypt(link.platformUserIdEnc)),
        'hub.callback': callback,
        'hub.verify': 'async',
        'hub.lease_seconds': String(LEASE_SECONDS),
        'hub.verify_token': this.config.STREAM_YOUTUBE_WEBHOOK_TOKEN,
      };
      if (this.config.STREAM_YOUTUBE_WEBSUB_SECRET) fields['hub.secret'] = this.config.STREAM_YOUTUBE_WEBSUB_SECRET;
      const { body, headers } = formBody(fields);
      const response = await platformFetch(this.config.STREAM_YOUTUBE_WEBSUB_HUB_URL, { method: 'POST', body, headers }, this.config.STREAM_PLATFORM_HTTP_TIMEOUT_SECONDS * 1000);
      if (response.status !== 202 && response.status !== 204) throw new Error(`hub answered ${response.status}`);
      if (mode === 'subscribe') await this.redis.set(SessionKeys.websubLease(link.id), '1', 'EX', LEASE_SECONDS / 2);
      else await this.redis.del(SessionKeys.websubLease(link.id));
      return true;
    } catch (error) {
      this.logger.warn({ msg: `WebSub ${mode} failed`, linkId: link.id, reason: (error as Error).message });
      return false;
    }
  }
}
