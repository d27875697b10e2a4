import type { SentimentCategory } from '@lib-stream/privacy';
import type { EmoteFragment } from '@lib-stream/sentiment';

import type { ViewerSignals } from './tracked-viewers';

/**
 * A platform event reduced to what sentiment needs. It carries identifying data (viewer id, text)
 * and so exists only in memory while one delivery is handled; nothing of it is stored or logged.
 */
export type AudienceEvent =
  | { kind: 'chat'; viewerId: string | null; text: string; signals: ViewerSignals; emotes?: readonly EmoteFragment[] }
  | { kind: 'subscription'; viewerId: string | null; tier: '1000' | '2000' | '3000'; isGift: boolean; cumulativeMonths?: number }
  | { kind: 'cheer'; viewerId: string | null; bits: number; signals: ViewerSignals }
  | { kind: 'raid'; viewerId: string | null; viewers: number }
  | { kind: 'follow'; viewerId: string | null }
  // `text`: the Super Chat's comment, when it has one (scored with the amount, see scorePaidMessage).
  | { kind: 'superchat'; viewerId: string | null; amountMicros: number; currency: string; text?: string }
  | { kind: 'membership'; viewerId: string | null; months?: number }
  // Scored where it was mapped, from numbers only (Twitch polls, predictions, hype trains, gift bombs).
  | { kind: 'scored'; viewerId: string | null; result: { category: SentimentCategory; intensity: number } }
  | { kind: 'viewers'; count: number };
