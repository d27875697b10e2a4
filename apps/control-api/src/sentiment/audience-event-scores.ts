import { SentimentCategory } from '@lib-stream/privacy';

import type { SentimentResult } from './sentiment-processor';

/**
 * Sentiment for audience events that carry no text. Policy, in one place:
 *  - Money or time given to the streamer (subs, memberships, small cheers and Super Chats, follows) is Supportive.
 *  - A big cheer or Super Chat, and every raid, is a hype moment for the whole chat, so it is Excited.
 *  - Intensity grows on a log scale with the amount (10× the bits ≈ +0.2) and is capped at 1; the category is
 *    decided by amount, the intensity is continuous across that threshold, so more never scores lower.
 * All inputs are treated defensively: negative, NaN or infinite amounts count as zero.
 */

export type SubscriptionTier = '1000' | '2000' | '3000';

export interface SubscriptionEvent {
  tier: SubscriptionTier;
  isGift: boolean;
  cumulativeMonths?: number;
}

/** Cheers of at least this many bits (US$10) are hype moments. */
export const EXCITED_CHEER_BITS = 1000;
/** Super Chats worth at least this many US dollars are hype moments. */
export const EXCITED_SUPERCHAT_USD = 50;

function amount(x: number | undefined): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0;
}

/** floor + (1 − floor) × log10(1 + x) / log10(1 + full), capped at 1: `full` is where intensity reaches 1. */
function logScale(x: number, floor: number, full: number): number {
  const v = floor + ((1 - floor) * Math.log10(1 + amount(x))) / Math.log10(1 + full);
  return Math.round(Math.min(1, v) * 1000) / 1000;
}

const TIER_BONUS: Readonly<Record<SubscriptionTier, number>> = { '1000': 0, '2000': 0.15, '3000': 0.3 };

/**
 * Subscriptions are Supportive. Intensity: 0.45 for a Tier 1 sub, +0.15 per tier above, +0.1 for a gift (someone
 * paid for a stranger), and up to +0.15 for a long streak (log scale, full at five years).
 */
export function scoreSubscription(event: SubscriptionEvent): SentimentResult {
  const streak = (0.15 * Math.log2(1 + Math.min(amount(event.cumulativeMonths), 60))) / Math.log2(61);
  const intensity = 0.45 + (TIER_BONUS[event.tier] ?? 0) + (event.isGift ? 0.1 : 0) + streak;
  return { category: SentimentCategory.Supportive, intensity: Math.round(Math.min(1, intensity) * 1000) / 1000 };
}

/** Bits: Supportive below EXCITED_CHEER_BITS, Excited from there; intensity 0.2 at 0 bits, 1 at 10,000 bits. */
export function scoreCheer(bits: number): SentimentResult {
  return {
    category: amount(bits) >= EXCITED_CHEER_BITS ? SentimentCategory.Excited : SentimentCategory.Supportive,
    intensity: logScale(bits, 0.2, 10_000),
  };
}

/** Raids are Excited; intensity 0.3 for an empty raid, 1 at 10,000 viewers. */
export function scoreRaid(viewers: number): SentimentResult {
  return { category: SentimentCategory.Excited, intensity: logScale(viewers, 0.3, 10_000) };
}

/**
 * Rough US-dollar value of one unit of each common Super Chat currency. Only used to put amounts on one log scale:
 * being off by a factor of two moves intensity by about 0.08, so these need no updating. Unknown currencies count as
 * a typical US$5 Super Chat rather than guessing (a wrong guess could be off by 10,000×).
 */
const USD_PER_UNIT: Readonly<Record<string, number>> = {
  USD: 1, EUR: 1.08, GBP: 1.27, CAD: 0.73, AUD: 0.66, NZD: 0.6, CHF: 1.12, SEK: 0.095, NOK: 0.093, DKK: 0.145,
  PLN: 0.25, CZK: 0.043, HUF: 0.0027, JPY: 0.0067, KRW: 0.00073, TWD: 0.031, HKD: 0.128, SGD: 0.74, CNY: 0.14,
  INR: 0.012, PHP: 0.018, IDR: 0.000062, MYR: 0.21, THB: 0.028, VND: 0.00004, BRL: 0.19, MXN: 0.055, ARS: 0.0011,
  CLP: 0.0011, COP: 0.00025, PEN: 0.27, RUB: 0.011, TRY: 0.031, ZAR: 0.054, ILS: 0.27, SAR: 0.27, AED: 0.27,
  EGP: 0.021, NGN: 0.00065, UAH: 0.024, RON: 0.22, BGN: 0.55, ISK: 0.0072,
};
const UNKNOWN_CURRENCY_USD = 5;

/** Super Chat: amount in micros of `currency` (ISO 4217). Supportive below EXCITED_SUPERCHAT_USD, Excited from there. */
export function scoreSuperChat(amountMicros: number, currency: string): SentimentResult {
  const rate = USD_PER_UNIT[typeof currency === 'string' ? currency.trim().toUpperCase() : ''];
  const usd = rate === undefined ? UNKNOWN_CURRENCY_USD : (amount(amountMicros) / 1_000_000) * rate;
  return {
    category: usd >= EXCITED_SUPERCHAT_USD ? SentimentCategory.Excited : SentimentCategory.Supportive,
    intensity: logScale(usd, 0.3, 500),
  };
}

/** A follow is a small, free sign of support. */
export function scoreFollow(): SentimentResult {
  return { category: SentimentCategory.Supportive, intensity: 0.2 };
}

/** YouTube memberships are Supportive like subs: 0.5 for a new member, up to 0.75 at five years. */
export function scoreMembership(months?: number): SentimentResult {
  const streak = (0.25 * Math.log2(1 + Math.min(amount(months), 60))) / Math.log2(61);
  return { category: SentimentCategory.Supportive, intensity: Math.round((0.5 + streak) * 1000) / 1000 };
}

/*
 * Twitch channel events (issue #16, specification extension 6). Polls, predictions and hype trains are
 * whole-chat moments, so each notification is one anonymous entry standing for the chat's mood, not a viewer's.
 */

/** Poll votes (all kinds, summed): Curious — chat weighing in on a question; 0.3 with no votes, 1 at 10,000. */
export function scorePoll(votes: number): SentimentResult {
  return { category: SentimentCategory.Curious, intensity: logScale(votes, 0.3, 10_000) };
}

/** An open or locked prediction: Excited — chat betting on what happens next; 0.3 with nothing staked, 1 at 1,000,000 channel points. */
export function scorePrediction(channelPoints: number): SentimentResult {
  return { category: SentimentCategory.Excited, intensity: logScale(channelPoints, 0.3, 1_000_000) };
}

/**
 * A resolved prediction: Surprised when the winning outcome was backed by fewer than half of the predictors
 * (an upset), Excited when the favourite won. Intensity as scorePrediction, by the points at stake.
 */
export function scorePredictionResult(winnerUsers: number, totalUsers: number, channelPoints: number): SentimentResult {
  const upset = amount(totalUsers) > 0 && amount(winnerUsers) / amount(totalUsers) < 0.5;
  return { category: upset ? SentimentCategory.Surprised : SentimentCategory.Excited, intensity: logScale(channelPoints, 0.3, 1_000_000) };
}

/** Hype train: Excited; 0.5 at level 1, +0.1 a level, 1 from level 6 (Twitch's level count is open-ended). */
export function scoreHypeTrain(level: number): SentimentResult {
  const intensity = 0.4 + 0.1 * Math.max(1, Math.floor(amount(level)));
  return { category: SentimentCategory.Excited, intensity: Math.round(Math.min(1, intensity) * 1000) / 1000 };
}

/** Gift bombs of at least this many subs are hype moments. */
export const EXCITED_GIFT_BOMB = 10;

/**
 * A community gift ("gift bomb") of `total` subs by one viewer: Supportive below EXCITED_GIFT_BOMB, Excited from
 * there. Intensity 0.55 for one Tier 1 gift (as a single gifted sub), 1 at 100 gifts, + the tier bonus.
 */
export function scoreGiftBomb(total: number, tier: SubscriptionTier): SentimentResult {
  const intensity = logScale(Math.max(0, amount(total) - 1), 0.55, 99) + (TIER_BONUS[tier] ?? 0);
  return {
    category: amount(total) >= EXCITED_GIFT_BOMB ? SentimentCategory.Excited : SentimentCategory.Supportive,
    intensity: Math.round(Math.min(1, intensity) * 1000) / 1000,
  };
}

/**
 * A paid message (a Super Chat's comment): when its text has a reading, that category stands — a hostile Super
 * Chat is still hostile, only louder — and the amount lifts its intensity: 1 − (1 − text) × (1 − paid / 2), so
 * it grows with both and stays ≤ 1. With no reading (no text, or below the confidence floor) the amount's own
 * score. (Twitch cheers need none of this: their text also arrives as a chat message and is scored there.)
 */
export function scorePaidMessage(text: SentimentResult | null, paid: SentimentResult): SentimentResult {
  if (!text) return paid;
  const intensity = 1 - (1 - Math.min(1, Math.max(0, text.intensity))) * (1 - paid.intensity / 2);
  return { category: text.category, intensity: Math.round(Math.min(1, intensity) * 1000) / 1000 };
}
