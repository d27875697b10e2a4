/**
 * Shape of model/goemotions-weights.json, the word → category weight table learned from GoEmotions by
 * tools/sentiment/train-goemotions-weights.ts. Weights are log-odds, stored as integers × `scale` to keep the file small.
 */
export const LEARNED_CLASSES = ['Excited', 'Supportive', 'Critical', 'Curious', 'Surprised', 'Amused', 'Hostile', 'Neutral'] as const;

export type LearnedClass = (typeof LEARNED_CLASSES)[number];

export interface LearnedWeights {
  readonly about: string;
  readonly classes: readonly string[];
  readonly scale: number;
  /** One per class. */
  readonly bias: readonly number[];
  /** token (as the chat tokenizer spells it) → one weight per class. */
  readonly tokens: Readonly<Record<string, readonly number[]>>;
}
