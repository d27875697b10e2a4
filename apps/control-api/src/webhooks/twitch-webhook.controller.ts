import { Controller, Headers, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Counter } from 'prom-client';

import { ErrorCode, StreamPlatform } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, DomainError, MetricsService, Public } from '@lib-stream/nest-kit';

import { LinkCipherProvider } from '../platform-links/link-cipher.provider';
import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import { AudienceIngestService } from '../sessions/audience-ingest.service';
import { SessionsService } from '../sessions/sessions.service';
import { WebhookSubscriptionManager } from '../webhook-subscriptions/webhook-subscription.manager';
import { mapTwitchNotification, twitchBroadcasterId } from './twitch-event-mapper';
import { LinkLookupCache } from './link-lookup.cache';
import { WebhookReplayGuard } from './webhook-replay-guard';
import { verifyTwitchSignature } from './webhook-signature';

interface EventSubBody {
  challenge?: unknown;
  subscription?: { type?: string; status?: string; condition?: Record<string, string> };
  event?: Record<string, unknown>;
}

/**
 * Twitch EventSub webhook: signature first (before parsing or answering anything), then staleness
 * and replay checks, then a fast answer; the notification is handled after the response is sent.
 */
@ApiTags('webhooks')
@Public()
@Controller('stream/webhook')
export class TwitchWebhookController {
  private readonly logger = new Logger('TwitchWebhook');
  private readonly deliveries: Counter<'outcome'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly replay: WebhookReplayGuard,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: LinkCipherProvider,
    private readonly linkCache: LinkLookupCache,
    private readonly sessions: SessionsService,
    private readonly ingest: AudienceIngestService,
    private readonly subscriptions: WebhookSubscriptionManager,
    metrics: MetricsService,
  ) {
    this.deliveries = new Counter({
      name: 'lib_stream_twitch_webhook_deliveries_total',
      help: 'Twitch EventSub deliveries by outcome',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  @Post('twitch')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Twitch EventSub webhook callback (called by Twitch)',
    description:
      'Signed with STREAM_TWITCH_WEBHOOK_SECRET: HMAC-SHA256 of message id + timestamp + raw body. ' +
      'webhook_callback_verification answers the challenge as text/plain (200), notification and revocation 204; ' +
      'a missing or bad signature 403, a stale timestamp (> STREAM_WEBHOOK_MAX_AGE_SECONDS) 400, a repeated message id 204 and ignored, unset secret 503.',
  })
  // Twitch EventSub "Webhook events" headers (Twitch docs, EventSub → Handling webhook events).
  @ApiHeader({ name: 'Twitch-Eventsub-Message-Id', required: true, description: 'Unique per message, the same on redeliveries (replay key)' })
  @ApiHeader({ name: 'Twitch-Eventsub-Message-Timestamp', required: true, description: 'RFC 3339 UTC time the message was sent' })
  @ApiHeader({ name: 'Twitch-Eventsub-Message-Signature', required: true, description: 'sha256=<lower-case hex HMAC-SHA256>' })
  @ApiHeader({ name: 'Twitch-Eventsub-Message-Type', required: true, description: 'notification, webhook_callback_verification or revocation' })
  @ApiHeader({ name: 'Twitch-Eventsub-Message-Retry', required: false, description: 'Retry counter' })
  @ApiHeader({ name: 'Twitch-Eventsub-Subscription-Type', required: false, description: 'e.g. channel.chat.message' })
  @ApiHeader({ name: 'Twitch-Eventsub-Subscription-Version', required: false, description: 'e.g. 1' })
  async receive(@Req() request: Request & { rawBody?: Buffer }, @Res() response: Response, @Headers() headers: Record<string, string | undefined>): Promise<void> {
    const secret = this.config.STREAM_TWITCH_WEBHOOK_SECRET;
    if (!secret) throw new DomainError(ErrorCode.ServiceUnavailable, 'Twitch webhooks are not configured (STREAM_TWITCH_WEBHOOK_SECRET)');
    const messageId = headers['twitch-eventsub-message-id'];
    const timestamp = headers['twitch-eventsub-message-timestamp'];
    const signature = headers['twitch-eventsub-message-signature'];
    const type = headers['twitch-eventsub-message-type'];
    // twitch.md §3.3: a delivery whose signature does not verify is 403 — and one without the id,
    // timestamp or signature it is computed from cannot verify.
    if (!messageId || !timestamp || !signature) {
      this.deliveries.labels('forged').inc();
      throw new DomainError(ErrorCode.Forbidden, 'Missing Twitch-Eventsub-Message-Id, -Timestamp or -Signature header: the delivery cannot be verified');
    }
    if (!verifyTwitchSignature(secret, messageId, timestamp, request.rawBody ?? Buffer.alloc(0), signature)) {
      this.deliveries.labels('forged').inc();
      throw new DomainError(ErrorCode.Forbidden, 'Signature does not match');
    }
    const body = request.body as EventSubBody | undefined;
    if (!type || !request.rawBody || typeof body !== 'object' || body === null) {
      this.deliveries.labels('malformed').inc();
      throw new DomainError(ErrorCode.ValidationFailed, 'Missing Twitch-Eventsub-Message-Type header or the JSON body');
    }
    const verdict = await this.replay.check('twitch', messageId, new Date(timestamp));
    if (verdict === 'stale') {
      this.deliveries.labels('stale').inc();
      throw new DomainError(ErrorCode.ValidationFailed, 'Delivery is too old (Twitch-Eventsub-Message-Timestamp)');
    }
    if (type === 'webhook_callback_verification') {
      // §3.2: the answer is the challenge string verbatim; anything else is not a challenge we can echo.
      if (typeof body.challenge !== 'string') {
        this.deliveries.labels('malformed').inc();
        throw new DomainError(ErrorCode.ValidationFailed, 'challenge must be a string');
      }
      this.deliveries.labels('verification').inc();
      response.status(200).type('text/plain').send(body.challenge);
      return;
    }
    response.status(204).end();
    if (verdict === 'duplicate') {
      this.deliveries.labels('duplicate').inc();
      return;
    }
    this.deliveries.labels(type === 'notification' ? 'notification' : 'other').inc();
    // After the answer: Twitch wants 2xx within seconds, the work can take longer.
    setImmediate(() => void this.handle(type, body));
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
      if (!audienceEvent) return;
      const session = await this.sessions.activeSessionForLink(link.id);
      if (!session) return;
      await this.ingest.ingest(session, audienceEvent);
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
      const link = await this.links.findByPlatformUser(StreamPlatform.Twitch, this.cipher.cipher().hashPlatformUser(StreamPlatform.Twitch, broadcasterId));
      if (link) await this.links.update(link.id, { needsRelink: true });
      return;
    }
    await this.subscriptions.reconcile();
  }
}
