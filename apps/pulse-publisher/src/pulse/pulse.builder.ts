import { randomInt, randomUUID } from 'node:crypto';

import type { BufferedSentimentEntry } from '@lib-stream/contracts';
import { type SentimentEntry, type SentimentPulse, toSentimentPulse } from '@lib-stream/privacy';

export interface PulseInput {
  platformSessionId: string;
  streamSessionId: string | null;
  approximateViewerCount: number;
  intervalSeconds: number;
  entries: BufferedSentimentEntry[];
  maxBatchSize: number;
  now: Date;
}

export interface BuiltPulse {
  pulse: SentimentPulse;
  /** Entries left out because the batch was over the maximum (the lowest intensities). */
  overflow: number;
}

/**
 * Builds one pulse: keeps the highest intensities when over the maximum, then shuffles, so the order
 * of entries says nothing about when each chat line arrived. The result passes the privacy guard.
 */
export function buildPulse(input: PulseInput): BuiltPulse {
  let entries = input.entries;
  let overflow = 0;
  if (entries.length > input.maxBatchSize) {
    entries = [...entries].sort((a, b) => b.intensity - a.intensity).slice(0, input.maxBatchSize);
    overflow = input.entries.length - input.maxBatchSize;
  }
  const sentiments: SentimentEntry[] = entries.map(({ category, intensity, trackingId, viewerType }) => ({ category, intensity, trackingId, viewerType }) as SentimentEntry);
  shuffle(sentiments);
  const pulse = toSentimentPulse({
    pulseId: randomUUID(),
    streamSessionId: input.streamSessionId,
    platformSessionId: input.platformSessionId,
    timestamp: input.now.toISOString(),
    intervalSeconds: input.intervalSeconds,
    approximateViewerCount: Math.max(0, Math.round(input.approximateViewerCount)),
    sentiments,
  });
  return { pulse, overflow };
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}
