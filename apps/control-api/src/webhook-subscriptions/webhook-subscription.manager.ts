import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Interval } from '@nestjs/schedule';

import { LockKeys, StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider, RedisLocks, ServiceSettings, TwitchSettings, WebhookSettings } from '@lib-stream/nest-kit';

import { LinkEvents } from '../platform-links/link-events';
import type { PlatformLinkEntity } from '../platform-links/platform-link.entity';
import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import { desiredSubscriptions, subscriptionBroadcaster, subscriptionKey } from './desired-subscriptions';
import { TwitchEventSubClient } from './twitch-eventsub.client';
import { LinkErrors } from '../platform-links/platform-link.errors';

export interface ReconcileReport {
  skipped: string | null;
  created: number;
  existing: number;
  deleted: number;
  failed: number;
  rateLimited: boolean;
}

const LIVE_STATUSES = new Set(['enabled', 'webhook_callback_verification_pending']);

/**
 * WebhookSubscriptionManager: hourly (and when links change), under `stream:lock:webhook-manager`,
 * makes Twitch's EventSub subscriptions match the linked accounts — creates what is missing,
 * re-creates what Twitch revoked or failed, deletes what belongs to unlinked accounts. A 429 ends
 * the run; the next one continues.
 */
@Injectable()
export class WebhookSubscriptionManager {
  private readonly logger = new Logger('WebhookSubscriptionManager');

  constructor(
    private readonly twitch: TwitchSettings,
    private readonly webhooks: WebhookSettings,
    private readonly service: ServiceSettings,
    private readonly client: TwitchEventSubClient,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: CipherProvider,
    private readonly locks: RedisLocks,
  ) {}

  // Right after a link changes, off the request path; the hourly run repairs whatever this misses.
  @OnEvent(LinkEvents.created, { suppressErrors: false })
  onLinkCreated(link: PlatformLinkEntity): Promise<void> {
    if (link.platform === StreamPlatform.Twitch) setImmediate(() => void this.reconcileAfterLinkChange());
    return Promise.resolve();
  }

  // The link row is deleted right after this event; the run leaves it out either way.
  @OnEvent(LinkEvents.removing, { suppressErrors: false })
  onLinkRemoving(link: PlatformLinkEntity): Promise<void> {
    if (link.platform === StreamPlatform.Twitch) setImmediate(() => void this.reconcileAfterLinkChange(link.id));
    return Promise.resolve();
  }

  /** Nothing awaits these runs: a failure (Redis away for the lock) is logged, never left unhandled. */
  private async reconcileAfterLinkChange(excludeLinkId?: string): Promise<void> {
    await this.reconcile(excludeLinkId).catch((error: Error) => this.logger.warn({ msg: 'EventSub reconcile after a link change failed; the hourly run repairs it', reason: error.message }));
  }

  @Interval('webhook-subscriptions', 60 * 60 * 1000)
  async hourly(): Promise<void> {
    await this.reconcile();
  }

  async reconcile(excludeLinkId?: string): Promise<ReconcileReport> {
    const report: ReconcileReport = { skipped: null, created: 0, existing: 0, deleted: 0, failed: 0, rateLimited: false };
    const callback = this.twitch.eventSubCallbackUrl;
    const secret = this.webhooks.twitchSecret;
    if (!callback || !secret || !this.twitch.clientId || !this.twitch.clientSecret) {
      return { ...report, skipped: 'not configured (STREAM_TWITCH_EVENTSUB_CALLBACK_URL, STREAM_TWITCH_WEBHOOK_SECRET, client id/secret)' };
    }
    const lock = await this.locks.tryAcquire(LockKeys.webhookManager(), this.service.lockTimeoutMs * 4);
    if (!lock) return { ...report, skipped: 'another replica is reconciling' };
    try {
      const cipher = this.cipher.require(LinkErrors.cipherUnavailable);
      // Broadcaster id → the scopes its link granted (which decide the optional types).
      const broadcasters = new Map<string, string[]>();
      for (const link of await this.links.findUsableLinks(StreamPlatform.Twitch)) {
        if (link.id !== excludeLinkId && link.platformUserIdEnc) broadcasters.set(cipher.decrypt(link.platformUserIdEnc), (link.scopes ?? '').split(' ').filter(Boolean));
      }
      const existing = (await this.client.list()).filter((s) => s.transport.callback === callback);
      const live = new Set<string>();
      for (const subscription of existing) {
        const broadcaster = subscriptionBroadcaster(subscription.condition);
        const wanted = broadcaster !== null && broadcasters.has(broadcaster);
        if (wanted && LIVE_STATUSES.has(subscription.status)) {
          live.add(subscriptionKey(subscription.type, broadcaster));
          report.existing += 1;
          continue;
        }
        // Unlinked account, or revoked/failed at Twitch (re-created below when still wanted).
        await this.client.delete(subscription.id);
        report.deleted += 1;
      }
      for (const [broadcaster, scopes] of broadcasters) {
        for (const desired of desiredSubscriptions(broadcaster, scopes)) {
          if (live.has(subscriptionKey(desired.type, broadcaster))) continue;
          try {
            const outcome = await this.client.create(desired.type, desired.version, desired.condition, callback, secret);
            if (outcome === 'rate-limited') {
              report.rateLimited = true;
              this.logger.warn({ msg: 'EventSub rate limit reached; continuing next run', created: report.created });
              return report;
            }
            if (outcome === 'created') report.created += 1;
            else report.existing += 1;
          } catch (error) {
            report.failed += 1;
            this.logger.warn({ msg: 'EventSub subscription not created', type: desired.type, reason: (error as Error).message });
          }
        }
      }
      this.logger.log({ msg: 'EventSub subscriptions reconciled', ...report });
      return report;
    } catch (error) {
      this.logger.error({ msg: 'EventSub reconcile failed', reason: (error as Error).message });
      return { ...report, failed: report.failed + 1 };
    } finally {
      // Redis away: the lock lapses on its own; the work above is done either way.
      await lock.release().catch((error: Error) => this.logger.warn({ msg: 'EventSub reconcile lock not released; it lapses on its own', reason: error.message }));
    }
  }
}
