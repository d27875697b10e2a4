import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { Public } from '@lib-stream/nest-kit';

import { TwitchWebhookReceiver } from './twitch-webhook.receiver';

/**
 * The Twitch EventSub callback as Nest sees it: it documents the route (OpenAPI) and answers through
 * the same TwitchWebhookReceiver as the raw node:http route (TwitchWebhookRoute), which takes these
 * requests first, outside Nest's pipeline, in the running app.
 */
@ApiTags('webhooks')
@Public()
@Controller('stream/webhook')
export class TwitchWebhookController {
  constructor(private readonly receiver: TwitchWebhookReceiver) {}

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
  async receive(@Req() request: Request & { rawBody?: Buffer }, @Res() response: Response): Promise<void> {
    const answer = await this.receiver.receive(request.headers, request.rawBody);
    if (answer.status === 200) {
      response.status(200).type('text/plain').send(answer.challenge);
      return;
    }
    response.status(204).end();
    if (answer.after) setImmediate(() => void answer.after?.());
  }
}
