/**
 * The two reference analysers (polarity only) and the mapping that turns their polarity into one of our 8 categories,
 * shared by tools/sentiment/evaluate.ts and tools/bench/sentiment-throughput.ts. Dev dependencies only.
 *
 * Mapping (the same shape for both, meant to be generous to them):
 *   strongly positive → Excited if the line has "!", else Supportive (they cannot tell hype from praise otherwise);
 *   strongly negative → Hostile;
 *   a "?" in the line (when not strongly polar) → Curious;
 *   mildly positive → Supportive; mildly negative → Critical;
 *   no polarity → Supportive, the most common non-neutral category in GoEmotions (the best guess with no signal).
 * They have no notion of Amused, Surprised or Bored, which is exactly what a polarity lexicon cannot express.
 * Thresholds: VADER compound ±0.5 strong / ±0.05 mild (VADER's own recommended neutral band); AFINN total score ±3
 * strong / ±1 mild (one strong AFINN word is ±3..5).
 */
import { SentimentCategory as C } from '@lib-stream/privacy';

interface VaderModule {
  SentimentIntensityAnalyzer: { polarity_scores(text: string): { neg: number; neu: number; pos: number; compound: number } };
}
interface AfinnInstance {
  analyze(text: string): { score: number; comparative: number };
}

const vader = require('vader-sentiment') as VaderModule;
const Sentiment = require('sentiment') as new () => AfinnInstance;
const afinn = new Sentiment();

export function vaderCompound(text: string): number {
  return vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
}

export function afinnScore(text: string): number {
  return afinn.analyze(text).score;
}

function fromPolarity(text: string, value: number, strong: number, mild: number): C {
  if (value >= strong) return text.includes('!') ? C.Excited : C.Supportive;
  if (value <= -strong) return C.Hostile;
  if (text.includes('?')) return C.Curious;
  if (value >= mild) return C.Supportive;
  if (value <= -mild) return C.Critical;
  return C.Supportive;
}

export function vaderCategory(text: string): C {
  return fromPolarity(text, vaderCompound(text), 0.5, 0.05);
}

export function afinnCategory(text: string): C {
  return fromPolarity(text, afinnScore(text), 3, 1);
}
