/**
 * Shared by evaluate.ts and choose-floor.ts: the valence of our categories and of GoEmotions labels, the evaluation
 * splits, and the metrics (accuracy, 3-class macro-F1, 8-category accuracy).
 *
 * Valence: Excited, Supportive, Amused → positive; Critical, Hostile, Bored → negative; Curious, Surprised and
 * "no sentiment" → neutral (a question or a "wait what" carries no polarity of its own).
 * GoEmotions valence is the dataset authors' own grouping: admiration … relief positive, anger … sadness negative,
 * neutral and the ambiguous ones (confusion, curiosity, realization, surprise) neutral; a line with both positive
 * and negative labels is left out of the valence figures.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { SentimentCategory as C } from '@lib-stream/privacy';

import { coreCategories, readGoEmotions, type GoEmotionsExample } from './goemotions';

export type Valence = 'positive' | 'neutral' | 'negative';
export const VALENCES: readonly Valence[] = ['positive', 'neutral', 'negative'];

export function categoryValence(category: C | null): Valence {
  if (category === C.Excited || category === C.Supportive || category === C.Amused) return 'positive';
  if (category === C.Critical || category === C.Hostile || category === C.Bored) return 'negative';
  return 'neutral';
}

const POSITIVE = new Set(['admiration', 'amusement', 'approval', 'caring', 'desire', 'excitement', 'gratitude', 'joy', 'love', 'optimism', 'pride', 'relief']);
const NEGATIVE = new Set(['anger', 'annoyance', 'disappointment', 'disapproval', 'disgust', 'embarrassment', 'fear', 'grief', 'nervousness', 'remorse', 'sadness']);

export function goEmotionsValence(labels: readonly string[]): Valence | null {
  const pos = labels.some((l) => POSITIVE.has(l));
  const neg = labels.some((l) => NEGATIVE.has(l));
  if (pos && neg) return null;
  return pos ? 'positive' : neg ? 'negative' : 'neutral';
}

/** One evaluation line: valence gold (null = not scored for valence) and category gold (empty = not scored for categories). */
export interface EvalLine {
  readonly text: string;
  readonly valence: Valence | null;
  readonly categories: ReadonlySet<C>;
}

export function fromGoEmotions(examples: readonly GoEmotionsExample[]): EvalLine[] {
  return examples.map((e) => ({ text: e.text, valence: goEmotionsValence(e.labels), categories: coreCategories(e.labels) }));
}

/**
 * GoEmotions tuning and test sets. With test.tsv in the directory: dev to tune, test to report. Without it (the
 * shared data has train and dev only): dev's even lines to tune and its odd lines held back as the test set. The
 * learned table is trained on train.tsv alone, so neither touches training.
 */
export function goEmotionsSplits(dir: string): { tune: EvalLine[]; test: EvalLine[]; testName: string } {
  const dev = readGoEmotions(dir, 'dev');
  if (existsSync(join(dir, 'test.tsv'))) return { tune: fromGoEmotions(dev), test: fromGoEmotions(readGoEmotions(dir, 'test')), testName: 'GoEmotions test.tsv' };
  return {
    tune: fromGoEmotions(dev.filter((_, i) => i % 2 === 0)),
    test: fromGoEmotions(dev.filter((_, i) => i % 2 === 1)),
    testName: 'GoEmotions test (odd lines of dev.tsv, held back: the shared data has no test.tsv)',
  };
}

export interface Scores {
  readonly valenceLines: number;
  readonly valenceAccuracy: number;
  readonly valenceMacroF1: number;
  readonly categoryLines: number;
  readonly categoryAccuracy: number;
  readonly noSentimentShare: number;
}

/** Scores a predictor (category or null for no sentiment) on lines. A category hit is any of the line's gold categories. */
export function score(lines: readonly EvalLine[], predict: (text: string) => C | null, valenceOf: (text: string, category: C | null) => Valence = (_, c) => categoryValence(c)): Scores {
  const tp = new Map<Valence, number>();
  const fp = new Map<Valence, number>();
  const fn = new Map<Valence, number>();
  let vLines = 0;
  let vHits = 0;
  let cLines = 0;
  let cHits = 0;
  let none = 0;
  for (const line of lines) {
    const category = predict(line.text);
    if (category === null) none++;
    if (line.valence !== null) {
      const v = valenceOf(line.text, category);
      vLines++;
      if (v === line.valence) {
        vHits++;
        tp.set(v, (tp.get(v) ?? 0) + 1);
      } else {
        fp.set(v, (fp.get(v) ?? 0) + 1);
        fn.set(line.valence, (fn.get(line.valence) ?? 0) + 1);
      }
    }
    if (line.categories.size > 0) {
      cLines++;
      if (category !== null && line.categories.has(category)) cHits++;
    }
  }
  const f1s = VALENCES.map((v) => {
    const t = tp.get(v) ?? 0;
    const denominator = 2 * t + (fp.get(v) ?? 0) + (fn.get(v) ?? 0);
    return denominator === 0 ? 0 : (2 * t) / denominator;
  });
  return {
    valenceLines: vLines,
    valenceAccuracy: vHits / Math.max(1, vLines),
    valenceMacroF1: f1s.reduce((a, b) => a + b, 0) / f1s.length,
    categoryLines: cLines,
    categoryAccuracy: cHits / Math.max(1, cLines),
    noSentimentShare: none / Math.max(1, lines.length),
  };
}
