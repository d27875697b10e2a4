/**
 * Reads tools/sentiment/chat-sample.tsv: hand-written live-chat lines labelled with one of our 8 categories or
 * Neutral (no sentiment), in two splits: "dev" (tuned on) and "test" (held out from tuning, though its figures were seen during development), marked by "# --- dev" and
 * "# --- test" lines.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { SentimentCategory } from '@lib-stream/privacy';

export type ChatLabel = SentimentCategory | 'Neutral';

export interface ChatSampleLine {
  readonly text: string;
  readonly label: ChatLabel;
  readonly split: 'dev' | 'test';
}

export const CHAT_SAMPLE_PATH = resolve(__dirname, 'chat-sample.tsv');

export function readChatSample(path = CHAT_SAMPLE_PATH): ChatSampleLine[] {
  const labels = new Set<string>([...Object.values(SentimentCategory), 'Neutral']);
  const out: ChatSampleLine[] = [];
  let split: 'dev' | 'test' | null = null;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('# --- dev')) split = 'dev';
    if (line.startsWith('# --- test')) split = 'test';
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [text, label] = line.split('\t');
    if (split === null || text === undefined || label === undefined || !labels.has(label)) throw new Error(`bad chat-sample line: ${line}`);
    out.push({ text, label: label as ChatLabel, split });
  }
  return out;
}
