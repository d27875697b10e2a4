import type { IncomingHttpHeaders } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';

import { StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider, DeferredCounts, MetricsService, WebhookSettings, classifyOutage, currentCorrelationId } from '@lib-stream/nest-kit';

import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import type { AudienceEvent } from '../audience/audience-event';
import { AudienceIngestService } from '../audience/audience-ingest.service';
import { SessionsService } from '../sessions/sessions.service';
import { WebhookSubscriptionManager } from '../webhook-subscriptions/webhook-subscription.manager';
import { mapTwitchNotification, twitchBroadcasterId } from '../audience/mappers/twitch-event-mapper';
import { LinkLookupCache } from './link-lookup.cache';
import { WebhookReplayGuard } from './webhook-replay-guard';
import { verifyTwitchSignature } from './webhook-signature';
import { WebhookErrors } from './webhook.errors';
import { LinkErrors } from '../platform-links/platform-link.errors';

interface EventSubBody {
  challenge?: unknown;
  subscription?: { type?: string; status?: string; condition?: Record<string, string> };
  event?: Record<string, unknown>;
}

/**
 * What to answer Twitch: the challenge as text/plain (200), or 204. `after` is the delivery's work,
 * to run once the answer is on its way (Twitch wants 2xx within seconds; the work can take longer).
 */
export type TwitchWebhookAnswer = { status: 200; challenge: string } | { status: 204; after?: () => Promise<void> };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Twitch EventSub deliveries, independent of the HTTP framework: signature first (before parsing or
 * answering anything), then staleness and replay checks, then the answer; the notification is handled
 * after it — except an audience event for a link and session known here, which is buffered (or shed)
 * before the answer, in the same Redis round trip as its replay check (ingestBeforeAnswer). Errors are DomainErrors (403 forged, 400 stale or malformed, 503 unconfigured) or outages.
 */
@Injectable()
export class TwitchWebhookReceiver {
  private readonly logger = new Logger('TwitchWebhook');
  /** lib_stream_twitch_webhook_deliveries_total, counted in plain numbers until a scrape (DeferredCounts). */
  private readonly deliveries: DeferredCounts<'outcome'>;

  constructor(
    private readonly webhooks: WebhookSettings,
    private readonly replay: WebhookReplayGuard,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: CipherProvider,
    private readonly linkCache: LinkLookupCache,
    private readonly sessions: SessionsService,
    private readonly ingest: AudienceIngestService,
    private readonly subscriptions: WebhookSubscriptionManager,
    metrics: MetricsService,
  ) {
    this.deliveries = new DeferredCounts({
      name: 'lib_stream_twitch_webhook_deliveries_total',
      help: 'Twitch EventSub deliveries by outcome',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  private count(outcome: string): void {
    this.deliveries.child(outcome, () => ({ outcome })).inc();
  }

  /**
   * `rawBody` is the body exactly as sent, or undefined when it was not JSON. `correlationId` is the
   * request's id when the caller runs this outside of its context (TwitchWebhookRoute), for the lines logged here.
   */
  async receive(headers: IncomingHttpHeaders, rawBody: Buffer | undefined, correlationId = currentCorrelationId()): Promise<TwitchWebhookAnswer> {
    const secret = this.webhooks.twitchSecret;
    if (!secret) throw WebhookErrors.twitchNotConfigured();
    const messageId = header(headers, 'twitch-eventsub-message-id');
    const timestamp = header(headers, 'twitch-eventsub-message-timestamp');
    const signature = header(headers, 'twitch-eventsub-message-signature');
    const type = header(headers, 'twitch-eventsub-message-type');
    // twitch.md §3.3: a delivery whose signature does not verify is 403 — and one without the id,
    // timestamp or signature it is computed from cannot verify.
    if (!messageId || !timestamp || !signature) {
      this.count('forged');
      throw WebhookErrors.twitchUnverifiable();
    }
    if (!verifyTwitchSignature(secret, messageId, timestamp, rawBody ?? Buffer.alloc(0), signature)) {
      this.count('forged');
      throw WebhookErrors.signatureMismatch();
    }
    const body = parseObject(rawBody);
    if (!type || !body) {
      this.count('malformed');
      throw WebhookErrors.twitchMissingType();
    }
    const sentAt = new Date(timestamp);
    if (type === 'notification' && !this.replay.isStale(sentAt)) {
      // try/await rather than .catch(): one microtask less per delivery (the derived promise's).
      let answered: TwitchWebhookAnswer | null;
      try {
        answered = await this.ingestBeforeAnswer(messageId, body);
      } catch (error) {
        // An outage is the caller's 503 (Twitch delivers again); anything else is logged as handle() does.
        if (classifyOutage(error)) throw error;
        this.logger.error({ msg: 'twitch notification failed', correlationId, subscriptionType: body.subscription?.type, reason: (error as Error).message });
        answered = { status: 204 };
      }
      if (answered) return answered;
    }
    const verdict = await this.replay.check('twitch', messageId, sentAt);
    if (verdict === 'stale') {
      this.count('stale');
      throw WebhookErrors.tooOld('Twitch-Eventsub-Message-Timestamp');
    }
    if (type === 'webhook_callback_verification') {
      // §3.2: the answer is the challenge string verbatim; anything else is not a challenge we can echo.
      if (typeof body.challenge !== 'string') {
        this.count('malformed');
        throw WebhookErrors.challengeNotString();
      }
      this.count('verification');
      return { status: 200, challenge: body.challenge };
    }
    if (verdict === 'duplicate') {
      this.count('duplicate');
      return { status: 204 };
    }
    this.count(type === 'notification' ? 'notification' : 'other');
    return { status: 204, after: () => this.handle(type, body) };
  }

  /**
   * The hot path (chat and the other audience events, for a link and session this replica knows):
   * the replay guard, the session check and the buffer write in one Redis round trip, before the
   * answer (twitch.md §3.5: persist, then 2xx). Null when the delivery takes the usual path (guard,
   * answer, then handle): anything else, or what is not cached here yet.
   */
  private async ingestBeforeAnswer(messageId: string, body: EventSubBody): Promise<TwitchWebhookAnswer | null> {
    const subscriptionType = body.subscription?.type ?? '';
    if (!body.event || subscriptionType === 'stream.online' || subscriptionType === 'stream.offline') return null;
    const broadcasterId = twitchBroadcasterId(subscriptionType, body.event);
    const link = broadcasterId ? this.linkCache.peek(StreamPlatform.Twitch, broadcasterId) : undefined;
    if (!link) return null;
    const audienceEvent = mapTwitchNotification(subscriptionType, body.event);
    if (!audienceEvent || audienceEvent.kind === 'viewers') return null;
    const outcome = await this.ingest.ingestIfFresh(this.replay.key('twitch', messageId), link.id, audienceEvent);
    if (outcome === 'uncached') return null;
    if (outcome === 'duplicate') {
      this.count('duplicate');
      return { status: 204 };
    }
    this.count('notification');
    // The guard is set; the session ended or changed meanwhile: the link's current one gets it, as in handle.
    if (outcome === 'inactive') return { status: 204, after: () => this.ingestLater(subscriptionType, link.id, audienceEvent) };
    return { status: 204 };
  }

  private async ingestLater(subscriptionType: string, linkId: string, event: Exclude<AudienceEvent, { kind: 'viewers' }>): Promise<void> {
    try {
      await this.ingest.ingestForLink(linkId, event);
    } catch (error) {
      this.logger.error({ msg: 'twitch notification failed', subscriptionType, reason: (error as Error).message });
    }
  }

  private async handle(type: string, body: EventSubBody): Promise<void> {
    const subscriptionType = body.subscription?.type ?? '';
    try {
      if (type === 'revocation') {
        await this.onRevocation(body);
        return;
      }
      if (type !== 'notification' || !body.event) return;
      const broadcasterId = twitchBroadcasterId(subscriptionType, body.event);
      if (!broadcasterId) return;
      const link = await this.linkCache.byPlatformUser(StreamPlatform.Twitch, broadcasterId);
      if (!link) return;
      if (subscriptionType === 'stream.online') {
        await this.sessions.startFromPlatform(link, typeof body.event.id === 'string' ? body.event.id : null);
        return;
      }
      if (subscriptionType === 'stream.offline') {
        await this.sessions.stopForLink(link.id);
        return;
      }
      const audienceEvent = mapTwitchNotification(subscriptionType, body.event);
      if (!audienceEvent || audienceEvent.kind === 'viewers') return;
      await this.ingest.ingestForLink(link.id, audienceEvent);
    } catch (error) {
      // Type and reason only: the body holds chat text and user ids.
      this.logger.error({ msg: 'twitch notification failed', subscriptionType, reason: (error as Error).message });
    }
  }

  /**
   * A revoked subscription. When the creator revoked us (or is gone) the link is flagged for
   * re-linking; otherwise (failures exceeded, version removed…) it is re-subscribed right away.
   */
  private async onRevocation(body: EventSubBody): Promise<void> {
    const status = body.subscription?.status ?? 'unknown';
    const broadcasterId = body.subscription?.condition?.broadcaster_user_id ?? body.subscription?.condition?.to_broadcaster_user_id;
    this.logger.warn({ msg: 'twitch subscription revoked', subscriptionType: body.subscription?.type, status });
    if (broadcasterId && ['authorization_revoked', 'user_removed'].includes(status)) {
      const link = await this.links.findByPlatformUser(StreamPlatform.Twitch, this.cipher.require(LinkErrors.cipherUnavailable).hashPlatformUser(StreamPlatform.Twitch, broadcasterId));
      if (link) await this.links.update(link.id, { needsRelink: true });
      return;
    }
    await this.subscriptions.reconcile();
  }
}

/** The verified body as an object, or null when it is missing, not JSON, or not an object. */
function parseObject(rawBody: Buffer | undefined): EventSubBody | null {
  if (!rawBody) return null;
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as EventSubBody) : null;
  } catch {
    return null;
  }
}
