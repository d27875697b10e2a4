import { SentimentCategory } from '@lib-stream/privacy';

import { ChatTokens, TokenKind, collapseRuns, tokenizeChat } from './chat-tokenizer';
import { CATEGORIES, COLUMNS, CompiledLexicon, EntryFlag, NEUTRAL, Role, type VocabNode } from './compiled-lexicon';
import { loadGoEmotionsWeights } from './goemotions-weights';
import type { LearnedWeights } from './learned-weights';
import type { SentimentProcessor, SentimentResult } from './sentiment-processor';

const CRITICAL = CATEGORIES.indexOf(SentimentCategory.Critical);
const HOSTILE = CATEGORIES.indexOf(SentimentCategory.Hostile);
const K = CATEGORIES.length;

/**
 * What a negated token means instead, row = category said, column = category meant (enum order:
 * Excited, Supportive, Critical, Curious, Surprised, Amused, Bored, Hostile). Why: "not good" is criticism,
 * "not bad" is mild approval, "not funny" is criticism, "not boring" is mild interest, "not sure" is still a
 * question, "not surprised" is a weaker surprise, "not trash" is a grudging compliment.
 */
const NEGATION: readonly (readonly number[])[] = [
  [0, 0, 0.4, 0, 0, 0, 0.4, 0],
  [0, 0, 0.7, 0, 0, 0, 0, 0],
  [0, 0.5, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 1, 0, 0, 0, 0],
  [0, 0, 0, 0, 0.5, 0, 0, 0],
  [0, 0, 0.5, 0, 0, 0, 0, 0],
  [0.3, 0.3, 0, 0, 0, 0, 0, 0],
  [0, 0.3, 0, 0, 0, 0, 0, 0],
];

/** How many following tokens a negator reaches (it also stops at punctuation). */
const NEGATION_SCOPE = 3;
/** How many tokens an intensifier waits for something to intensify. */
const MODIFIER_SCOPE = 2;
/** Weight multipliers for emphasis written into a token. */
const SHOUT_BOOST = 1.4;
const ELONGATION_BOOST = 1.25;
/** Each repeat of the same token counts less ("KEKW KEKW KEKW" is stronger than one KEKW, not three times). */
const REPEAT_DECAY = [1, 0.6, 0.36, 0.22, 0.13, 0.08, 0.05, 0.03];
/** Evidence (log-odds over Neutral) at which intensity reaches 1 − 1/e before emphasis: about two strong tokens. */
const INTENSITY_SCALE = 6;
/** Intensity of a message that has tokens but no sentiment evidence. */
const MIN_INTENSITY = 0.05;

/**
 * Live-chat sentiment from a hand-written chat lexicon plus a word table learned from GoEmotions.
 *
 * Per message: tokenize (emotes, emoji, elongation, caps, "!!!"), look each token or phrase up, apply negation,
 * intensifiers and emphasis, sum log-odds per category, pick the strongest category; intensity is the margin of
 * that category over "no emotion" (saturating), raised by shouting, stretching, "!!!" and intensifiers.
 *
 * Not re-entrant across threads (it reuses scratch buffers), which is fine for Node's single thread. It never keeps
 * or logs the text: only the category and a number leave analyzeText.
 */
export class LexiconSentimentProcessor implements SentimentProcessor {
  private readonly lexicon: CompiledLexicon;
  private readonly tokens = new ChatTokens();
  private readonly scores = new Float64Array(COLUMNS);
  private readonly last = new Float64Array(COLUMNS);
  private readonly repeats: Uint8Array;
  private readonly touched: number[] = [];
  private insultCritical = 0;
  /** Span (in tokens) of the entry found by the last resolve(). */
  private span = 1;

  constructor(model: LearnedWeights = loadGoEmotionsWeights()) {
    this.lexicon = new CompiledLexicon(model);
    this.repeats = new Uint8Array(this.lexicon.size);
  }

  analyzeText(text: string): SentimentResult {
    try {
      tokenizeChat(typeof text === 'string' ? text : '', this.tokens);
      return this.score();
    } finally {
      this.tokens.wipe();
      this.clearRepeats();
    }
  }

  private score(): SentimentResult {
    const t = this.tokens;
    const lex = this.lexicon;
    const s = this.scores;
    s.set(lex.prior);
    if (t.count === 0) return this.result(0);

    this.insultCritical = 0;
    this.last.fill(0);
    let hasLast = false;
    let negateLeft = 0;
    let pending = 1;
    let pendingLeft = 0;
    let secondPerson = false;
    let words = 0;
    let shouted = 0;
    let elongated = 0;
    let bangs = 0;
    let modifiersUsed = 0;

    const n = t.count;
    let i = 0;
    while (i < n) {
      if (t.clauseStart[i] === 1) {
        negateLeft = 0;
        pending = 1;
        pendingLeft = 0;
        hasLast = false;
      }
      const id = this.resolve(i);
      const span = this.span;
      const next = i + span;

      let emphasis = 1;
      let isShouted = false;
      for (let k = i; k < next; k++) {
        const kind = t.kind[k];
        if (kind === TokenKind.Word) {
          words++;
          if (t.shouted[k] === 1) isShouted = true;
          if (t.elongated[k] === 1) {
            elongated++;
            emphasis *= ELONGATION_BOOST;
          }
        } else if (kind === TokenKind.Punct) {
          const run = t.run[k];
          if (t.text[k] !== '?') bangs += run;
          emphasis *= 1 + 0.25 * Math.min(run - 1, 4);
        }
      }

      if (id < 0) {
        if (isShouted) shouted++;
        if (negateLeft > 0) negateLeft--;
        if (pendingLeft > 0 && --pendingLeft === 0) pending = 1;
        i = next;
        continue;
      }

      const flags = lex.flags[id];
      if (isShouted && (flags & EntryFlag.Emote) === 0) {
        shouted++;
        emphasis *= SHOUT_BOOST;
      }
      const followed = next < n && t.clauseStart[next] === 0;
      const role = lex.roles[id];
      if (role === Role.Negator && followed) {
        negateLeft = NEGATION_SCOPE;
        // A learned negator ("not", "never") keeps its own weights: GoEmotions taught it what negated sentences
        // tend to be. Chat negators ("no", "nah") only switch on negation when something follows.
        if ((flags & EntryFlag.Lexicon) === 0) this.add(id, 1, false, false);
        i = next;
        continue;
      }
      if (role === Role.Modifier && followed && this.bearingAt(next)) {
        pending *= lex.modifier[id];
        pendingLeft = MODIFIER_SCOPE;
        if (lex.modifier[id] > 1) modifiersUsed++;
        i = next;
        continue;
      }
      if (role === Role.PostModifier && hasLast) {
        const extra = lex.modifier[id] - 1;
        for (let c = 0; c < COLUMNS; c++) s[c] += extra * this.last[c];
        if (extra > 0) modifiersUsed++;
        hasLast = false;
        i = next;
        continue;
      }
      if (role === Role.SecondPerson) secondPerson = true;

      const bearing = (flags & EntryFlag.Bearing) !== 0;
      let weight = emphasis * this.repeatWeight(id);
      if (bearing) {
        weight *= pending;
        pending = 1;
        pendingLeft = 0;
      } else if (pendingLeft > 0 && --pendingLeft === 0) pending = 1;
      // A negator standing alone ("no", "nah") keeps its own meaning and is never negated itself.
      const negated = negateLeft > 0 && role !== Role.Negator;
      this.add(id, weight, negated, (flags & EntryFlag.Insult) !== 0);
      hasLast = bearing;
      if (negateLeft > 0) negateLeft -= span;
      i = next;
    }

    if (secondPerson && this.insultCritical > 0) {
      s[CRITICAL] -= this.insultCritical;
      s[HOSTILE] += this.insultCritical;
    }
    const emphasis =
      1 +
      0.4 * Math.min(1, shouted / Math.max(1, words)) +
      0.1 * Math.min(elongated, 3) +
      0.05 * Math.min(bangs, 6) +
      0.1 * Math.min(modifiersUsed, 2);
    return this.result(emphasis);
  }

  /** Finds the longest phrase (or the single token) starting at `i`; sets this.span. Returns the entry id or -1. */
  private resolve(i: number): number {
    const t = this.tokens;
    const vocab = this.lexicon.vocab;
    this.span = 1;
    let node = vocab.get(t.text[i]);
    // A stretched word ("gooo" → "goo") may only be known in its plain form ("go").
    if (node === undefined && t.elongated[i] === 1) node = vocab.get(collapseRuns(t.text[i], 1));
    if (node === undefined) return -1;
    let id = node.entry;
    let j = i + 1;
    while (node.next !== null && j < t.count) {
      let child: VocabNode | undefined = node.next.get(t.text[j]);
      if (child === undefined && t.elongated[j] === 1) child = node.next.get(collapseRuns(t.text[j], 1));
      if (child === undefined) break;
      node = child;
      j++;
      if (node.entry >= 0) {
        id = node.entry;
        this.span = j - i;
      }
    }
    return id;
  }

  private bearingAt(j: number): boolean {
    const saved = this.span;
    const id = this.resolve(j);
    this.span = saved;
    return id >= 0 && (this.lexicon.flags[id] & EntryFlag.Bearing) !== 0;
  }

  private repeatWeight(id: number): number {
    const seen = this.repeats[id];
    if (seen === 0) this.touched.push(id);
    if (seen < 255) this.repeats[id] = seen + 1;
    return seen < REPEAT_DECAY.length ? REPEAT_DECAY[seen] : 0;
  }

  private clearRepeats(): void {
    for (const id of this.touched) this.repeats[id] = 0;
    this.touched.length = 0;
  }

  private add(id: number, weight: number, negated: boolean, insult: boolean): void {
    const w = this.lexicon.weights;
    const s = this.scores;
    const last = this.last;
    const base = id * COLUMNS;
    if (!negated) {
      for (let c = 0; c < COLUMNS; c++) s[c] += last[c] = w[base + c] * weight;
      if (insult) this.insultCritical += Math.max(0, last[CRITICAL]);
      return;
    }
    last.fill(0);
    for (let from = 0; from < K; from++) {
      const v = w[base + from] * weight;
      if (v === 0) continue;
      const row = NEGATION[from];
      for (let to = 0; to < K; to++) if (row[to] !== 0) last[to] += row[to] * v;
    }
    for (let c = 0; c < K; c++) s[c] += last[c];
  }

  private result(emphasis: number): SentimentResult {
    const s = this.scores;
    let top = 0;
    for (let c = 1; c < K; c++) if (s[c] > s[top]) top = c;
    if (emphasis === 0) return { category: CATEGORIES[top], intensity: 0 };
    // Evidence the message itself adds for its category over "no emotion" (priors excluded, so a category's
    // Reddit base rate does not make its messages feel stronger or weaker).
    const prior = this.lexicon.prior;
    const evidence = s[top] - prior[top] - (s[NEUTRAL] - prior[NEUTRAL]);
    const strength = evidence > 0 ? 1 - Math.exp(-evidence / INTENSITY_SCALE) : 0;
    const intensity = Math.min(1, Math.max(MIN_INTENSITY, strength * emphasis));
    return { category: CATEGORIES[top], intensity: Math.round(intensity * 1000) / 1000 };
  }
}
