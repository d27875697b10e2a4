import { SentimentCategory } from '@lib-stream/privacy';

import {
  CHAT_LEXICON,
  CONTRASTS,
  DOWNTONERS,
  INTENSIFIERS,
  NEGATORS,
  POST_INTENSIFIERS,
  PUNCTUATION_WEIGHTS,
  SECOND_PERSON,
  type CategoryWeights,
} from './chat-lexicon';
import { ChatTokens, tokenizeChat } from './chat-tokenizer';
import { EMOTES } from './emote-table';
import type { LearnedWeights } from './learned-weights';

/**
 * The chat lexicon and the learned GoEmotions table merged, once, into flat typed arrays: one entry per token or
 * phrase, COLUMNS weights per entry (the 8 categories in enum order, then Neutral). Building it here keeps the
 * per-message loop down to Map lookups and additions.
 */
export const CATEGORIES: readonly SentimentCategory[] = [
  SentimentCategory.Excited,
  SentimentCategory.Supportive,
  SentimentCategory.Critical,
  SentimentCategory.Curious,
  SentimentCategory.Surprised,
  SentimentCategory.Amused,
  SentimentCategory.Bored,
  SentimentCategory.Hostile,
];
export const NEUTRAL = CATEGORIES.length;
export const COLUMNS = NEUTRAL + 1;

export const enum EntryFlag {
  /** Came from the hand-written chat lexicon (its weights are added to half of any learned weights). */
  Lexicon = 1,
  /** An emote: its capitals are its spelling, not shouting. */
  Emote = 2,
  /** Critical weight turns Hostile when the message addresses someone. */
  Insult = 4,
  /** Has enough weight to be the target of a negator or intensifier. */
  Bearing = 8,
  /** A laugh or irony emote that turns praise just before it into ridicule ("great play LUL"). */
  Mock = 16,
}

export const enum Role {
  None = 0,
  Negator = 1,
  /** Multiplies the next bearing token (intensifiers and downtoners). */
  Modifier = 2,
  /** Multiplies the bearing token before it ("good af"). */
  PostModifier = 3,
  SecondPerson = 4,
  /** "but", "however": what came before counts less than what follows. */
  Contrast = 5,
}

/** A lexicon entry "says" the message is not neutral: half its strongest weight counts against Neutral. */
const LEXICON_NEUTRAL_SHARE = 0.5;
/**
 * GoEmotions' class base rates are Reddit's (lots of admiration, little surprise); chat's differ, so only half of
 * each category prior is kept: enough to break ties on vague text, not enough to outvote a chat word.
 */
const PRIOR_SHRINK = 0.5;
/**
 * A lexicon entry adds to half the learned weights for the same token rather than replacing them: chat meaning
 * wins ("sick", "dead", "trash"), but what GoEmotions learned about the word still breaks ties in longer lines.
 */
const LEARNED_SHARE_UNDER_LEXICON = 0.5;
/** Learned tokens weaker than this (log-odds) are too vague to negate or intensify. */
const BEARING_THRESHOLD = 0.5;

/**
 * One map serves single tokens and phrases: a token's node holds its own entry (or -1) and, if phrases start with
 * it, the next words. So the common case is one Map lookup per token.
 */
export interface VocabNode {
  entry: number;
  next: Map<string, VocabNode> | null;
}

export class CompiledLexicon {
  readonly vocab = new Map<string, VocabNode>();
  weights = new Float64Array(0);
  flags = new Uint8Array(0);
  roles = new Uint8Array(0);
  modifier = new Float64Array(0);
  /** Score every category starts from: the learned class priors (Bored, unknown to GoEmotions, below all of them). */
  readonly prior = new Float64Array(COLUMNS);
  size = 0;

  private readonly rows: number[][] = [];
  private readonly rowFlags: number[] = [];
  private readonly rowRoles: number[] = [];
  private readonly rowModifier: number[] = [];

  constructor(learned: LearnedWeights) {
    this.addLearned(learned);
    const tokens = new ChatTokens();
    const lexiconKeys = new Set<string>();
    for (const group of CHAT_LEXICON) {
      for (const raw of group.tokens) {
        const key = this.spell(raw, tokens);
        if (lexiconKeys.has(key.join(' '))) throw new Error(`chat lexicon lists "${raw}" twice (as "${key.join(' ')}")`);
        lexiconKeys.add(key.join(' '));
        const flags = EntryFlag.Lexicon | (group.emote ? EntryFlag.Emote : 0) | (group.insult ? EntryFlag.Insult : 0) | (group.mock ? EntryFlag.Mock : 0);
        this.setWeights(this.entryFor(key), group.weights, flags);
      }
    }
    for (const emote of EMOTES) {
      const key = this.spell(emote.name, tokens);
      if (lexiconKeys.has(key.join(' '))) throw new Error(`emote "${emote.name}" is also in the chat lexicon`);
      lexiconKeys.add(key.join(' '));
      this.setWeights(this.entryFor(key), emote.weights, EntryFlag.Lexicon | EntryFlag.Emote | (emote.mock ? EntryFlag.Mock : 0));
    }
    for (const [raw, weights] of Object.entries(PUNCTUATION_WEIGHTS)) this.setWeights(this.entryFor([raw]), weights, EntryFlag.Lexicon);
    for (const raw of NEGATORS) this.setRole(this.spell(raw, tokens), Role.Negator, 1);
    for (const [raw, m] of Object.entries(INTENSIFIERS)) this.setRole(this.spell(raw, tokens), Role.Modifier, m);
    for (const [raw, m] of Object.entries(DOWNTONERS)) this.setRole(this.spell(raw, tokens), Role.Modifier, m);
    for (const [raw, m] of Object.entries(POST_INTENSIFIERS)) this.setRole(this.spell(raw, tokens), Role.PostModifier, m);
    for (const raw of CONTRASTS) this.setRole(this.spell(raw, tokens), Role.Contrast, 1);
    for (const raw of SECOND_PERSON) this.setRole(this.spell(raw, tokens), Role.SecondPerson, 1);
    this.freeze();
  }

  private addLearned(learned: LearnedWeights): void {
    const column = learned.classes.map((name) => (name === 'Neutral' ? NEUTRAL : CATEGORIES.indexOf(name as SentimentCategory)));
    if (column.some((c) => c < 0)) throw new Error('learned weights name an unknown class');
    const scale = 1 / learned.scale;
    let lowest = Infinity;
    learned.bias.forEach((b, k) => {
      const p = column[k] === NEUTRAL ? b * scale : b * scale * PRIOR_SHRINK;
      this.prior[column[k]] = p;
      if (column[k] !== NEUTRAL) lowest = Math.min(lowest, p);
    });
    this.prior[CATEGORIES.indexOf(SentimentCategory.Bored)] = lowest - 0.5;
    for (const [token, values] of Object.entries(learned.tokens)) {
      const row = new Array<number>(COLUMNS).fill(0);
      values.forEach((v, k) => (row[column[k]] = v * scale));
      this.vocab.set(token, { entry: this.newEntry(row, 0), next: null });
    }
  }

  /** Spells a lexicon key the way the tokenizer will spell the message ("Let's GO" → ["lets", "go"]). */
  private spell(raw: string, tokens: ChatTokens): string[] {
    tokenizeChat(raw, tokens);
    const out = tokens.text.slice(0, tokens.count);
    if (out.length === 0) throw new Error(`lexicon key "${raw}" has no tokens`);
    return out;
  }

  private entryFor(key: readonly string[]): number {
    let node = this.vocab.get(key[0]);
    if (!node) {
      node = { entry: -1, next: null };
      this.vocab.set(key[0], node);
    }
    for (let i = 1; i < key.length; i++) {
      node.next ??= new Map();
      let child = node.next.get(key[i]);
      if (!child) {
        child = { entry: -1, next: null };
        node.next.set(key[i], child);
      }
      node = child;
    }
    if (node.entry < 0) node.entry = this.newEntry(new Array<number>(COLUMNS).fill(0), 0);
    return node.entry;
  }

  private newEntry(row: number[], flags: number): number {
    this.rows.push(row);
    this.rowFlags.push(flags);
    this.rowRoles.push(Role.None);
    this.rowModifier.push(1);
    return this.rows.length - 1;
  }

  private setWeights(id: number, weights: CategoryWeights, flags: number): void {
    const row = new Array<number>(COLUMNS).fill(0);
    let strongest = 0;
    for (const [category, w] of Object.entries(weights) as [SentimentCategory, number][]) {
      row[CATEGORIES.indexOf(category)] = w;
      strongest = Math.max(strongest, w);
    }
    row[NEUTRAL] = -LEXICON_NEUTRAL_SHARE * strongest;
    const learned = this.rows[id];
    for (let c = 0; c < COLUMNS; c++) row[c] += LEARNED_SHARE_UNDER_LEXICON * learned[c];
    this.rows[id] = row;
    this.rowFlags[id] = flags;
  }

  private setRole(key: readonly string[], role: Role, modifier: number): void {
    const id = this.entryFor(key);
    if (this.rowRoles[id] !== Role.None) throw new Error(`"${key.join(' ')}" has two modifier roles`);
    this.rowRoles[id] = role;
    this.rowModifier[id] = modifier;
  }

  private freeze(): void {
    const n = this.rows.length;
    this.size = n;
    this.weights = new Float64Array(n * COLUMNS);
    this.flags = new Uint8Array(n);
    this.roles = Uint8Array.from(this.rowRoles);
    this.modifier = Float64Array.from(this.rowModifier);
    for (let id = 0; id < n; id++) {
      const row = this.rows[id];
      let strongest = 0;
      for (let c = 0; c < COLUMNS; c++) {
        this.weights[id * COLUMNS + c] = row[c];
        if (c !== NEUTRAL) strongest = Math.max(strongest, Math.abs(row[c]));
      }
      this.flags[id] = this.rowFlags[id] | (strongest >= BEARING_THRESHOLD ? EntryFlag.Bearing : 0);
    }
    this.rows.length = 0;
  }
}
