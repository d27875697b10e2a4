export interface DesiredSubscription {
  type: string;
  version: string;
  condition: Record<string, string>;
}

/** What each linked Twitch broadcaster needs (scopes requested at link time cover all of them). */
export function desiredSubscriptions(broadcasterId: string): DesiredSubscription[] {
  const own = { broadcaster_user_id: broadcasterId };
  return [
    { type: 'stream.online', version: '1', condition: own },
    { type: 'stream.offline', version: '1', condition: own },
    // Read chat as the broadcaster themselves (user:read:chat + user:bot from them, channel:bot too).
    { type: 'channel.chat.message', version: '1', condition: { broadcaster_user_id: broadcasterId, user_id: broadcasterId } },
    { type: 'channel.subscribe', version: '1', condition: own },
    { type: 'channel.subscription.message', version: '1', condition: own },
    { type: 'channel.cheer', version: '1', condition: own },
    { type: 'channel.raid', version: '1', condition: { to_broadcaster_user_id: broadcasterId } },
    { type: 'channel.follow', version: '2', condition: { broadcaster_user_id: broadcasterId, moderator_user_id: broadcasterId } },
  ];
}

/** The broadcaster a subscription serves, whatever the condition field is called. */
export function subscriptionBroadcaster(condition: Record<string, string>): string | null {
  return condition.broadcaster_user_id ?? condition.to_broadcaster_user_id ?? null;
}

export function subscriptionKey(type: string, broadcasterId: string): string {
  return `${type}|${broadcasterId}`;
}
