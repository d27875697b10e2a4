import type { SentimentCategory } from '@lib-stream/privacy';

export interface SentimentResult {
  category: SentimentCategory;
  /** 0..1 */
  intensity: number;
}

/**
 * A token the platform marked as an emote (Twitch EventSub `message.fragments[]` with `type: "emote"`): its text as
 * written in the message, and the emote's id and owner (the channel that made it; "0" or empty for global emotes).
 * Knowing a token is an emote means its capitals are its spelling and, when the engine does not know that emote,
 * that it must add nothing rather than be read as a word.
 */
export interface EmoteFragment {
  readonly text: string;
  readonly id?: string;
  readonly ownerId?: string;
}

/** What the platform tells us about a message besides its text. */
export interface MessageContext {
  readonly emotes?: readonly EmoteFragment[];
}

/** Named cues the engine used; they say why, without any of the text. */
export type SentimentCue =
  | 'normalised'
  | 'negation'
  | 'contrast'
  | 'mockery'
  | 'rhetorical-question'
  | 'insult-aimed'
  | 'spam-damped'
  | 'unknown-emote'
  | 'deleet';

/**
 * The engine's reading of one message. `result` is null for "no sentiment": an empty message, one with no evidence
 * at all, or one whose confidence is below the floor. `candidate` is what it would have said without the floor.
 */
export interface SentimentVerdict {
  readonly result: SentimentResult | null;
  readonly candidate: SentimentCategory | null;
  /** 0..1: the strength of the evidence for the candidate over "no emotion", after emphasis and spam damping. */
  readonly confidence: number;
  readonly floor: number;
  readonly reason: 'scored' | 'empty' | 'bot-command' | 'no-evidence' | 'below-floor';
  readonly cues: readonly SentimentCue[];
}

/**
 * Turns one chat message into a verdict. Implementations must not keep or log the text; everything they return is
 * free of it. This is the seam another engine plugs into.
 */
export interface SentimentProcessor {
  analyze(text: string, context?: MessageContext): SentimentVerdict;
}
