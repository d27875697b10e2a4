import { createHash } from 'node:crypto';

import { ConsumedTopic, EventTopic, Role } from '@lib-stream/contracts';
import { maskMediaUrl, maskStreamKeysInText } from '@lib-stream/stream-key';

import type { Principal } from '../auth/principal';

/** What a dashboard subscribes to on `/stream/events`; each maps to some Redis event topics. */
export const LiveTopic = {
  Broadcasts: 'broadcasts',
  Cameras: 'cameras',
  Sessions: 'sessions',
  Pulse: 'pulse',
} as const;
export type LiveTopic = (typeof LiveTopic)[keyof typeof LiveTopic];

/** The role each topic needs (the REST rules: admin for broadcasts and cameras, user for own sessions, developer for pulses). */
export const ROLE_FOR_TOPIC: Record<LiveTopic, Role> = {
  broadcasts: Role.Admin,
  cameras: Role.Admin,
  sessions: Role.User,
  pulse: Role.Developer,
};

export function isLiveTopic(value: unknown): value is LiveTopic {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ROLE_FOR_TOPIC, value);
}

/**
 * One event as kept in the replay window and sent to clients: only whitelisted, public fields.
 * `accountId` (sessions only) is for filtering and is also in `data`, which is the caller's own id.
 */
export interface LiveEvent {
  /** Opaque; the same on every replica for the same Redis message (see cursorOf); '' when not replayable. */
  cursor: string;
  topic: LiveTopic;
  /** The Redis topic it came from, e.g. `stream.broadcast.source-changed`. */
  event: string;
  /** Broadcast, camera or platform session id: what `resource` in a subscribe matches. */
  resource: string | null;
  accountId: string | null;
  data: Record<string, unknown>;
  /**
   * False for latest-value events (viewer counts): only the newest per resource matters, so they are
   * not kept in the replay window (many sessions would push everything else out of it) and go out
   * with `cursor: null`; a resuming client is sent the current values instead.
   */
  replay: boolean;
}

type Row = Record<string, unknown>;
type Scalar = string | number | boolean | null;

/** Copies only the named fields that are plain scalars: anything unexpected (a key, a token, chat) is left behind. */
function pick(source: Row, fields: readonly string[]): Row {
  const out: Row = {};
  for (const field of fields) {
    const value = source[field];
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[field] = value as Scalar;
  }
  return out;
}

const HEADER = ['eventId', 'timestamp'] as const;
const CAMERA_METADATA = ['videoCodec', 'width', 'height', 'fps', 'videoBitrateKbps', 'audioCodec', 'audioSampleRate', 'audioChannels'] as const;

interface TopicRule {
  topic: LiveTopic;
  resourceField: string;
  toData: (data: Row) => Row;
  /** A latest-value event (see LiveEvent.replay). */
  latestValue?: boolean;
}

const fields = (...names: string[]) => (data: Row) => pick(data, [...HEADER, ...names]);

const RULES: Record<string, TopicRule> = {
  [EventTopic.BroadcastStarted]: { topic: 'broadcasts', resourceField: 'broadcastId', toData: fields('broadcastId', 'sourceType') },
  [EventTopic.BroadcastStopped]: { topic: 'broadcasts', resourceField: 'broadcastId', toData: fields('broadcastId', 'reason') },
  [EventTopic.BroadcastSourceChanged]: { topic: 'broadcasts', resourceField: 'broadcastId', toData: fields('broadcastId', 'previousSource', 'currentSource') },
  [EventTopic.BroadcastHealthChanged]: { topic: 'broadcasts', resourceField: 'broadcastId', toData: fields('broadcastId', 'health', 'previousHealth', 'reason') },
  // The label is the masked URL (as in the status view); the URL itself is not in the event.
  [EventTopic.BroadcastDestinationChanged]: {
    topic: 'broadcasts',
    resourceField: 'broadcastId',
    toData: (data) => remaskLabel(pick(data, [...HEADER, 'broadcastId', 'destinationId', 'index', 'label', 'state', 'previousState', 'reason', 'retryCount'])),
  },
  // Recordings: counts and sizes only; the segment's path on the worker's disk stays internal.
  [EventTopic.BroadcastRecordingSegment]: {
    topic: 'broadcasts',
    resourceField: 'broadcastId',
    toData: fields('broadcastId', 'recordingId', 'workerId', 'sequence', 'sizeBytes', 'durationSeconds', 'startedAt'),
  },
  [EventTopic.BroadcastRecordingStopped]: { topic: 'broadcasts', resourceField: 'broadcastId', toData: fields('broadcastId', 'recordingId', 'workerId', 'reason', 'segments', 'bytes') },
  // Engine cameras announce an rtmpUrl that may carry a key: it is never forwarded.
  [ConsumedTopic.CameraStreamStarted]: {
    topic: 'cameras',
    resourceField: 'cameraId',
    toData: (data) => ({ ...pick(data, [...HEADER, 'cameraId', 'source', 'workerId']), metadata: cameraMetadata(data.metadata) }),
  },
  [ConsumedTopic.CameraStreamEnded]: { topic: 'cameras', resourceField: 'cameraId', toData: fields('cameraId', 'source', 'reason') },
  [EventTopic.PlatformSessionStarted]: { topic: 'sessions', resourceField: 'platformSessionId', toData: fields('platformSessionId', 'accountId', 'platform', 'inGameSessionId') },
  [EventTopic.PlatformSessionEnded]: {
    topic: 'sessions',
    resourceField: 'platformSessionId',
    toData: fields('platformSessionId', 'accountId', 'platform', 'durationSeconds', 'peakViewerCount'),
  },
  [EventTopic.PlatformSessionViewers]: {
    topic: 'sessions',
    resourceField: 'platformSessionId',
    toData: fields('platformSessionId', 'accountId', 'platform', 'viewerCount', 'peakViewerCount'),
    latestValue: true,
  },
  [EventTopic.AudiencePulse]: { topic: 'pulse', resourceField: 'platformSessionId', toData: pulseSummary },
};

/**
 * Defence in depth: the publisher already masks `label`, but a publisher bug must not put a stream
 * key on every dashboard, so it is masked again here (a masked label stays as it is).
 */
function remaskLabel(row: Row): Row {
  if (typeof row.label === 'string') row.label = maskStreamKeysInText(maskMediaUrl(row.label));
  return row;
}

/** A camera's metadata reduced to its known scalar fields (codecs, size, rates), or null. */
export function cameraMetadata(metadata: unknown): Row | null {
  return typeof metadata === 'object' && metadata !== null ? pick(metadata as Row, CAMERA_METADATA) : null;
}

/** The Redis channel patterns the feed listens to (one PSUBSCRIBE per replica). */
export const LIVE_CHANNEL_PATTERNS = ['stream.*', 'camera.stream.*'] as const;

/**
 * A pulse without its entries: how many per category and their mean intensity (0..1, 3 decimals;
 * null when the pulse had none). Tracking ids and viewer types never leave here.
 */
export function pulseSummary(data: Row): Row {
  // No prototype: a category named `__proto__` or `constructor` is counted like any other.
  const counts: Record<string, number> = Object.create(null) as Record<string, number>;
  let total = 0;
  let intensitySum = 0;
  for (const entry of Array.isArray(data.sentiments) ? (data.sentiments as Row[]) : []) {
    if (typeof entry?.category !== 'string') continue;
    counts[entry.category] = (counts[entry.category] ?? 0) + 1;
    total += 1;
    // Each intensity clamped to 0..1 (a bad value is 0), so the mean stays in 0..1.
    intensitySum += typeof entry.intensity === 'number' && Number.isFinite(entry.intensity) ? Math.min(1, Math.max(0, entry.intensity)) : 0;
  }
  return {
    ...pick(data, ['pulseId', 'platformSessionId', 'streamSessionId', 'timestamp', 'intervalSeconds', 'approximateViewerCount']),
    entries: total,
    counts,
    meanIntensity: total > 0 ? Math.round((intensitySum / total) * 1000) / 1000 : null,
  };
}

/**
 * Deterministic from the raw Redis message, so every replica gives the same event the same cursor
 * and a client may resume on another replica than the one it left.
 */
export function cursorOf(channel: string, message: string): string {
  return createHash('sha256').update(channel).update('\n').update(message).digest('base64url').slice(0, 22);
}

/**
 * Turns one Redis message (a Nest transport packet `{"pattern", "data"}`) into a LiveEvent, or null
 * for channels dashboards do not get (internal ones, instance lifecycle) and unreadable packets.
 */
export function toLiveEvent(channel: string, message: string): LiveEvent | null {
  const rule = Object.prototype.hasOwnProperty.call(RULES, channel) ? RULES[channel] : undefined;
  if (!rule) return null;
  let packet: unknown;
  try {
    packet = JSON.parse(message);
  } catch {
    return null;
  }
  const data = (packet as { data?: unknown } | null)?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const row = data as Row;
  const resource = row[rule.resourceField];
  const replay = rule.latestValue !== true;
  return {
    // Latest-value events go out without a cursor: no hash for them (thousands of viewer counts a refresh).
    cursor: replay ? cursorOf(channel, message) : '',
    topic: rule.topic,
    event: channel,
    resource: typeof resource === 'string' ? resource : null,
    accountId: rule.topic === 'sessions' && typeof row.accountId === 'string' ? row.accountId : null,
    data: rule.toData(row),
    replay,
  };
}

/** A subscription: the topic and, optionally, one resource id it is narrowed to. */
export function visibleTo(event: LiveEvent, principal: Principal, resource: string | null): boolean {
  if (resource !== null && event.resource !== resource) return false;
  // Sessions: the caller's own account only, whatever else the subscription says.
  if (event.topic === 'sessions' && event.accountId !== principal.accountId) return false;
  return true;
}
