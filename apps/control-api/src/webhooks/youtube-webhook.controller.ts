import { Controller, Get, Headers, HttpCode, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { StreamPlatform } from '@lib-stream/contracts';
import { Public, WebhookSettings } from '@lib-stream/nest-kit';

import { PlatformRefusedError } from '../sessions/platform-live-check';
import { SessionsService } from '../sessions/sessions.service';
import { LinkLookupCache } from './link-lookup.cache';
import { signatureMatches, websubSignatureMatches } from './webhook-signature';
import { channelOfTopic, parseFeedEntries } from '../youtube/websub';
import { WebSubLeaseManager } from '../youtube/websub-lease.manager';
import { WebhookErrors } from './webhook.errors';

/**
 * YouTube WebSub (youtube.md §2.1): the hub verifies our (un)subscribe requests with a GET and pushes
 * Atom notifications with a POST. YouTube pushes uploads and edits, not "went live", so a
 * notification only prompts a live check.
 */
@ApiTags('webhooks')
@Public()
@Controller('stream/webhook')
export class YouTubeWebhookController {
  private readonly logger = new Logger('YouTubeWebSub');

  constructor(
    private readonly webhooks: WebhookSettings,
    private readonly linkCache: LinkLookupCache,
    private readonly sessions: SessionsService,
    private readonly leases: WebSubLeaseManager,
  ) {}

  /**
   * Verification of intent: 200 text/plain echoing `hub.challenge` for a subscribe/unsubscribe this
   * service sent and still awaits, with our `hub.verify_token`; 404 ("not mine") for anything else,
   * a wrong token included. `hub.mode=denied` (no challenge, optional `hub.reason`) is acknowledged
   * 200 and the subscription is forgotten, even after unlink.
   */
  @Get('youtube')
  @ApiOperation({
    summary: 'YouTube WebSub verification of intent (called by the hub)',
    description: '200 text/plain echoing hub.challenge for a (un)subscribe this service awaits; 404 otherwise; 503 when STREAM_YOUTUBE_WEBHOOK_TOKEN is unset.',
  })
  @ApiQuery({ name: 'hub.mode', required: true, description: 'subscribe, unsubscribe or denied' })
  @ApiQuery({ name: 'hub.topic', required: true, description: 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=<channel>' })
  @ApiQuery({ name: 'hub.challenge', required: false, description: 'Echoed back on success (absent for denied)' })
  @ApiQuery({ name: 'hub.verify_token', required: false, description: 'Must equal STREAM_YOUTUBE_WEBHOOK_TOKEN' })
  @ApiQuery({ name: 'hub.lease_seconds', required: false, description: 'Lease granted by the hub' })
  @ApiQuery({ name: 'hub.reason', required: false, description: 'Why the hub denied a subscription' })
  async verify(@Query() query: Record<string, string | undefined>, @Res() response: Response): Promise<void> {
    const token = this.webhooks.youtubeVerifyToken;
    if (!token) throw WebhookErrors.websubNotConfigured();
    const mode = query['hub.mode'];
    const channelId = channelOfTopic(query['hub.topic'] ?? '');
    if (mode === 'denied') {
      await this.denied(channelId, query['hub.reason']);
      response.status(200).type('text/plain').send('');
      return;
    }
    if (!signatureMatches(token, query['hub.verify_token'])) throw WebhookErrors.unknownSubscription();
    if ((mode !== 'subscribe' && mode !== 'unsubscribe') || !channelId || !query['hub.challenge']) {
      throw WebhookErrors.unknownTopic();
    }
    const lease = Number(query['hub.lease_seconds']);
    if (!(await this.leases.verified(channelId, mode, Number.isInteger(lease) ? lease : null))) {
      throw WebhookErrors.noPendingVerification(mode);
    }
    this.logger.log({ msg: `WebSub ${mode} verified`, ...(mode === 'subscribe' ? { leaseSeconds: lease } : {}) });
    response.status(200).type('text/plain').send(query['hub.challenge']);
  }

  private async denied(channelId: string | null, reason: string | undefined): Promise<void> {
    const link = channelId ? await this.linkCache.byPlatformUser(StreamPlatform.YouTube, channelId) : null;
    if (channelId) await this.leases.denied(channelId, link?.id ?? null);
    // The hub's reason is free text: only a short, printable excerpt, without the channel id.
    const said = [...(reason ?? '')].filter((c) => c >= ' ' && c !== '\u007f').join('').slice(0, 120);
    this.logger.warn({ msg: 'WebSub hub denied a subscription', linkId: link?.id ?? null, reason: channelId ? said.split(channelId).join('****') : said });
  }

  @Post('youtube')
  @HttpCode(202)
  @ApiOperation({
    summary: 'YouTube WebSub notification (called by the hub)',
    description: 'An Atom feed entry for an upload or edit; it only prompts a live check. Always 202, a bad signature is ignored (WebSub).',
  })
  @ApiConsumes('application/atom+xml')
  @ApiHeader({ name: 'X-Hub-Signature', required: false, description: 'sha1=<hex HMAC-SHA1 of the body>; checked only when STREAM_YOUTUBE_WEBSUB_SECRET is set' })
  notify(@Req() request: Request & { rawBody?: Buffer }, @Headers('x-hub-signature') signature: string | undefined): void {
    const body = request.rawBody ?? Buffer.alloc(0);
    const secret = this.webhooks.youtubeWebSubSecret;
    if (secret && !websubSignatureMatches(secret, body, signature)) {
      // WebSub: acknowledge with 2xx but ignore a notification whose signature does not match.
      this.logger.warn({ msg: 'ignored a WebSub notification with a bad signature' });
      return;
    }
    const entries = parseFeedEntries(body.toString('utf8'));
    setImmediate(() => void this.handle(entries.map((e) => e.channelId)));
  }

  private async handle(channelIds: string[]): Promise<void> {
    for (const channelId of new Set(channelIds)) {
      try {
        const link = await this.linkCache.byPlatformUser(StreamPlatform.YouTube, channelId);
        if (link && !link.needsRelink) await this.sessions.startIfLive(link);
      } catch (error) {
        // Say why: the platform's status and reason when it refused the live check.
        const refused = error instanceof PlatformRefusedError ? { platform: error.platform, status: error.status, reason: error.reason } : {};
        this.logger.warn({ msg: 'WebSub notification could not be handled', ...refused, detail: (error as Error).message });
      }
    }
  }
}
