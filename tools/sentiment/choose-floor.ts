/**
 * Chooses the default confidence floor (DEFAULT_CONFIDENCE_FLOOR in libs/sentiment, the default of
 * STREAM_SENTIMENT_CONFIDENCE_FLOOR): sweeps floors 0..0.40 and prints valence macro-F1 on the GoEmotions tuning
 * half and on the chat sample's dev split, and their mean; the middle of the floors at (or within 0.002 of) the best
 * mean is the default. It reads no test data.
 *
 *   TS_NODE_PROJECT=tsconfig.base.json npx ts-node --transpile-only -r tsconfig-paths/register \
 *     tools/sentiment/choose-floor.ts [goemotionsDir=../shared/data/goemotions]
 */
import { LexiconSentimentProcessor, type SentimentVerdict } from '@lib-stream/sentiment';

import { readChatSample } from './chat-sample';
import { chatLines } from './evaluate';
import { goEmotionsDir } from './goemotions';
import { goEmotionsSplits, score, type EvalLine } from './valence';

/** Floors whose mean F1 is this close to the best count as equally good. */
const PLATEAU = 0.002;

function main(): void {
  const goEmotions = goEmotionsSplits(goEmotionsDir(process.argv[2])).tune;
  const chat = chatLines(readChatSample().filter((l) => l.split === 'dev'));
  // One pass with floor 0 keeps every verdict; each floor is then applied to the stored confidences.
  const processor = new LexiconSentimentProcessor({ floor: 0 });
  const verdicts = new Map<string, SentimentVerdict>();
  for (const line of [...goEmotions, ...chat]) verdicts.set(line.text, processor.analyze(line.text));
  const at = (floor: number, lines: readonly EvalLine[]) =>
    score(lines, (text) => {
      const v = verdicts.get(text);
      return v?.result && v.confidence >= floor ? v.result.category : null;
    }).valenceMacroF1;
  const rows: { floor: number; mean: number }[] = [];
  console.log('floor  GoEmotions-F1  chat-dev-F1  mean');
  for (let k = 0; k <= 40; k++) {
    const floor = k / 100;
    const g = at(floor, goEmotions);
    const c = at(floor, chat);
    rows.push({ floor, mean: (g + c) / 2 });
    console.log(`${floor.toFixed(2)}   ${g.toFixed(3).padStart(13)}  ${c.toFixed(3).padStart(11)}  ${((g + c) / 2).toFixed(3)}`);
  }
  // The score is flat near its top; the middle of the floors within PLATEAU of the best is the least sensitive choice.
  const best = Math.max(...rows.map((r) => r.mean));
  const plateau = rows.filter((r) => r.mean >= best - PLATEAU).map((r) => r.floor);
  const chosen = plateau[Math.floor((plateau.length - 1) / 2)];
  console.log(`best mean valence macro-F1 ${best.toFixed(3)} at floors ${plateau.map((f) => f.toFixed(2)).join(', ')} (within ${PLATEAU}); chosen floor ${chosen.toFixed(2)}`);
}

main();
