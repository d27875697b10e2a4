import { createHmac, randomUUID } from 'node:crypto';

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/**
 * A Twitch EventSub webhook delivery as Twitch sends it (twitch.md §3): the seven
 * `Twitch-Eventsub-*` headers, `sha256=` + lower-case hex HMAC-SHA256 of message id + timestamp +
 * raw body, the `{subscription, event}` / `{challenge, subscription}` / `{subscription}` envelopes.
 * For edge-case tests: `challenge` may be any JSON value (Twitch sends a string), and `omitHeaders`
 * drops headers after signing (names as written above, e.g. `Twitch-Eventsub-Message-Timestamp`).
 */
export function eventSubDelivery(
  secret: string,
  messageType: 'notification' | 'webhook_callback_verification' | 'revocation',
  subscriptionType: string,
  payload: { event?: object; challenge?: unknown; condition?: object; status?: string },
  { messageId = randomUUID(), timestamp = new Date().toISOString(), omitHeaders = [] as string[] } = {},
): SignedDelivery {
  const body = JSON.stringify({
    ...(payload.challenge !== undefined ? { challenge: payload.challenge } : {}),
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
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Twitch-Eventsub-Message-Id': messageId,
    'Twitch-Eventsub-Message-Retry': '0',
    'Twitch-Eventsub-Message-Type': messageType,
    'Twitch-Eventsub-Message-Signature': signature,
    'Twitch-Eventsub-Message-Timestamp': timestamp,
    'Twitch-Eventsub-Subscription-Type': subscriptionType,
    'Twitch-Eventsub-Subscription-Version': subscriptionType === 'channel.follow' ? '2' : '1',
  };
  for (const name of omitHeaders) delete headers[name];
  return { body, headers };
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
