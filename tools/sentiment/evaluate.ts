/**
 * Accuracy of lib-stream's sentiment engine as the app runs it (its own confidence floor, DEFAULT_CONFIDENCE_FLOOR,
 * the default of STREAM_SENTIMENT_CONFIDENCE_FLOOR; no other gate) beside VADER and AFINN in the same run, on
 *  1. GoEmotions test (valence.ts explains the split), Reddit comments, not chat;
 *  2. the test split of tools/sentiment/chat-sample.tsv, hand-written live chat (held out from tuning; its figures were seen during development);
 * and, for reference, the dev sets the floor and rules were tuned on.
 *
 * Figures: valence accuracy and 3-class macro-F1 (positive/neutral/negative; "no sentiment" is neutral, see
 * valence.ts) and 8-category accuracy (lines with a category label; "no sentiment" counts as wrong there).
 * VADER's valence: compound ≥ 0.05 / ≤ −0.05 (its authors' thresholds); AFINN's: score > 0 / < 0. Their categories
 * come from the polarity mapping in baselines.ts.
 *
 *   npm run sentiment:evaluate -- [goemotionsDir=../shared/data/goemotions]
 */
import { SentimentCategory } from '@lib-stream/privacy';
import { DEFAULT_CONFIDENCE_FLOOR, LexiconSentimentProcessor } from '@lib-stream/sentiment';

import { afinnCategory, afinnScore, vaderCategory, vaderCompound } from './baselines';
import { readChatSample, type ChatSampleLine } from './chat-sample';
import { goEmotionsAvailable, goEmotionsDir } from './goemotions';
import { categoryValence, goEmotionsSplits, score, type EvalLine, type Valence } from './valence';

interface Analyser {
  readonly name: string;
  readonly category: (text: string) => SentimentCategory | null;
  readonly valence: (text: string, category: SentimentCategory | null) => Valence;
}

const polarity = (value: number, threshold: number): Valence => (value >= threshold ? 'positive' : value <= -threshold ? 'negative' : 'neutral');

const processor = new LexiconSentimentProcessor({ floor: DEFAULT_CONFIDENCE_FLOOR });
const ANALYSERS: readonly Analyser[] = [
  { name: 'lib-stream', category: (text) => processor.analyze(text).result?.category ?? null, valence: (_, c) => categoryValence(c) },
  { name: 'VADER', category: vaderCategory, valence: (text) => polarity(vaderCompound(text), 0.05) },
  { name: 'AFINN', category: afinnCategory, valence: (text) => polarity(afinnScore(text), 1) },
];

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function report(title: string, lines: readonly EvalLine[]): void {
  const valenceLines = lines.filter((l) => l.valence !== null).length;
  const categoryLines = lines.filter((l) => l.categories.size > 0).length;
  console.log(`\n${title}: ${valenceLines} lines with valence, ${categoryLines} with a category`);
  console.log(`${''.padEnd(11)}${'valence acc'.padStart(13)}${'macro-F1'.padStart(10)}${'8-cat acc'.padStart(11)}${'no sentiment'.padStart(14)}`);
  for (const a of ANALYSERS) {
    const s = score(lines, a.category, a.valence);
    console.log(`${a.name.padEnd(11)}${pct(s.valenceAccuracy).padStart(13)}${s.valenceMacroF1.toFixed(3).padStart(10)}${pct(s.categoryAccuracy).padStart(11)}${pct(s.noSentimentShare).padStart(14)}`);
  }
}

export function chatLines(sample: readonly ChatSampleLine[]): EvalLine[] {
  return sample.map((l) => ({
    text: l.text,
    valence: l.label === 'Neutral' ? 'neutral' : categoryValence(l.label),
    categories: new Set(l.label === 'Neutral' ? [] : [l.label]),
  }));
}

function main(): void {
  console.log(`lib-stream confidence floor ${DEFAULT_CONFIDENCE_FLOOR} (the default of STREAM_SENTIMENT_CONFIDENCE_FLOOR)`);
  const sample = readChatSample();
  const dir = goEmotionsDir(process.argv[2]);
  const goEmotions = goEmotionsAvailable(dir) ? goEmotionsSplits(dir) : null;
  if (goEmotions) report(goEmotions.testName, goEmotions.test);
  else console.log(`GoEmotions not found at ${dir}; skipping its figures.`);
  report('Chat sample, test split (held out from tuning, but its figures were printed during development: treat as mildly optimistic)', chatLines(sample.filter((l) => l.split === 'test')));
  console.log('\nFor reference, the data the floor and the chat rules were tuned on (optimistic for lib-stream):');
  if (goEmotions) report('GoEmotions tuning half', goEmotions.tune);
  report('Chat sample, dev split', chatLines(sample.filter((l) => l.split === 'dev')));
}

if (require.main === module) main();
