import type { SentimentCategory } from '@lib-stream/privacy';

import {
  scoreGiftBomb,
  scoreHypeTrain,
  scorePoll,
  scorePrediction,
  scorePredictionResult,
  scoreSuperChat,
} from '../../sentiment/audience-event-scores';
import type { AudienceEvent } from '../audience-event';
import { signalsFromBadges } from './twitch-badges';

/*
 * Twitch channel events beyond chat, subs, cheers, raids and follows (issue #16, specification extension 6):
 * polls, predictions, hype trains and the system lines of `channel.chat.notification`.
 *
 * Shapes: twitch.md lists `channel.chat.notification` and its `notice_type` values but not its fields, and has
 * nothing on polls, predictions or hype trains; the fields read here follow Twitch's EventSub reference
 * (dev.twitch.tv/docs/eventsub/eventsub-reference: Poll/Prediction/Hype Train/Chat Notification events). Every
 * field is read defensively: a missing or mistyped one counts as zero / absent, never as an error.
 */

type TwitchEvent = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const obj = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(obj) : []);
const tier = (value: unknown): '1000' | '2000' | '3000' => (value === '2000' || value === '3000' ? value : '1000');
const sum = (items: Record<string, unknown>[], field: string): number => items.reduce((total, item) => total + num(item[field]), 0);

/**
 * Maps a poll, prediction, hype train or chat notification to an audience event, or null when it carries no
 * audience reaction (a poll that was archived or terminated, a cancelled prediction, a duplicate notice…).
 * Whole-chat moments (polls, predictions, hype trains) are anonymous: their payloads name top voters and
 * contributors, and none of that is kept.
 */
export function mapTwitchChannelEvent(type: string, event: TwitchEvent): AudienceEvent | null {
  switch (type) {
    // `.progress` events come once per vote or contribution (Twitch's subscription-types reference): as
    // entries they would flood pulses with Curious/Excited, spend chat's burst budget, and count again the
    // cheers and subs behind them, which have entries of their own. They are not subscribed
    // (desired-subscriptions.ts); one that arrives anyway adds nothing. Begin, lock and end come once.
    case 'channel.poll.progress':
    case 'channel.prediction.progress':
    case 'channel.hype_train.progress':
      return null;
    case 'channel.poll.begin':
      return moment(scorePoll(0));
    case 'channel.poll.end':
      // `archived` / `terminated`: the streamer removed or stopped it; only a completed poll has a result.
      return event.status === 'completed' ? moment(scorePoll(pollVotes(event))) : null;
    case 'channel.prediction.begin':
      return moment(scorePrediction(0));
    case 'channel.prediction.lock':
      return moment(scorePrediction(sum(list(event.outcomes), 'channel_points')));
    case 'channel.prediction.end':
      return predictionResult(event);
    case 'channel.hype_train.begin':
    case 'channel.hype_train.end':
      return moment(scoreHypeTrain(num(event.level)));
    case 'channel.chat.notification':
      return chatNotification(event);
    default:
      return null;
  }
}

function moment(result: { category: SentimentCategory; intensity: number }): AudienceEvent {
  return { kind: 'scored', viewerId: null, result };
}

/** Every vote counts once whatever paid for it: `votes` is the choice's total (it includes Bits and channel-point votes). */
function pollVotes(event: TwitchEvent): number {
  return sum(list(event.choices), 'votes');
}

/** `status: "resolved"` with a `winning_outcome_id`; a cancelled prediction refunds everyone and means nothing. */
function predictionResult(event: TwitchEvent): AudienceEvent | null {
  const winner = str(event.winning_outcome_id);
  if (event.status !== 'resolved' || !winner) return null;
  const outcomes = list(event.outcomes);
  const winning = outcomes.find((outcome) => outcome.id === winner);
  return moment(scorePredictionResult(num(winning?.users), sum(outcomes, 'users'), sum(outcomes, 'channel_points')));
}

/**
 * `channel.chat.notification` system lines. What is counted here and nowhere else:
 *  - `sub_gift` (one gifted sub, from the gifter; part of a gift bomb → counted by its `community_sub_gift`),
 *  - `community_sub_gift` (a gift bomb: one entry scaled by its size),
 *  - `announcement` (a highlighted message by the broadcaster or a moderator: scored as chat),
 *  - `gift_paid_upgrade`, `prime_paid_upgrade`, `pay_it_forward` (a viewer paying to keep or pass on a sub),
 *  - `charity_donation` (by amount, like a Super Chat).
 * `sub`, `resub` and `raid` notices repeat channel.subscribe, channel.subscription.message and channel.raid,
 * which stay their source (so they are not counted twice); `bits_badge_tier` repeats the cheer; `unraid` and
 * shared-chat notices (another channel's events) carry no reaction of this chat.
 */
function chatNotification(event: TwitchEvent): AudienceEvent | null {
  const source = str(event.source_broadcaster_user_id);
  if (source && source !== event.broadcaster_user_id) return null;
  const viewerId = event.chatter_is_anonymous === true ? null : str(event.chatter_user_id);
  switch (event.notice_type) {
    case 'sub_gift': {
      const gift = obj(event.sub_gift);
      if (str(gift.community_gift_id)) return null;
      return { kind: 'subscription', viewerId, tier: tier(gift.sub_tier), isGift: true };
    }
    case 'community_sub_gift': {
      const bomb = obj(event.community_sub_gift);
      return { kind: 'scored', viewerId, result: scoreGiftBomb(num(bomb.total), tier(bomb.sub_tier)) };
    }
    case 'announcement': {
      // The streamer's own announcement is not the audience's reaction.
      if (event.chatter_user_id === event.broadcaster_user_id) return null;
      const text = str(obj(event.message).text);
      return text ? { kind: 'chat', viewerId, text, signals: signalsFromBadges(event.badges) } : null;
    }
    case 'gift_paid_upgrade':
      return { kind: 'subscription', viewerId, tier: '1000', isGift: false };
    case 'pay_it_forward':
      return { kind: 'subscription', viewerId, tier: '1000', isGift: true };
    case 'prime_paid_upgrade':
      return { kind: 'subscription', viewerId, tier: tier(obj(event.prime_paid_upgrade).sub_tier), isGift: false };
    case 'charity_donation': {
      const donation = obj(obj(event.charity_donation).amount);
      // The reference calls the field `decimal_places` for charity events and `decimal_place` here; either is read.
      const places = num(donation.decimal_places ?? donation.decimal_place);
      const micros = num(donation.value) * 10 ** (6 - Math.min(6, Math.max(0, places)));
      return { kind: 'scored', viewerId, result: scoreSuperChat(micros, str(donation.currency) ?? '') };
    }
    default:
      return null;
  }
}
