import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import { StreamPlatform } from '@lib-stream/contracts';
import { Public, WebhookSettings } from '@lib-stream/nest-kit';

import { PlatformLinksRepository } from '../platform-links/platform-links.repository';
import type { AudienceEvent } from '../audience/audience-event';
import { AudienceIngestService } from '../audience/audience-ingest.service';
import { SessionsService } from '../sessions/sessions.service';
import { WebhookReplayGuard } from './webhook-replay-guard';
import { signSha256, signatureMatches } from './webhook-signature';
import { WebhookErrors } from './webhook.errors';

const MAX_EVENTS = 100;
const ROLES = new Set(['subscriber', 'moderator', 'vip']);

/**
 * The documented JSON format for custom RTMP platforms (README "Custom webhook"): a batch of audience
 * events for one custom link, signed `sha256=HMAC(secret, "<timestamp>.<deliveryId>." + body)`.
 */
@ApiTags('webhooks')
@Public()
@Controller('stream/webhook')
export class CustomWebhookController {
  constructor(
    private readonly webhooks: WebhookSettings,
    private readonly replay: WebhookReplayGuard,
    private readonly links: PlatformLinksRepository,
    private readonly sessions: SessionsService,
    private readonly ingest: AudienceIngestService,
  ) {}

  @Post('custom')
  @HttpCode(202)
  @ApiOperation({ summary: 'Audience events from a custom platform, HMAC-signed (see README)' })
  @ApiHeader({ name: 'X-Stream-Timestamp', description: 'Unix seconds when signed' })
  @ApiHeader({ name: 'X-Stream-Delivery-Id', description: 'Unique per delivery; repeats are ignored' })
  @ApiHeader({ name: 'X-Stream-Signature', description: 'sha256=<hex HMAC-SHA256 of "<timestamp>.<deliveryId>." + raw body>' })
  async receive(@Req() request: Request & { rawBody?: Buffer }, @Headers() headers: Record<string, string | undefined>): Promise<{ accepted: number; duplicate: boolean }> {
    const secret = this.webhooks.customSecret;
    if (!secret) throw WebhookErrors.customNotConfigured();
    const timestamp = headers['x-stream-timestamp'];
    const deliveryId = headers['x-stream-delivery-id'];
    if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !deliveryId || !/^[\w-]{1,128}$/.test(deliveryId) || !request.rawBody) {
      throw WebhookErrors.customUnverifiable();
    }
    if (!signatureMatches(signSha256(secret, `${timestamp}.${deliveryId}.`, request.rawBody), headers['x-stream-signature'])) {
      throw WebhookErrors.signatureMismatch();
    }
    const { linkId, events } = parseBody(request.body);
    const verdict = await this.replay.check('custom', deliveryId, new Date(Number(timestamp) * 1000));
    if (verdict === 'stale') throw WebhookErrors.tooOld('X-Stream-Timestamp');
    if (verdict === 'duplicate') return { accepted: 0, duplicate: true };

    const link = await this.links.findById(linkId);
    if (!link || link.platform !== StreamPlatform.Custom) throw WebhookErrors.noCustomLink();
    const session = await this.sessions.activeSessionForLink(link.id);
    if (!session) throw WebhookErrors.noActiveSession();
    for (const event of events) await this.ingest.ingest(session, event);
    return { accepted: events.length, duplicate: false };
  }
}

function parseBody(body: unknown): { linkId: string; events: AudienceEvent[] } {
  const fail = (message: string): never => {
    throw WebhookErrors.badCustomBody(message);
  };
  const raw = (typeof body === 'object' && body !== null ? body : fail('body must be a JSON object')) as Record<string, unknown>;
  const linkId = typeof raw.linkId === 'string' && raw.linkId.length <= 64 ? raw.linkId : fail('linkId must be the custom link id');
  const list = Array.isArray(raw.events) && raw.events.length > 0 && raw.events.length <= MAX_EVENTS ? raw.events : fail(`events must be an array of 1 to ${MAX_EVENTS} events`);
  const events = list.map((item, index): AudienceEvent => {
    const e = (typeof item === 'object' && item !== null ? item : fail(`events[${index}] must be an object`)) as Record<string, unknown>;
    const viewerId = e.viewerId === undefined || e.viewerId === null ? null : typeof e.viewerId === 'string' && e.viewerId.length <= 128 ? e.viewerId : fail(`events[${index}].viewerId must be a string`);
    const count = (field: string, max = 1e9) => (typeof e[field] === 'number' && Number.isFinite(e[field]) && (e[field] as number) >= 0 && (e[field] as number) <= max ? (e[field] as number) : fail(`events[${index}].${field} must be a non-negative number`));
    switch (e.type) {
      case 'chat': {
        const text = typeof e.text === 'string' && e.text.length > 0 && e.text.length <= 2000 ? e.text : fail(`events[${index}].text must be 1 to 2000 characters`);
        const roles = Array.isArray(e.roles) ? e.roles : [];
        if (!roles.every((role) => ROLES.has(role as string))) fail(`events[${index}].roles may hold subscriber, moderator, vip`);
        return { kind: 'chat', viewerId, text, signals: { isSubscriber: roles.includes('subscriber'), isModerator: roles.includes('moderator'), isVip: roles.includes('vip') } };
      }
      case 'subscription': {
        const tier = e.tier === undefined ? 1 : e.tier === 1 || e.tier === 2 || e.tier === 3 ? e.tier : fail(`events[${index}].tier must be 1, 2 or 3`);
        return { kind: 'subscription', viewerId, tier: `${tier}000` as '1000', isGift: e.isGift === true, cumulativeMonths: e.months === undefined ? undefined : count('months', 1200) };
      }
      case 'raid':
        return { kind: 'raid', viewerId, viewers: count('viewers') };
      case 'follow':
        return { kind: 'follow', viewerId };
      case 'donation': {
        const currency = typeof e.currency === 'string' && /^[A-Z]{3}$/.test(e.currency) ? e.currency : fail(`events[${index}].currency must be an ISO 4217 code`);
        return { kind: 'superchat', viewerId, amountMicros: Math.round(count('amount') * 1_000_000), currency };
      }
      case 'viewers':
        return { kind: 'viewers', count: count('count') };
      default:
        return fail(`events[${index}].type must be one of chat, subscription, raid, follow, donation, viewers`);
    }
  });
  return { linkId, events };
}
