/**
 * Regenerates libs/sentiment/src/model/goemotions-weights.json from GoEmotions train.tsv.
 *
 *   TS_NODE_PROJECT=tsconfig.base.json npx ts-node --transpile-only -r tsconfig-paths/register \
 *     tools/sentiment/train-goemotions-weights.ts [goemotionsDir=../shared/data/goemotions]
 *
 * Model: multinomial logistic regression over bag-of-tokens (the same chat tokenizer the processor uses), classes =
 * the 7 categories GoEmotions can express + Neutral, soft multi-label targets, AdaGrad with L2. Deterministic (fixed
 * shuffle seed), so re-running on the same data gives the same file. Only the most informative tokens are kept.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { ChatTokens, LEARNED_CLASSES, type LearnedWeights, tokenizeChat } from '@lib-stream/sentiment';
import { CORE_MAPPING, TRAINING_ONLY_MAPPING, coreCategories, goEmotionsDir, readGoEmotions, type GoEmotionsExample } from './goemotions';

const OUT = resolve(__dirname, '../../libs/sentiment/src/model/goemotions-weights.json');
const K = LEARNED_CLASSES.length;
const NEUTRAL = LEARNED_CLASSES.indexOf('Neutral');
const MIN_DOC_FREQ = 3;
const KEEP_TOKENS = 4000;
const EPOCHS = 10;
const LEARNING_RATE = 0.05;
const L2 = 2e-5;
const SCALE = 100;

interface Row {
  readonly features: Int32Array;
  readonly target: Float64Array;
  readonly weight: number;
}

function tokensOf(text: string, buffer: ChatTokens): string[] {
  tokenizeChat(text, buffer);
  const seen = new Set<string>();
  for (let i = 0; i < buffer.count; i++) seen.add(buffer.text[i]);
  return [...seen];
}

/** Soft target over LEARNED_CLASSES; core labels count 1, training-only labels 0.5. Null if nothing maps. */
function targetOf(example: GoEmotionsExample): { target: Float64Array; weight: number } | null {
  const target = new Float64Array(K);
  let core = 0;
  let extra = 0;
  for (const label of example.labels) {
    if (label === 'neutral') {
      target[NEUTRAL] += 1;
      core++;
      continue;
    }
    const c = CORE_MAPPING[label] ?? TRAINING_ONLY_MAPPING[label];
    if (c === undefined) continue;
    const isCore = CORE_MAPPING[label] !== undefined;
    target[LEARNED_CLASSES.indexOf(c as (typeof LEARNED_CLASSES)[number])] += isCore ? 1 : 0.5;
    if (isCore) core++;
    else extra++;
  }
  const total = target.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  for (let k = 0; k < K; k++) target[k] /= total;
  return { target, weight: core > 0 ? 1 : extra > 0 ? 0.5 : 0 };
}

/** Mulberry32: a tiny seeded PRNG so the shuffle (and so the file) is reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function softmaxInto(logits: Float64Array, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (logits[k] > max) max = logits[k];
  let sum = 0;
  for (let k = 0; k < K; k++) sum += out[k] = Math.exp(logits[k] - max);
  for (let k = 0; k < K; k++) out[k] /= sum;
}

function main(): void {
  const dir = goEmotionsDir(process.argv[2]);
  const train = readGoEmotions(dir, 'train');
  const buffer = new ChatTokens();

  // Vocabulary: tokens in at least MIN_DOC_FREQ training messages.
  const docFreq = new Map<string, number>();
  const tokenized = train.map((ex) => tokensOf(ex.text, buffer));
  for (const tokens of tokenized) for (const t of tokens) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
  const vocab = [...docFreq.entries()].filter(([, n]) => n >= MIN_DOC_FREQ).map(([t]) => t).sort();
  const index = new Map(vocab.map((t, i) => [t, i]));

  const rows: Row[] = [];
  train.forEach((ex, i) => {
    const t = targetOf(ex);
    if (t === null) return;
    const features = Int32Array.from(tokenized[i].map((tok) => index.get(tok) ?? -1).filter((f) => f >= 0));
    rows.push({ features, target: t.target, weight: t.weight });
  });

  const V = vocab.length;
  const W = new Float64Array(V * K);
  const G = new Float64Array(V * K).fill(1e-8);
  const bias = new Float64Array(K);
  const biasG = new Float64Array(K).fill(1e-8);
  const logits = new Float64Array(K);
  const probs = new Float64Array(K);
  const random = seededRandom(20240601);
  const order = rows.map((_, i) => i);

  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let loss = 0;
    for (const r of order) {
      const { features, target, weight } = rows[r];
      for (let k = 0; k < K; k++) logits[k] = bias[k];
      for (const f of features) for (let k = 0; k < K; k++) logits[k] += W[f * K + k];
      softmaxInto(logits, probs);
      for (let k = 0; k < K; k++) {
        if (target[k] > 0) loss -= weight * target[k] * Math.log(probs[k] + 1e-12);
        const g = weight * (probs[k] - target[k]);
        biasG[k] += g * g;
        bias[k] -= (LEARNING_RATE * g) / Math.sqrt(biasG[k]);
        for (const f of features) {
          const w = f * K + k;
          const gw = g + L2 * W[w];
          G[w] += gw * gw;
          W[w] -= (LEARNING_RATE * gw) / Math.sqrt(G[w]);
        }
      }
    }
    process.stderr.write(`epoch ${epoch + 1}/${EPOCHS}: mean loss ${(loss / rows.length).toFixed(4)}\n`);
  }

  // Centre each token's weights (softmax is shift-invariant) and rank by spread × log(document frequency):
  // a token that moves the decision a lot and appears often carries the most information.
  const ranked = vocab.map((token, f) => {
    const w = Array.from(W.subarray(f * K, f * K + K));
    const mean = w.reduce((a, b) => a + b, 0) / K;
    const centred = w.map((x) => x - mean);
    const spread = Math.max(...centred) - Math.min(...centred);
    return { token, centred, score: spread * Math.log1p(docFreq.get(token) ?? 0) };
  });
  ranked.sort((a, b) => b.score - a.score || (a.token < b.token ? -1 : 1));
  const kept = ranked.slice(0, KEEP_TOKENS).sort((a, b) => (a.token < b.token ? -1 : 1));

  const biasMean = bias.reduce((a, b) => a + b, 0) / K;
  const model: LearnedWeights = {
    about:
      'Word → category log-odds learned from GoEmotions train.tsv (Demszky et al. 2020, Apache-2.0) by ' +
      'tools/sentiment/train-goemotions-weights.ts. See NOTICE.md.',
    classes: [...LEARNED_CLASSES],
    scale: SCALE,
    bias: Array.from(bias, (b) => Math.round((b - biasMean) * SCALE)),
    tokens: Object.fromEntries(kept.map((k) => [k.token, k.centred.map((x) => Math.round(x * SCALE))])),
  };
  const json = JSON.stringify(model);
  writeFileSync(OUT, `${json}\n`);

  // Sanity figure on dev (core mapping, non-neutral), using only the learned table.
  const dev = readGoEmotions(dir, 'dev');
  let hits = 0;
  let total = 0;
  for (const ex of dev) {
    const gold = coreCategories(ex.labels);
    if (gold.size === 0) continue;
    total++;
    const s = model.bias.map((b) => b / SCALE);
    for (const tok of tokensOf(ex.text, buffer)) {
      const w = model.tokens[tok];
      if (w) for (let k = 0; k < K; k++) s[k] += w[k] / SCALE;
    }
    let best = 0;
    for (let k = 1; k < K; k++) if (k !== NEUTRAL && s[k] > s[best]) best = k;
    if (gold.has(LEARNED_CLASSES[best] as never)) hits++;
  }
  process.stderr.write(
    `vocab ${V}, kept ${kept.length}, wrote ${OUT} (${(json.length / 1024).toFixed(0)} KB); ` +
      `learned table alone on dev: ${((100 * hits) / total).toFixed(1)}% of ${total}\n`,
  );
}

main();
