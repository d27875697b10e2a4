import { createHmac, randomUUID } from 'node:crypto';

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/** A Twitch EventSub webhook delivery, signed the way Twitch signs it (id + timestamp + raw body). */
export function eventSubDelivery(
  secret: string,
  messageType: 'notification' | 'webhook_callback_verification' | 'revocation',
  subscriptionType: string,
  payload: { event?: object; challenge?: string; condition?: object; status?: string },
  { messageId = randomUUID(), timestamp = new Date().toISOString() } = {},
): SignedDelivery {
  const body = JSON.stringify({
    ...(payload.challenge ? { challenge: payload.challenge } : {}),
    subscription: {
      id: randomUUID(),
      status: payload.status ?? 'enabled',
      type: subscriptionType,
      version: subscriptionType === 'channel.follow' ? '2' : '1',
      condition: payload.condition ?? {},
      transport: { method: 'webhook', callback: 'https://example.com/stream/webhook/twitch' },
      created_at: timestamp,
      cost: 0,
    },
    ...(payload.event ? { event: payload.event } : {}),
  });
  const signature = `sha256=${createHmac('sha256', secret).update(messageId + timestamp + body).digest('hex')}`;
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'Twitch-Eventsub-Message-Id': messageId,
      'Twitch-Eventsub-Message-Retry': '0',
      'Twitch-Eventsub-Message-Type': messageType,
      'Twitch-Eventsub-Message-Signature': signature,
      'Twitch-Eventsub-Message-Timestamp': timestamp,
      'Twitch-Eventsub-Subscription-Type': subscriptionType,
      'Twitch-Eventsub-Subscription-Version': '1',
    },
  };
}

/** A delivery to /stream/webhook/custom, signed `sha256=HMAC(secret, "<timestamp>.<deliveryId>." + body)`. */
export function customWebhookDelivery(secret: string, payload: object, { deliveryId = randomUUID(), timestamp = Math.floor(Date.now() / 1000) } = {}): SignedDelivery {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.${body}`).digest('hex')}`;
  return {
    body,
    headers: { 'Content-Type': 'application/json', 'X-Stream-Timestamp': String(timestamp), 'X-Stream-Delivery-Id': deliveryId, 'X-Stream-Signature': signature },
  };
}
