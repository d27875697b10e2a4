import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Interval } from '@nestjs/schedule';
import type Redis from 'ioredis';

import { LockKeys, SessionKeys, StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider, PlatformApiSettings, REDIS, RedisLocks, WebhookSettings, YouTubeSettings } from '@lib-stream/nest-kit';

import { LinkEvents } from '../platform-links/link-events';
import { formBody, platformFetch } from '../platform-links/oauth/platform-http';
import type { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import { channelFeedTopic } from './websub';
import { LinkErrors } from '../platform-links/platform-link.errors';

export type WebSubMode = 'subscribe' | 'unsubscribe';

const LEASE_SECONDS = 432_000;
/** Google's hub caps leases around 10 days (youtube.md §2.1); a longer grant is renewed as if it were 10 days. */
const MAX_LEASE_SECONDS = 864_000;
/**
 * How long a sent (un)subscribe waits for the hub's verification GET. Google's hub verifies within
 * seconds; an hour leaves room for its retries. An unverified subscribe is retried by the hourly run.
 */
export const PENDING_VERIFICATION_SECONDS = 3600;

/**
 * Keeps a WebSub subscription on each linked YouTube channel's feed (youtube.md §2.1): subscribes on
 * link, renews at half the lease the hub granted (hourly check, one replica at a time), unsubscribes
 * on unlink. Each request it sends is remembered as pending until the hub verifies it, so the
 * callback echoes challenges only for requests this service made and still awaits.
 */
@Injectable()
export class WebSubLeaseManager {
  private readonly logger = new Logger('WebSubLeases');

  constructor(
    private readonly youtube: YouTubeSettings,
    private readonly webhooks: WebhookSettings,
    private readonly api: PlatformApiSettings,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: CipherProvider,
    private readonly locks: RedisLocks,
  ) {}

  @OnEvent(LinkEvents.created, { suppressErrors: false })
  async onLinkCreated(link: PlatformLinkEntity): Promise<void> {
    if (link.platform === StreamPlatform.YouTube) await this.request(link, 'subscribe');
  }

  @OnEvent(LinkEvents.removing, { suppressErrors: false })
  async onLinkRemoving(link: PlatformLinkEntity): Promise<void> {
    if (link.platform === StreamPlatform.YouTube) await this.request(link, 'unsubscribe');
  }

  @Interval('websub-leases', 60 * 60 * 1000)
  async renewDue(): Promise<number> {
    if (!this.youtube.webSubCallbackUrl) return 0;
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

  /**
   * The hub verifies a request: true (and the request is no longer pending) when this service sent
   * `mode` for `channelId` within the last {@link PENDING_VERIFICATION_SECONDS}. A verified subscribe
   * records the hub's `hub.lease_seconds` (seconds) and renews at half of it.
   */
  async verified(channelId: string, mode: WebSubMode, leaseSeconds: number | null): Promise<boolean> {
    const linkId = await this.redis.getdel(this.pendingKey(mode, channelId));
    if (!linkId) return false;
    if (mode === 'subscribe') {
      const lease = leaseSeconds !== null && leaseSeconds > 0 ? Math.min(leaseSeconds, MAX_LEASE_SECONDS) : LEASE_SECONDS;
      await this.redis.set(SessionKeys.websubLease(linkId), String(lease), 'EX', Math.max(60, Math.floor(lease / 2)));
    }
    return true;
  }

  /**
   * The hub refused or dropped the channel's subscription (`hub.mode=denied`): it is forgotten, so the
   * hourly run subscribes again while the channel is linked (`linkId`, null when it is not).
   */
  async denied(channelId: string, linkId: string | null): Promise<void> {
    const pending = this.pendingKey('subscribe', channelId);
    await (linkId ? this.redis.del(pending, SessionKeys.websubLease(linkId)) : this.redis.del(pending));
  }

  private pendingKey(mode: WebSubMode, channelId: string): string {
    return SessionKeys.websubPending(mode, this.cipher.require(LinkErrors.cipherUnavailable).hashPlatformUser(StreamPlatform.YouTube, channelId));
  }

  /** Best effort: a failure is logged and retried by the hourly run. */
  private async request(link: PlatformLinkEntity, mode: WebSubMode): Promise<boolean> {
    const callback = this.youtube.webSubCallbackUrl;
    if (!callback || !link.platformUserIdEnc) return false;
    try {
      const channelId = this.cipher.require(LinkErrors.cipherUnavailable).decrypt(link.platformUserIdEnc);
      const fields: Record<string, string> = {
        'hub.mode': mode,
        'hub.topic': channelFeedTopic(channelId),
        'hub.callback': callback,
        'hub.verify': 'async',
        'hub.lease_seconds': String(LEASE_SECONDS),
        'hub.verify_token': this.webhooks.youtubeVerifyToken,
      };
      if (this.webhooks.youtubeWebSubSecret) fields['hub.secret'] = this.webhooks.youtubeWebSubSecret;
      // Pending before sending: the hub may verify before its answer reaches us. The opposite request
      // is no longer awaited (a subscribe sent just before an unlink must not be confirmed later).
      const other: WebSubMode = mode === 'subscribe' ? 'unsubscribe' : 'subscribe';
      await this.redis.multi().del(this.pendingKey(other, channelId)).set(this.pendingKey(mode, channelId), link.id, 'EX', PENDING_VERIFICATION_SECONDS).exec();
      const { body, headers } = formBody(fields);
      const response = await platformFetch(this.youtube.webSubHubUrl, { method: 'POST', body, headers }, this.api.httpTimeoutMs);
      if (response.status !== 202 && response.status !== 204) throw new Error(`hub answered ${response.status}`);
      // Until the hub verifies and grants a lease, re-ask after the verification window.
      if (mode === 'subscribe') await this.redis.set(SessionKeys.websubLease(link.id), 'pending', 'EX', PENDING_VERIFICATION_SECONDS, 'NX');
      else await this.redis.del(SessionKeys.websubLease(link.id));
      return true;
    } catch (error) {
      this.logger.warn({ msg: `WebSub ${mode} failed`, linkId: link.id, reason: (error as Error).message });
      return false;
    }
  }
}
