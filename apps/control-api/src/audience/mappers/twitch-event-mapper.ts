import type { EmoteFragment } from '@lib-stream/sentiment';

import type { AudienceEvent } from '../audience-event';
import { signalsFromBadges } from './twitch-badges';
import { mapTwitchChannelEvent } from './twitch-channel-events';

type TwitchEvent = Record<string, unknown> & {
  broadcaster_user_id?: string;
  to_broadcaster_user_id?: string;
};

/** The broadcaster whose link an EventSub notification belongs to. */
export function twitchBroadcasterId(type: string, event: TwitchEvent): string | null {
  const id = type === 'channel.raid' ? event.to_broadcaster_user_id : event.broadcaster_user_id;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const tier = (value: unknown): '1000' | '2000' | '3000' => (value === '2000' || value === '3000' ? value : '1000');

/** The message's emote fragments (`type: "emote"`): which words are emotes, even ones the sentiment engine does not know. */
function emoteFragments(fragments: unknown): EmoteFragment[] {
  if (!Array.isArray(fragments)) return [];
  const out: EmoteFragment[] = [];
  for (const f of fragments as { type?: unknown; text?: unknown; emote?: { id?: unknown; owner_id?: unknown } | null }[]) {
    const text = str(f?.type === 'emote' ? f.text : null);
    if (text) out.push({ text, id: str(f.emote?.id) ?? undefined, ownerId: str(f.emote?.owner_id) ?? undefined });
  }
  return out;
}

/** Maps one EventSub notification to an audience event, or null for types that carry no sentiment. */
export function mapTwitchNotification(type: string, event: TwitchEvent): AudienceEvent | null {
  switch (type) {
    case 'channel.chat.message': {
      // Shared chat: keep only messages that originate in this broadcaster's own chat.
      const source = str(event.source_broadcaster_user_id);
      if (source && source !== event.broadcaster_user_id) return null;
      const message = (event.message ?? {}) as { text?: unknown; fragments?: unknown };
      const text = str(message.text);
      if (!text) return null;
      const emotes = emoteFragments(message.fragments);
      return { kind: 'chat', viewerId: str(event.chatter_user_id), text, signals: signalsFromBadges(event.badges), ...(emotes.length > 0 ? { emotes } : {}) };
    }
    case 'channel.subscribe':
      // A gifted sub is counted once, from its gifter (channel.chat.notification sub_gift / community_sub_gift).
      if (event.is_gift === true) return null;
      return { kind: 'subscription', viewerId: str(event.user_id), tier: tier(event.tier), isGift: event.is_gift === true };
    case 'channel.subscription.message':
      return {
        kind: 'subscription',
        viewerId: str(event.user_id),
        tier: tier(event.tier),
        isGift: false,
        cumulativeMonths: num(event.cumulative_months) || undefined,
      };
    case 'channel.cheer':
      return { kind: 'cheer', viewerId: event.is_anonymous === true ? null : str(event.user_id), bits: num(event.bits), signals: {} };
    case 'channel.raid':
      return { kind: 'raid', viewerId: str(event.from_broadcaster_user_id), viewers: num(event.viewers) };
    case 'channel.follow':
      return { kind: 'follow', viewerId: str(event.user_id) };
    default:
      // Polls, predictions, hype trains, chat notifications (twitch-channel-events.ts); null for anything else.
      return mapTwitchChannelEvent(type, event);
  }
}
