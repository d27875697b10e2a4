/**
 * Reads tools/sentiment/chat-sample.tsv: hand-written chat lines labelled with our 8 categories. Lines after the
 * "# --- holdout" marker were written after the chat lexicon was frozen and were never used to tune it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { SentimentCategory } from '@lib-stream/privacy';

export interface ChatSampleLine {
  readonly text: string;
  readonly category: SentimentCategory;
  readonly holdout: boolean;
}

export const CHAT_SAMPLE_PATH = resolve(__dirname, 'chat-sample.tsv');

export function readChatSample(path = CHAT_SAMPLE_PATH): ChatSampleLine[] {
  const categories = new Set<string>(Object.values(SentimentCategory));
  const out: ChatSampleLine[] = [];
  let holdout = false;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('# --- holdout')) holdout = true;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [text, category] = line.split('\t');
    if (text === undefined || category === undefined || !categories.has(category)) throw new Error(`bad chat-sample line: ${line}`);
    out.push({ text, category: category as SentimentCategory, holdout });
  }
  return out;
}
