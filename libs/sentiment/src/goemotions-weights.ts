import type { LearnedWeights } from './learned-weights';
// Static import so webpack bundles the table with control-api (no file read at runtime).
import weights from './model/goemotions-weights.json';

/** The word → category table learned from GoEmotions (Apache-2.0, see model/NOTICE.md). */
export function loadGoEmotionsWeights(): LearnedWeights {
  return weights;
}
