/**
 * Sentiment throughput: messages/second on one core for LexiconSentimentProcessor, vader-sentiment and AFINN
 * (`sentiment`), on the same messages in the same run. Each analyser gets a warm-up, then ROUNDS interleaved rounds
 * (ours, VADER, AFINN, ours, …) so machine noise hits all three alike; the median round is reported.
 *
 * Messages: the hand-written chat sample plus GoEmotions dev lines (longer Reddit comments). Without
 * GoEmotions the run stops with exit code 2 naming the directory it looked in, unless --chat-only asks
 * for the chat sample alone (short lines: a faster, less representative mix). Each round runs the whole
 * mix several times.
 *
 *   npm run bench:sentiment -- [goemotionsDir=../shared/data/goemotions] [--chat-only]
 */
import { LexiconSentimentProcessor } from '@lib-stream/sentiment';

import { afinnScore, vaderCompound } from '../sentiment/baselines';
import { readChatSample } from '../sentiment/chat-sample';
import { goEmotionsAvailable, goEmotionsDir, readGoEmotions } from '../sentiment/goemotions';
import { median } from '../shared/bench-kit';

const ROUNDS = 7;
/** Messages per round (the mix is repeated up to this many). */
const PER_ROUND = 50_000;
const WARMUP = 20_000;

type Analyse = (text: string) => number;

/** Runs `analyse` over `count` messages of the mix; returns messages/second. The checksum keeps the work alive. */
function timeRound(analyse: Analyse, messages: readonly string[], count: number): { rate: number; checksum: number } {
  let checksum = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) checksum += analyse(messages[i % messages.length]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: count / seconds, checksum };
}

function main(): void {
  const args = process.argv.slice(2);
  const chatOnly = args.includes('--chat-only');
  const dir = goEmotionsDir(args.find((arg) => !arg.startsWith('--')));
  if (!chatOnly && !goEmotionsAvailable(dir)) {
    console.error(`GoEmotions not found in ${dir} (labels.txt and dev.tsv): pass its directory, or --chat-only to measure on the chat sample alone.`);
    process.exit(2);
  }
  const chat = readChatSample().map((l) => l.text);
  const reddit = chatOnly ? [] : readGoEmotions(dir, 'dev').map((e) => e.text);
  // Interleave so every slice of the loop sees both chat and Reddit lines.
  const messages: string[] = [];
  for (let i = 0; i < Math.max(chat.length, reddit.length); i++) {
    if (i < reddit.length) messages.push(reddit[i]);
    messages.push(chat[i % chat.length]);
  }
  const avgWords = messages.reduce((n, m) => n + m.split(/\s+/).filter(Boolean).length, 0) / messages.length;

  const processor = new LexiconSentimentProcessor();
  const analysers: ReadonlyArray<[string, Analyse]> = [
    ['lib-stream', (t) => processor.analyze(t).confidence],
    ['VADER', vaderCompound],
    ['AFINN', afinnScore],
  ];

  for (const [, analyse] of analysers) timeRound(analyse, messages, WARMUP);
  const rates = new Map<string, number[]>(analysers.map(([name]) => [name, []]));
  let checksum = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, analyse] of analysers) {
      const round = timeRound(analyse, messages, PER_ROUND);
      rates.get(name)?.push(round.rate);
      checksum += round.checksum;
    }
  }

  console.log(
    `mix of ${messages.length} messages (` +
      (reddit.length
        ? `${reddit.length} GoEmotions dev lines + ${chat.length} chat-sample lines repeated to fill the other half), `
        : `${chat.length} chat-sample lines only, --chat-only), `) +
      `${avgWords.toFixed(1)} words on average; ${ROUNDS} interleaved rounds of ${PER_ROUND} after ${WARMUP} warm-up; node ${process.version}`,
  );
  const ours = median(rates.get('lib-stream') ?? [0]);
  for (const [name] of analysers) {
    const rs = rates.get(name) ?? [0];
    console.log(`${name.padEnd(11)} ${Math.round(median(rs)).toLocaleString('en-US').padStart(10)} msg/s  (min ${Math.round(Math.min(...rs)).toLocaleString('en-US')}, max ${Math.round(Math.max(...rs)).toLocaleString('en-US')})`);
  }
  console.log(`ours/VADER ${(ours / median(rates.get('VADER') ?? [1])).toFixed(1)}x   ours/AFINN ${(ours / median(rates.get('AFINN') ?? [1])).toFixed(1)}x`);
  if (!Number.isFinite(checksum)) console.log('checksum not finite');
}

main();
