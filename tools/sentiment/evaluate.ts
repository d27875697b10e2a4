/**
 * Accuracy of LexiconSentimentProcessor against VADER and AFINN (mapped from polarity to our categories, see
 * baselines.ts) on
 *  1. GoEmotions dev.tsv, core mapping (goemotions.ts); neutral-only and unmapped lines skipped; a prediction counts
 *     as correct if it is any of the line's mapped categories (lines can carry several labels). GoEmotions is Reddit
 *     comments, not live chat (few emotes, longer sentences) and our learned table was trained on its train split,
 *     so this figure is indicative only;
 *  2. tools/sentiment/chat-sample.tsv, hand-written chat lines (all 8 categories, including Bored), reported as its
 *     tuning part (written alongside the lexicon, so our figure is optimistic), its holdout part (written after the
 *     lexicon was frozen, never tuned on; same author, so still not independent) and both together. It mostly shows
 *     what polarity-only analysers cannot express.
 *
 *   TS_NODE_PROJECT=tsconfig.base.json npx ts-node --transpile-only -r tsconfig-paths/register \
 *     tools/sentiment/evaluate.ts [goemotionsDir=../shared/data/goemotions]
 */
import { SentimentCategory } from '@lib-stream/privacy';

import { LexiconSentimentProcessor } from '../../apps/control-api/src/sentiment/lexicon-sentiment.processor';
import { afinnCategory, vaderCategory } from './baselines';
import { readChatSample } from './chat-sample';
import { coreCategories, goEmotionsAvailable, goEmotionsDir, readGoEmotions } from './goemotions';

type Classifier = (text: string) => SentimentCategory;

interface Labelled {
  readonly text: string;
  readonly gold: ReadonlySet<SentimentCategory>;
}

const processor = new LexiconSentimentProcessor();
const CLASSIFIERS: ReadonlyArray<[string, Classifier]> = [
  ['lib-stream', (text) => processor.analyzeText(text).category],
  ['VADER', vaderCategory],
  ['AFINN', afinnCategory],
];

function pct(hits: number, total: number): string {
  return `${((100 * hits) / Math.max(1, total)).toFixed(1)}%`;
}

function report(title: string, data: readonly Labelled[]): void {
  console.log(`\n${title} (${data.length} lines)`);
  const categories = Object.values(SentimentCategory).filter((c) => data.some((d) => d.gold.has(c)));
  const header = ['', 'accuracy', ...categories.map((c) => c.slice(0, 10))];
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(11) : h.padStart(11))).join(''));
  for (const [name, classify] of CLASSIFIERS) {
    let hits = 0;
    const perHits = new Map<SentimentCategory, number>();
    const perTotal = new Map<SentimentCategory, number>();
    for (const { text, gold } of data) {
      const predicted = classify(text);
      const ok = gold.has(predicted);
      if (ok) hits++;
      for (const c of gold) {
        perTotal.set(c, (perTotal.get(c) ?? 0) + 1);
        if (ok && c === predicted) perHits.set(c, (perHits.get(c) ?? 0) + 1);
      }
    }
    // Per-category columns are recall: of the lines labelled c, how many were predicted c.
    const cells = [pct(hits, data.length), ...categories.map((c) => pct(perHits.get(c) ?? 0, perTotal.get(c) ?? 0))];
    console.log(name.padEnd(11) + cells.map((c) => c.padStart(11)).join(''));
  }
}

function main(): void {
  const dir = goEmotionsDir(process.argv[2]);
  if (goEmotionsAvailable(dir)) {
    const dev = readGoEmotions(dir, 'dev')
      .map((ex) => ({ text: ex.text, gold: coreCategories(ex.labels) }))
      .filter((ex) => ex.gold.size > 0);
    report('GoEmotions dev, 7 categories (Reddit, indicative only; columns after accuracy = per-category recall)', dev);
  } else {
    console.log(`GoEmotions not found at ${dir}; skipping the dev-set figure.`);
  }
  const sample = readChatSample();
  const asLabelled = (lines: typeof sample): Labelled[] => lines.map((l) => ({ text: l.text, gold: new Set([l.category]) }));
  report('Chat sample, tuning part (written with the lexicon: optimistic for lib-stream)', asLabelled(sample.filter((l) => !l.holdout)));
  report('Chat sample, holdout part (written after the lexicon was frozen, never tuned on)', asLabelled(sample.filter((l) => l.holdout)));
  report('Chat sample, all lines', asLabelled(sample));
}

main();
