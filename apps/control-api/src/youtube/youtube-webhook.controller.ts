import { Controller, Get, Headers, HttpCode, Inject, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { ErrorCode, StreamPlatform } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, DomainError, Public } from '@lib-stream/nest-kit';

import { SessionsService } from '../sessions/sessions.service';
import { LinkLookupCache } from '../webhooks/link-lookup.cache';
import { signatureMatches } from '../webhooks/webhook-signature';
import { channelOfTopic, parseFeedEntries, websubSignatureMatches } from './websub';

/**
 * YouTube WebSub: the hub verifies our subscriptions with a GET (echo `hub.challenge` when the verify
 * token matches) and pushes Atom notifications with a POST. YouTube pushes uploads and edits, not
 * "went live", so a notification only prompts a live check.
 */
@ApiExcludeController()
@Public()
@Controller('stream/webhook')
export class YouTubeWebhookController {
  private readonly logger = new Logger('YouTubeWebSub');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly linkCache: LinkLookupCache,
    private readonly sessions: SessionsService,
  ) {}

  @Get('youtube')
  verify(@Query() query: Record<string, string | undefined>, @Res() response: Response): void {
    const token = this.config.STREAM_YOUTUBE_WEBHOOK_TOKEN;
    if (!token) throw new DomainError(ErrorCode.ServiceUnavailable, 'YouTube WebSub is not configured (STREAM_YOUTUBE_WEBHOOK_TOKEN)');
    if (!signatureMatches(token, query['hub.verify_token'])) throw new DomainError(ErrorCode.Forbidden, 'hub.verify_token does not match');
    if (!['subscribe', 'unsubscribe'].includes(query['hub.mode'] ?? '') || !channelOfTopic(query['hub.topic'] ?? '') || !query['hub.challenge']) {
      throw new DomainError(ErrorCode.NotFound, 'Not a YouTube channel feed subscription this service made');
    }
    response.status(200).type('text/plain').send(query['hub.challenge']);
  }

  @Post('youtube')
  @HttpCode(202)
  notify(@Req() request: Request & { rawBody?: Buffer }, @Headers('x-hub-signature') signature: string | undefined): void {
    const body = request.rawBody ?? Buffer.alloc(0);
    const secret = this.config.STREAM_YOUTUBE_WEBSUB_SECRET;
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
        this.logger.warn({ msg: 'WebSub notification could not be handled', reason: (error as Error).message });
      }
    }
  }
}
