import { SentimentCategory } from '@lib-stream/privacy';

import { ChatTokens, MAX_SCANNED_CHARS, TokenKind, collapseRuns, tokenizeChat } from './chat-tokenizer';
import { CATEGORIES, COLUMNS, CompiledLexicon, EntryFlag, NEUTRAL, Role, type VocabNode } from './compiled-lexicon';
import { loadGoEmotionsWeights } from './goemotions-weights';
import type { LearnedWeights } from './learned-weights';
import { aimInsults, readMockery, readRhetoric, spamDamping } from './message-passes';
import { CUE_NAMES, Cue, MessageState } from './message-state';
import { WORD_NAMED_EMOTE_WORDS } from './emote-table';
import { deleet, normaliseChat } from './normalise';
import type { MessageContext, SentimentCue, SentimentProcessor, SentimentVerdict } from './sentiment-processor';

const EXCITED = CATEGORIES.indexOf(SentimentCategory.Excited);
const SUPPORTIVE = CATEGORIES.indexOf(SentimentCategory.Supportive);
const CRITICAL = CATEGORIES.indexOf(SentimentCategory.Critical);
const CURIOUS = CATEGORIES.indexOf(SentimentCategory.Curious);
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

/** How many following tokens a negator reaches (it also stops at punctuation and at an emote, emoji or emoticon). */
const NEGATION_SCOPE = 3;
/** "never been this …", "havent seen anything so …": the negator makes a superlative of what follows. */
const SUPERLATIVE_VERBS: ReadonlySet<string> = new Set(['been', 'seen', 'felt', 'had', 'heard', 'watched', 'played']);
const SUPERLATIVE_DEGREES: ReadonlySet<string> = new Set(['this', 'so', 'that', 'anything', 'something', 'more', 'such']);
const SUPERLATIVE_BOOST = 1.3;
/** How many tokens an intensifier waits for something to intensify. */
const MODIFIER_SCOPE = 2;
/** Weight multiplier for a stretched word ("sooo"). Capitals are not one: they raise intensity, never evidence. */
const ELONGATION_BOOST = 1.25;
/** Each repeat of the same token counts less ("KEKW KEKW KEKW" is stronger than one KEKW, not three times). */
const REPEAT_DECAY = [1, 0.6, 0.36, 0.22, 0.13, 0.08, 0.05, 0.03];
/** Evidence (log-odds over Neutral) at which intensity reaches 1 − 1/e before emphasis: about two strong tokens. */
const INTENSITY_SCALE = 6;
/** Share of the evidence before "but"/"however" that still counts: the second clause is what the writer means. */
const CONTRAST_BEFORE = 0.3;
/** Positive evidence (log-odds) that must come before a laugh/irony emote for it to read as ridicule. */
const MOCK_PRAISE = 1;
/** Curious weight at which a chat-lexicon entry is a question cue ("?", "why", "how come"), not a side lean. */
const QUESTION_CUE = 0.8;

/**
 * Default confidence floor: below it a message has "no sentiment". Chosen on GoEmotions dev (its first half; the
 * second half is held back as the test split) and the dev part of tools/sentiment/chat-sample.tsv, by valence macro-F1
 * with neutral lines counted (see tools/sentiment/choose-floor.ts). The app reads STREAM_SENTIMENT_CONFIDENCE_FLOOR.
 */
export const DEFAULT_CONFIDENCE_FLOOR = 0.14;

export interface LexiconSentimentOptions {
  /** The learned word table (default: the GoEmotions one shipped in model/). */
  readonly model?: LearnedWeights;
  /** 0..1; messages whose confidence is below it get no sentiment. */
  readonly floor?: number;
}

/**
 * Live-chat sentiment from a hand-written chat lexicon, an emote table and a word table learned from GoEmotions.
 *
 * Per message: normalise (normalise.ts), tokenize (emotes, emoji, elongation, caps, "!!!"), then passes over a
 * MessageState: read the tokens (lookup, negation, intensifiers, contrast, emphasis), then the later passes of
 * message-passes.ts (aim insults, read mockery, read rhetorical complaints, damp spam); the strongest category wins
 * and its margin over "no emotion" (saturating, raised by emphasis, lowered for spam) is the confidence compared
 * with the floor; capitals raise the intensity on top of it.
 *
 * Not re-entrant across threads (it reuses scratch buffers), which is fine for Node's single thread. It never keeps
 * or logs the text: only categories, numbers and cue names leave analyze.
 */
export class LexiconSentimentProcessor implements SentimentProcessor {
  readonly floor: number;
  private readonly lexicon: CompiledLexicon;
  private readonly tokens = new ChatTokens();
  private readonly state = new MessageState();
  private readonly repeats: Uint8Array;
  private readonly touched: number[] = [];
  /** Span (in tokens) of the entry found by the last resolve(). */
  private span = 1;

  constructor(options: LexiconSentimentOptions = {}) {
    const floor = options.floor ?? DEFAULT_CONFIDENCE_FLOOR;
    if (!(floor >= 0 && floor <= 1)) throw new RangeError(`confidence floor must be within 0..1, got ${floor}`);
    this.floor = floor;
    this.lexicon = new CompiledLexicon(options.model ?? loadGoEmotionsWeights());
    this.repeats = new Uint8Array(this.lexicon.size);
  }

  analyze(text: string, context?: MessageContext): SentimentVerdict {
    // Only the first MAX_SCANNED_CHARS are read; normalising more (a 1 MB line) would be wasted work. Twice
    // that is kept, as invisible characters that normalisation removes may pad the start.
    const raw = typeof text === 'string' ? text.slice(0, 2 * MAX_SCANNED_CHARS) : '';
    try {
      const normalised = normaliseChat(raw);
      const emotes = context?.emotes?.length ? new Set(context.emotes.map((e) => e.text)) : undefined;
      tokenizeChat(normalised, this.tokens, emotes);
      this.state.reset(this.lexicon.prior);
      if (normalised !== raw) this.state.cues |= Cue.Normalised;
      return this.score();
    } finally {
      this.tokens.wipe();
      this.clearRepeats();
    }
  }

  /** The passes, in order, over this.state. */
  private score(): SentimentVerdict {
    if (this.tokens.count === 0) return this.verdict(null, 0, 'empty');
    // "!lurk", "!sr <song>", "!gamble all": the line is an instruction to a bot, not a reaction.
    if (this.tokens.kind[0] === TokenKind.Command) return this.verdict(null, 0, 'bot-command');
    this.readTokens();
    const prior = this.lexicon.prior;
    aimInsults(this.state);
    readMockery(this.state, prior);
    readRhetoric(this.state, prior);
    return this.decide(spamDamping(this.state, this.tokens));
  }

  // ------------------------------------------------------------------ pass 1: tokens

  private readTokens(): void {
    const t = this.tokens;
    const st = this.state;
    const n = t.count;
    let i = 0;
    while (i < n) {
      if (t.clauseStart[i] === 1) st.endClause();
      const id = this.resolve(i);
      const next = i + this.span;
      this.measureEmphasis(i, next);
      if (id < 0) {
        if (st.tokenShouted) st.shouted++;
        st.stepPastUnknown();
      } else this.readEntry(id, i, next);
      i = next;
    }
  }

  /** Emphasis written into the tokens i..next (stretching, "!!!"), and whether a word among them is shouted. */
  private measureEmphasis(i: number, next: number): void {
    const t = this.tokens;
    const st = this.state;
    st.tokenEmphasis = 1;
    st.tokenShouted = false;
    for (let k = i; k < next; k++) {
      const kind = t.kind[k];
      if (kind === TokenKind.Word) {
        st.words++;
        if (t.shouted[k] === 1) st.tokenShouted = true;
        if (t.elongated[k] === 1) {
          st.elongated++;
          st.tokenEmphasis *= ELONGATION_BOOST;
        }
      } else if (kind === TokenKind.Punct) {
        const run = t.run[k];
        if (t.text[k] !== '?') st.bangs += run;
        st.tokenEmphasis *= 1 + 0.25 * Math.min(run - 1, 4);
      }
    }
  }

  private readEntry(id: number, i: number, next: number): void {
    const t = this.tokens;
    const lex = this.lexicon;
    const st = this.state;
    const flags = lex.flags[id];
    const isEmote = (flags & EntryFlag.Emote) !== 0 || t.kind[i] !== TokenKind.Word;
    const emphasis = st.tokenEmphasis;
    // Caps are how chat chants, not evidence of a feeling: they count toward intensity only (MessageState.emphasis).
    if (st.tokenShouted && (flags & EntryFlag.Emote) === 0) st.shouted++;
    const followed = next < t.count && t.clauseStart[next] === 0;
    const role = lex.roles[id];
    if (role === Role.Negator && followed && this.isSuperlativeNegation(next)) {
      // "never been this sad", "never seen anything so good": a superlative, not a negation.
      st.pending *= SUPERLATIVE_BOOST;
      st.pendingLeft = NEGATION_SCOPE + 1;
      st.modifiersUsed++;
      return;
    }
    if (role === Role.Negator && followed) {
      st.negateLeft = NEGATION_SCOPE;
      // A learned negator ("not", "never") keeps its own weights: GoEmotions taught it what negated sentences
      // tend to be. Chat negators ("no", "nah") only switch on negation when something follows.
      if ((flags & EntryFlag.Lexicon) === 0) this.add(id, 1, false, false);
      return;
    }
    if (role === Role.Modifier && followed && this.bearingAt(next)) {
      st.pending *= lex.modifier[id];
      st.pendingLeft = MODIFIER_SCOPE;
      if (lex.modifier[id] > 1) st.modifiersUsed++;
      return;
    }
    if (role === Role.PostModifier && st.hasLast) {
      const extra = lex.modifier[id] - 1;
      for (let c = 0; c < COLUMNS; c++) st.scores[c] += extra * st.last[c];
      if (extra > 0) st.modifiersUsed++;
      st.hasLast = false;
      return;
    }
    if (role === Role.Contrast) {
      this.contrast();
      return;
    }
    // A word-named emote's mockery needs the emote, not the word ("surely we win", "i was clueless").
    const mockCue = (flags & EntryFlag.Mock) !== 0 && (t.kind[i] !== TokenKind.Word || !WORD_NAMED_EMOTE_WORDS.has(t.text[i]));
    if (mockCue && st.praise >= MOCK_PRAISE) {
      // "great play LUL": the laugh is at the praise, not with it (readMockery turns the praise around).
      st.mocked = true;
      st.endClause();
      return;
    }
    if (role === Role.SecondPerson) st.secondPerson = true;

    const bearing = (flags & EntryFlag.Bearing) !== 0;
    let weight = emphasis * this.repeatWeight(id);
    if (bearing) {
      weight *= st.pending;
      st.pending = 1;
      st.pendingLeft = 0;
    } else if (st.pendingLeft > 0 && --st.pendingLeft === 0) st.pending = 1;
    // A face or emote says how the writer feels about the whole line: "nothing for redheads :(" is sad, not a
    // negated sadness. It is never negated, and it ends the negation's reach.
    if (isEmote && st.negateLeft > 0) st.negateLeft = 0;
    // A negator standing alone ("no", "nah") keeps its own meaning and is never negated itself.
    const negated = st.negateLeft > 0 && role !== Role.Negator;
    if (negated && bearing) st.cues |= Cue.Negation;
    this.add(id, weight, negated, (flags & EntryFlag.Insult) !== 0);
    // Only chat-lexicon question cues ("?", "why", "who asked") make a question; learned words lean Curious too often.
    if ((flags & EntryFlag.Lexicon) !== 0 && st.last[CURIOUS] >= QUESTION_CUE) st.asked += st.last[CURIOUS];
    st.hasLast = bearing;
    if (st.negateLeft > 0) st.negateLeft -= this.span;
  }

  /** "X but Y": the evidence gathered so far shrinks to CONTRAST_BEFORE of itself; negation and modifiers end. */
  private contrast(): void {
    const st = this.state;
    const prior = this.lexicon.prior;
    for (let c = 0; c < COLUMNS; c++) st.scores[c] = prior[c] + (st.scores[c] - prior[c]) * CONTRAST_BEFORE;
    st.praise *= CONTRAST_BEFORE;
    st.insultCritical *= CONTRAST_BEFORE;
    st.endClause();
    st.cues |= Cue.Contrast;
  }

  /** A negator at `next - 1` starts "been/seen/felt… this/so/anything" (see SUPERLATIVE_VERBS). */
  private isSuperlativeNegation(next: number): boolean {
    const t = this.tokens;
    return next + 1 < t.count && SUPERLATIVE_VERBS.has(t.text[next]) && SUPERLATIVE_DEGREES.has(t.text[next + 1]) && t.clauseStart[next + 1] === 0;
  }

  /** Finds the longest phrase (or the single token) starting at `i`; sets this.span. Returns the entry id or -1. */
  private resolve(i: number): number {
    const t = this.tokens;
    const vocab = this.lexicon.vocab;
    this.span = 1;
    const text = t.text[i];
    if (t.kind[i] === TokenKind.Emote) {
      // The platform says this is an emote: only a known emote counts; a channel's own emote adds nothing.
      const node = vocab.get(text);
      if (node !== undefined && node.entry >= 0 && (this.lexicon.flags[node.entry] & EntryFlag.Emote) !== 0) return node.entry;
      this.state.cues |= Cue.UnknownEmote;
      return -1;
    }
    let node = vocab.get(text);
    // A stretched word ("gooo" → "goo") may only be known in its plain form ("go").
    if (node === undefined && t.elongated[i] === 1) node = vocab.get(collapseRuns(text, 1));
    if (node === undefined && t.kind[i] === TokenKind.Word && hasDigit(text)) node = this.lookupLeet(text);
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

  /** "tr4sh", "n00b": the first leetspeak reading the lexicon knows (see deleet). */
  private lookupLeet(text: string): VocabNode | undefined {
    for (const candidate of deleet(text)) {
      const node = this.lexicon.vocab.get(candidate);
      if (node !== undefined && node.entry >= 0) {
        this.state.cues |= Cue.Deleet;
        return node;
      }
    }
    return undefined;
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
    const st = this.state;
    const s = st.scores;
    const last = st.last;
    const base = id * COLUMNS;
    if (!negated) {
      for (let c = 0; c < COLUMNS; c++) s[c] += last[c] = w[base + c] * weight;
      if (insult) st.insultCritical += Math.max(0, last[CRITICAL]);
    } else {
      last.fill(0);
      for (let from = 0; from < K; from++) {
        const v = w[base + from] * weight;
        if (v === 0) continue;
        const row = NEGATION[from];
        for (let to = 0; to < K; to++) if (row[to] !== 0) last[to] += row[to] * v;
      }
      for (let c = 0; c < K; c++) s[c] += last[c];
    }
    st.praise += Math.max(0, last[EXCITED]) + Math.max(0, last[SUPPORTIVE]);
  }

  // ------------------------------------------------------------------ decision

  /**
   * Picks the category. Confidence (compared with the floor) is the evidence's strength times the emphasis written
   * into words (stretching, "!!!", intensifiers) and the spam damping; intensity adds shouting on top.
   */
  private decide(damping: number): SentimentVerdict {
    const s = this.state.scores;
    let top = 0;
    for (let c = 1; c < K; c++) if (s[c] > s[top]) top = c;
    // Evidence the message itself adds for its category over "no emotion" (priors excluded, so a category's
    // Reddit base rate does not make its messages feel stronger or weaker).
    const prior = this.lexicon.prior;
    const evidence = s[top] - prior[top] - (s[NEUTRAL] - prior[NEUTRAL]);
    if (!(evidence > 0)) return this.verdict(null, 0, 'no-evidence');
    const strength = 1 - Math.exp(-evidence / INTENSITY_SCALE);
    const confidence = round3(strength * this.state.emphasis(false) * damping);
    const intensity = round3(strength * this.state.emphasis(true) * damping);
    return this.verdict(CATEGORIES[top], confidence, confidence < this.floor || confidence === 0 ? 'below-floor' : 'scored', intensity);
  }

  private verdict(candidate: SentimentCategory | null, confidence: number, reason: SentimentVerdict['reason'], intensity = confidence): SentimentVerdict {
    const cues: SentimentCue[] = [];
    const bits = this.state.cues;
    CUE_NAMES.forEach((name, k) => {
      if ((bits & (1 << k)) !== 0) cues.push(name);
    });
    return {
      result: reason === 'scored' && candidate !== null ? { category: candidate, intensity } : null,
      candidate,
      confidence,
      floor: this.floor,
      reason,
      cues,
    };
  }
}

function round3(x: number): number {
  return Math.round(Math.min(1, x) * 1000) / 1000;
}

function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}
