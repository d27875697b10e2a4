/**
 * Chooses the default confidence floor (DEFAULT_CONFIDENCE_FLOOR in libs/sentiment, the default of
 * STREAM_SENTIMENT_CONFIDENCE_FLOOR): sweeps floors 0..0.40 and prints valence macro-F1 on the GoEmotions tuning
 * half and on the chat sample's dev split, and their mean; the best mean is the default. It reads no test data.
 *
 *   TS_NODE_PROJECT=tsconfig.base.json npx ts-node --transpile-only -r tsconfig-paths/register \
 *     tools/sentiment/choose-floor.ts [goemotionsDir=../shared/data/goemotions]
 */
import { LexiconSentimentProcessor, type SentimentVerdict } from '@lib-stream/sentiment';

import { readChatSample } from './chat-sample';
import { chatLines } from './evaluate';
import { goEmotionsDir } from './goemotions';
import { goEmotionsSplits, score, type EvalLine } from './valence';

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
  let best = { floor: 0, mean: -1 };
  console.log('floor  GoEmotions-F1  chat-dev-F1  mean');
  for (let f = 0; f <= 0.4001; f += 0.01) {
    const floor = Math.round(f * 100) / 100;
    const g = at(floor, goEmotions);
    const c = at(floor, chat);
    const mean = (g + c) / 2;
    if (mean > best.mean + 1e-9) best = { floor, mean };
    console.log(`${floor.toFixed(2)}   ${g.toFixed(3).padStart(13)}  ${c.toFixed(3).padStart(11)}  ${mean.toFixed(3)}`);
  }
  console.log(`best floor ${best.floor.toFixed(2)} (mean valence macro-F1 ${best.mean.toFixed(3)})`);
}

main();
