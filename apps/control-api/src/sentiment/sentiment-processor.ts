import type { SentimentCategory } from '@lib-stream/privacy';

export interface SentimentResult {
  category: SentimentCategory;
  /** 0..1 */
  intensity: number;
}

/** Turns one chat message into a category and an intensity. Implementations must not keep or log the text. */
export interface SentimentProcessor {
  analyzeText(text: string): SentimentResult;
}

export const SENTIMENT_PROCESSOR = Symbol('SENTIMENT_PROCESSOR');
