import { SentimentCategory } from '@lib-stream/privacy';

import type { ChatTokens } from './chat-tokenizer';
import { CATEGORIES } from './compiled-lexicon';
import { Cue, type MessageState } from './message-state';

/**
 * The passes that run after the tokens were read: each looks at the whole message's scores in a MessageState and
 * moves evidence between categories (log-odds; `prior` is where every score started) or reports a damping factor.
 */

const EXCITED = CATEGORIES.indexOf(SentimentCategory.Excited);
const SUPPORTIVE = CATEGORIES.indexOf(SentimentCategory.Supportive);
const CRITICAL = CATEGORIES.indexOf(SentimentCategory.Critical);
const CURIOUS = CATEGORIES.indexOf(SentimentCategory.Curious);
const AMUSED = CATEGORIES.indexOf(SentimentCategory.Amused);
const HOSTILE = CATEGORIES.indexOf(SentimentCategory.Hostile);

/** Share of the praise that turns into criticism when mocked. */
const MOCK_TO_CRITICAL = 0.8;
/** Negative evidence at which a question is read as a complaint ("why is this so bad?"). */
const RHETORIC_NEGATIVE = 1.5;
/** A message of at least this many tokens whose distinct tokens are fewer than SPAM_DISTINCT of them is a spam wall. */
const SPAM_MIN_TOKENS = 10;
const SPAM_DISTINCT = 0.35;
/** A message this long is usually a copypasta: pasted, not felt. */
const COPYPASTA_TOKENS = 40;
const SPAM_DAMPING = 0.5;
const COPYPASTA_DAMPING = 0.6;

/** An insult word in a message that addresses someone ("you're trash") is hostility, not criticism. */
export function aimInsults(st: MessageState): void {
  if (!st.secondPerson || st.insultCritical <= 0) return;
  st.scores[CRITICAL] -= st.insultCritical;
  st.scores[HOSTILE] += st.insultCritical;
  st.cues |= Cue.InsultAimed;
}

/** Praise followed by a laugh or irony emote (st.mocked): the praise was ridicule, so it counts as criticism. */
export function readMockery(st: MessageState, prior: Float64Array): void {
  if (!st.mocked) return;
  const s = st.scores;
  const praise = Math.max(0, s[EXCITED] - prior[EXCITED]) + Math.max(0, s[SUPPORTIVE] - prior[SUPPORTIVE]);
  s[EXCITED] = Math.min(s[EXCITED], prior[EXCITED]);
  s[SUPPORTIVE] = Math.min(s[SUPPORTIVE], prior[SUPPORTIVE]);
  s[CRITICAL] += MOCK_TO_CRITICAL * praise + 1;
  s[AMUSED] = Math.min(s[AMUSED], s[CRITICAL] - 0.5);
  st.cues |= Cue.Mockery;
}

/** A question that carries a complaint ("why is this so bad?", "who asked?") is criticism, not curiosity. */
export function readRhetoric(st: MessageState, prior: Float64Array): void {
  if (st.asked <= 0) return;
  const s = st.scores;
  const negative = Math.max(0, s[CRITICAL] - prior[CRITICAL]) + Math.max(0, s[HOSTILE] - prior[HOSTILE]);
  const positive = Math.max(0, s[EXCITED] - prior[EXCITED]) + Math.max(0, s[SUPPORTIVE] - prior[SUPPORTIVE]);
  if (negative < RHETORIC_NEGATIVE || negative <= positive) return;
  const moved = 0.8 * st.asked;
  s[CURIOUS] -= moved;
  s[s[HOSTILE] > s[CRITICAL] ? HOSTILE : CRITICAL] += 0.6 * moved;
  st.cues |= Cue.Rhetoric;
}

/** Spam walls (few distinct tokens repeated) and copypastas (very long lines) count for less: returns 0..1. */
export function spamDamping(st: MessageState, tokens: ChatTokens): number {
  const n = tokens.count;
  let damping = 1;
  if (n >= SPAM_MIN_TOKENS) {
    const distinct = new Set<string>();
    for (let i = 0; i < n; i++) distinct.add(tokens.text[i]);
    if (distinct.size < SPAM_DISTINCT * n) damping *= SPAM_DAMPING;
    distinct.clear();
  }
  if (n >= COPYPASTA_TOKENS) damping *= COPYPASTA_DAMPING;
  if (damping < 1) st.cues |= Cue.SpamDamped;
  return damping;
}
