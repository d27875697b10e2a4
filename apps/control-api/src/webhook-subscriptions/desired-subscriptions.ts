export interface DesiredSubscription {
  type: string;
  version: string;
  condition: Record<string, string>;
}

/**
 * Types added after the first release, each with the scopes (any one suffices, twitch.md §1.7 and Twitch's
 * subscription-types reference) a broadcaster must have granted: a link made before they were requested lacks
 * them, and Twitch would refuse the subscription (403) every hour until the creator links again.
 */
// No `.progress` types: one comes per vote or contribution and none makes an entry (twitch-channel-events.ts).
const SCOPED: readonly { type: string; version: string; anyScope: readonly string[] }[] = [
  ...['begin', 'end'].map((phase) => ({ type: `channel.poll.${phase}`, version: '1', anyScope: ['channel:read:polls', 'channel:manage:polls'] })),
  ...['begin', 'lock', 'end'].map((phase) => ({
    type: `channel.prediction.${phase}`,
    version: '1',
    anyScope: ['channel:read:predictions', 'channel:manage:predictions'],
  })),
  // Version 2: Twitch replaced the v1 hype train events (deprecated in 2025) with v2.
  ...['begin', 'end'].map((phase) => ({ type: `channel.hype_train.${phase}`, version: '2', anyScope: ['channel:read:hype_train'] })),
];

/**
 * What each linked Twitch broadcaster needs. The first nine need only scopes every link has had since the
 * first release; the polls, predictions and hype trains are wanted only when `grantedScopes` (the link's)
 * include theirs.
 */
export function desiredSubscriptions(broadcasterId: string, grantedScopes: readonly string[] = []): DesiredSubscription[] {
  const own = { broadcaster_user_id: broadcasterId };
  // Read chat as the broadcaster themselves (user:read:chat + user:bot from them, channel:bot too).
  const chatReader = { broadcaster_user_id: broadcasterId, user_id: broadcasterId };
  return [
    { type: 'stream.online', version: '1', condition: own },
    { type: 'stream.offline', version: '1', condition: own },
    { type: 'channel.chat.message', version: '1', condition: chatReader },
    // Sub/resub/gift/raid/announcement system lines: same scopes and condition as chat messages.
    { type: 'channel.chat.notification', version: '1', condition: chatReader },
    { type: 'channel.subscribe', version: '1', condition: own },
    { type: 'channel.subscription.message', version: '1', condition: own },
    { type: 'channel.cheer', version: '1', condition: own },
    { type: 'channel.raid', version: '1', condition: { to_broadcaster_user_id: broadcasterId } },
    { type: 'channel.follow', version: '2', condition: { broadcaster_user_id: broadcasterId, moderator_user_id: broadcasterId } },
    ...SCOPED.filter((s) => s.anyScope.some((scope) => grantedScopes.includes(scope))).map((s) => ({ type: s.type, version: s.version, condition: own })),
  ];
}

/** The broadcaster a subscription serves, whatever the condition field is called. */
export function subscriptionBroadcaster(condition: Record<string, string>): string | null {
  return condition.broadcaster_user_id ?? condition.to_broadcaster_user_id ?? null;
}

export function subscriptionKey(type: string, broadcasterId: string): string {
  return `${type}|${broadcasterId}`;
}
