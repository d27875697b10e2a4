import { randomUUID } from 'node:crypto';

import { SentimentCategory, SentimentEntry, SentimentPulse, TrackedViewerType, TrackingId } from './sentiment';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const ENTRY_KEYS = ['category', 'intensity', 'trackingId', 'viewerType'] as const;
const PULSE_KEYS = [
  'pulseId',
  'streamSessionId',
  'platformSessionId',
  'timestamp',
  'intervalSeconds',
  'approximateViewerCount',
  'sentiments',
] as const;

// Built once: the guard runs on every entry of every pulse.
const CATEGORIES = new Set<string>(Object.values(SentimentCategory));
const VIEWER_TYPES = new Set<string>(Object.values(TrackedViewerType));

export class PrivacyViolationError extends Error {
  override readonly name = 'PrivacyViolationError';
}

export function newTrackingId(): TrackingId {
  return randomUUID() as TrackingId;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * Runtime twin of the compile-time types: rebuilds an entry from exactly the allowed fields and
 * refuses anything else, so a stray `text` or `userId` property is an error rather than a leak.
 */
export function toSentimentEntry(input: unknown): SentimentEntry {
  const raw = asRecord(input, 'sentiment entry');
  rejectUnknownKeys(raw, ENTRY_KEYS, 'sentiment entry');
  if (!CATEGORIES.has(raw['category'] as string)) {
    throw new PrivacyViolationError('sentiment entry: category must be a SentimentCategory');
  }
  const intensity = raw['intensity'];
  if (typeof intensity !== 'number' || !Number.isFinite(intensity) || intensity < 0 || intensity > 1) {
    throw new PrivacyViolationError('sentiment entry: intensity must be a number from 0 to 1');
  }
  const trackingId = raw['trackingId'] ?? null;
  const viewerType = raw['viewerType'] ?? null;
  if (trackingId !== null && !isUuid(trackingId)) {
    throw new PrivacyViolationError('sentiment entry: trackingId must be a UUID or null');
  }
  if (viewerType !== null && !VIEWER_TYPES.has(viewerType as string)) {
    throw new PrivacyViolationError('sentiment entry: viewerType must be a TrackedViewerType or null');
  }
  if ((trackingId === null) !== (viewerType === null)) {
    throw new PrivacyViolationError('sentiment entry: trackingId and viewerType are set together or not at all');
  }
  return {
    category: raw['category'] as SentimentCategory,
    intensity,
    trackingId: trackingId as TrackingId | null,
    viewerType: viewerType as TrackedViewerType | null,
  };
}

/** Validates a whole pulse the same way; publishers call it right before a pulse leaves the service. */
export function toSentimentPulse(input: unknown): SentimentPulse {
  const raw = asRecord(input, 'sentiment pulse');
  rejectUnknownKeys(raw, PULSE_KEYS, 'sentiment pulse');
  for (const key of ['pulseId', 'platformSessionId'] as const) {
    if (!isUuid(raw[key])) throw new PrivacyViolationError(`sentiment pulse: ${key} must be a UUID`);
  }
  const streamSessionId = raw['streamSessionId'] ?? null;
  if (streamSessionId !== null && !isUuid(streamSessionId)) {
    throw new PrivacyViolationError('sentiment pulse: streamSessionId must be a UUID or null');
  }
  const timestamp = raw['timestamp'];
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) {
    throw new PrivacyViolationError('sentiment pulse: timestamp must be an ISO-8601 date');
  }
  for (const key of ['intervalSeconds', 'approximateViewerCount'] as const) {
    const value = raw[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new PrivacyViolationError(`sentiment pulse: ${key} must be a non-negative integer`);
    }
  }
  if (!Array.isArray(raw['sentiments'])) {
    throw new PrivacyViolationError('sentiment pulse: sentiments must be an array');
  }
  return {
    pulseId: raw['pulseId'] as string,
    streamSessionId: streamSessionId as string | null,
    platformSessionId: raw['platformSessionId'] as string,
    timestamp,
    intervalSeconds: raw['intervalSeconds'] as number,
    approximateViewerCount: raw['approximateViewerCount'] as number,
    sentiments: raw['sentiments'].map(toSentimentEntry),
  };
}

function asRecord(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PrivacyViolationError(`${what} must be an object`);
  }
  return input as Record<string, unknown>;
}

function rejectUnknownKeys(raw: Record<string, unknown>, allowed: readonly string[], what: string): void {
  let unknown = false;
  for (const key in raw) if (!allowed.includes(key)) unknown = true;
  if (!unknown) return;
  const extra = Object.keys(raw).filter((key) => !allowed.includes(key));
  // Only the key names are reported: the values are exactly what must not be echoed.
  if (extra.length > 0) throw new PrivacyViolationError(`${what}: field(s) not allowed: ${extra.join(', ')}`);
}
