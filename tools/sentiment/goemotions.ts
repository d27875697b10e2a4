/**
 * Reading GoEmotions (Demszky et al. 2020, Apache-2.0; google-research/google-research `goemotions/data/`) and mapping
 * its 27 emotions onto lib-stream's 8 sentiment categories. Shared by the trainer and the evaluator so both use one
 * written-down mapping.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { SentimentCategory as C } from '@lib-stream/privacy';

/**
 * Core mapping (also used to score the dev set). Why:
 *  - excitement, joy → Excited: the "let's go" feeling.
 *  - admiration, approval, caring, gratitude, love, optimism → Supportive: warmth toward the streamer or play.
 *  - disapproval, disappointment, annoyance → Critical: judging the play/decision, not attacking a person.
 *  - curiosity, confusion → Curious: both end in a question.
 *  - surprise, realization → Surprised: "wait, what".
 *  - amusement → Amused.
 *  - anger, disgust → Hostile: the emotions behind abuse.
 *  - Bored: no GoEmotions label ("neutral" means no emotion, not disengagement), so it comes from the chat lexicon.
 */
export const CORE_MAPPING: Readonly<Record<string, C>> = {
  excitement: C.Excited,
  joy: C.Excited,
  admiration: C.Supportive,
  approval: C.Supportive,
  caring: C.Supportive,
  gratitude: C.Supportive,
  love: C.Supportive,
  optimism: C.Supportive,
  disapproval: C.Critical,
  disappointment: C.Critical,
  annoyance: C.Critical,
  curiosity: C.Curious,
  confusion: C.Curious,
  surprise: C.Surprised,
  realization: C.Surprised,
  amusement: C.Amused,
  anger: C.Hostile,
  disgust: C.Hostile,
};

/**
 * Extra labels used for training only, at half weight (the dev-set score uses CORE_MAPPING only, so these cannot
 * flatter it). Why: in chat, sadness/grief/remorse are mostly disappointment at an outcome ("PepeHands we lost");
 * fear/nervousness is tension at something unexpected ("monkaS"); desire and pride are forward-looking hype; relief
 * sits with optimism. Embarrassment is left out: in chat it is split between "cringe" (Critical) and laughing.
 */
export const TRAINING_ONLY_MAPPING: Readonly<Record<string, C>> = {
  sadness: C.Critical,
  grief: C.Critical,
  remorse: C.Critical,
  fear: C.Surprised,
  nervousness: C.Surprised,
  desire: C.Excited,
  pride: C.Excited,
  relief: C.Supportive,
};

export interface GoEmotionsExample {
  readonly text: string;
  readonly labels: readonly string[];
}

export const DEFAULT_GOEMOTIONS_DIR = '../shared/data/goemotions';

/** Resolves the data directory from argv (relative to the current directory) or the default. */
export function goEmotionsDir(arg: string | undefined): string {
  return resolve(process.cwd(), arg ?? DEFAULT_GOEMOTIONS_DIR);
}

export function goEmotionsAvailable(dir: string): boolean {
  return existsSync(join(dir, 'labels.txt')) && existsSync(join(dir, 'dev.tsv'));
}

export function readGoEmotions(dir: string, split: 'train' | 'dev' | 'test'): GoEmotionsExample[] {
  const labels = readFileSync(join(dir, 'labels.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const out: GoEmotionsExample[] = [];
  for (const line of readFileSync(join(dir, `${split}.tsv`), 'utf8').split('\n')) {
    if (!line) continue;
    const [text, ids] = line.split('\t');
    if (text === undefined || ids === undefined) continue;
    out.push({ text, labels: ids.split(',').map((id) => labels[Number(id)]).filter((l): l is string => l !== undefined) });
  }
  return out;
}

/** The categories an example counts as under the core mapping (empty for neutral-only or unmapped examples). */
export function coreCategories(labels: readonly string[]): Set<C> {
  const out = new Set<C>();
  for (const label of labels) {
    const c = CORE_MAPPING[label];
    if (c !== undefined) out.add(c);
  }
  return out;
}
