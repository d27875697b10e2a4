import { COLUMNS } from './compiled-lexicon';
import type { SentimentCue } from './sentiment-processor';

/** The cues a pass can set, as bits of MessageState.cues; CUE_NAMES[k] names bit k. */
export const enum Cue {
  Normalised = 1,
  Negation = 2,
  Contrast = 4,
  Mockery = 8,
  Rhetoric = 16,
  InsultAimed = 32,
  SpamDamped = 64,
  UnknownEmote = 128,
  Deleet = 256,
}

export const CUE_NAMES: readonly SentimentCue[] = ['normalised', 'negation', 'contrast', 'mockery', 'rhetorical-question', 'insult-aimed', 'spam-damped', 'unknown-emote', 'deleet'];

/**
 * The scratch state the processor's passes share for one message: the running score per category (log-odds, the 8
 * categories then Neutral), what the last token added, the negation/modifier windows, the emphasis tallies and the
 * cues that fired. One instance is reused for every message and reset before each.
 */
export class MessageState {
  readonly scores = new Float64Array(COLUMNS);
  /** What the last bearing token added (for post-modifiers such as "af"). */
  readonly last = new Float64Array(COLUMNS);
  hasLast = false;
  /** Tokens the current negation still reaches. */
  negateLeft = 0;
  /** Multiplier waiting for the next bearing token, and how many tokens it still waits. */
  pending = 1;
  pendingLeft = 0;
  secondPerson = false;
  /** Critical weight from insult words, moved to Hostile when the message addresses someone. */
  insultCritical = 0;
  /** Positive (Excited + Supportive) evidence so far: what a laugh emote after it would be mocking. */
  praise = 0;
  mocked = false;
  /** Curious evidence added by question marks and question words. */
  asked = 0;
  words = 0;
  shouted = 0;
  elongated = 0;
  bangs = 0;
  modifiersUsed = 0;
  /** Emphasis of the token being read, and whether it was shouted. */
  tokenEmphasis = 1;
  tokenShouted = false;
  /** Bit set of the cues that fired (Cue). */
  cues = 0;

  reset(prior: Float64Array): void {
    this.scores.set(prior);
    this.last.fill(0);
    this.hasLast = false;
    this.negateLeft = 0;
    this.pending = 1;
    this.pendingLeft = 0;
    this.secondPerson = false;
    this.insultCritical = 0;
    this.praise = 0;
    this.mocked = false;
    this.asked = 0;
    this.words = 0;
    this.shouted = 0;
    this.elongated = 0;
    this.bangs = 0;
    this.modifiersUsed = 0;
    this.tokenEmphasis = 1;
    this.tokenShouted = false;
    this.cues = 0;
  }

  /** Punctuation (or "but") ends negation, pending modifiers and the post-modifier target. */
  endClause(): void {
    this.negateLeft = 0;
    this.pending = 1;
    this.pendingLeft = 0;
    this.hasLast = false;
  }

  /** An unknown token still uses up negation and modifier reach. */
  stepPastUnknown(): void {
    if (this.negateLeft > 0) this.negateLeft--;
    if (this.pendingLeft > 0 && --this.pendingLeft === 0) this.pending = 1;
  }

  /** Whole-message emphasis: stretching, "!!!", intensifiers and (`withShouting`) capitals; never the category. */
  emphasis(withShouting: boolean): number {
    return (
      1 +
      (withShouting ? 0.4 * Math.min(1, this.shouted / Math.max(1, this.words)) : 0) +
      0.1 * Math.min(this.elongated, 3) +
      0.05 * Math.min(this.bangs, 6) +
      0.1 * Math.min(this.modifiersUsed, 2)
    );
  }
}
