import type { SentimentPulse } from '@lib-stream/privacy';

import type { BroadcastSourceType, BroadcastStopReason, ServiceName, StreamPlatform, VideoSourceType } from './enums';
import type { BroadcastHealth, BroadcastHealthReason, DestinationState, RecordingStopReason } from './broadcasts';
import type { BaseEvent } from './base-event';
import type { CameraStreamEndedEvent, CameraStreamStartedEvent } from './cameras';
import { ConsumedTopic, EventTopic } from './topics';

// In its own file so that event files of other features (cameras.ts) can extend it without importing this one.
export type { BaseEvent } from './base-event';

export interface PlatformLinkedEvent extends BaseEvent {
  accountId: string;
  linkId: string;
  platform: StreamPlatform;
}

export type PlatformUnlinkedEvent = PlatformLinkedEvent;

export interface PlatformSessionStartedEvent extends BaseEvent {
  platformSessionId: string;
  accountId: string;
  platform: StreamPlatform;
  inGameSessionId: string | null;
}

export interface PlatformSessionEndedEvent extends BaseEvent {
  platformSessionId: string;
  accountId: string;
  platform: StreamPlatform;
  durationSeconds: number;
  peakViewerCount: number;
}

export interface BroadcastStartedEvent extends BaseEvent {
  broadcastId: string;
  sourceType: BroadcastSourceType;
}

export interface BroadcastStoppedEvent extends BaseEvent {
  broadcastId: string;
  reason: BroadcastStopReason;
}

export interface BroadcastSourceChangedEvent extends BaseEvent {
  broadcastId: string;
  previousSource: VideoSourceType | null;
  currentSource: VideoSourceType;
}

/** Published by the owning worker only when the broadcast's health differs from what it last published. */
export interface BroadcastHealthChangedEvent extends BaseEvent {
  broadcastId: string;
  health: BroadcastHealth;
  /** Null for the first health this worker published for the broadcast (a start or an adoption). */
  previousHealth: BroadcastHealth | null;
  reason: BroadcastHealthReason | null;
}

/**
 * Why a destination moved: `started` (a connection attempt), `sending` (bytes reach the platform),
 * the pusher's exit (`exited`, `stalled`, `start_timeout`, `spawn_failed`, `input_ended`) for
 * `retrying` and `failed`, `url_changed` (reconnecting to a new URL), `stopped`.
 */
export type DestinationChangeReason = 'started' | 'sending' | 'exited' | 'stalled' | 'start_timeout' | 'spawn_failed' | 'input_ended' | 'url_changed' | 'stopped';

/**
 * One destination's state changed (only on a change). Never its URL or key: `label` is the masked
 * URL (`rtmp://host/app/****`), as in the status view.
 */
export interface BroadcastDestinationChangedEvent extends BaseEvent {
  broadcastId: string;
  destinationId: string;
  /** Position in the broadcast's destinations (0-based); null once it was removed from the broadcast. */
  index: number | null;
  label: string;
  state: DestinationState;
  previousState: DestinationState | null;
  reason: DestinationChangeReason;
  /** Failed attempts since it last sent for a while (the status view's retryCount). */
  retryCount: number;
}

/** A session's viewer count changed at a refresh (not published when it stayed the same). */
export interface PlatformSessionViewersEvent extends BaseEvent {
  platformSessionId: string;
  accountId: string;
  platform: StreamPlatform;
  viewerCount: number;
  peakViewerCount: number;
}

/**
 * One complete segment of a broadcast recording, ready for an uploader. `path` is relative to the
 * worker's STREAM_RECORDINGS_DIR (`<broadcastId>/<recordingId>/seg-00012.ts`); no URL or key is in it.
 */
export interface BroadcastRecordingSegmentEvent extends BaseEvent {
  broadcastId: string;
  recordingId: string;
  /** The worker whose disk holds the file. */
  workerId: string;
  path: string;
  /** 0-based, per recording. */
  sequence: number;
  sizeBytes: number;
  durationSeconds: number;
  /** Wall-clock time of the segment's first frame (ISO-8601). */
  startedAt: string;
}

export interface BroadcastRecordingStoppedEvent extends BaseEvent {
  broadcastId: string;
  recordingId: string;
  workerId: string;
  reason: RecordingStopReason;
  /** Complete segments of this recording (its manifest lists them). */
  segments: number;
  bytes: number;
}

/** A process of lib-stream came up or is shutting down; lets dashboards see which workers exist. */
export interface InstanceLifecycleEvent extends BaseEvent {
  service: ServiceName;
  instanceId: string;
  version: string;
}

/** Topics lib-stream publishes (camera.stream.* too: our ingest announces its cameras there). */
export type PublishedTopic = keyof EventPayloads;

/** Maps each topic to its payload so `publish(topic, payload)` is checked at compile time. */
export interface EventPayloads {
  [EventTopic.PlatformLinked]: PlatformLinkedEvent;
  [EventTopic.PlatformUnlinked]: PlatformUnlinkedEvent;
  [EventTopic.PlatformSessionStarted]: PlatformSessionStartedEvent;
  [EventTopic.PlatformSessionEnded]: PlatformSessionEndedEvent;
  [EventTopic.PlatformSessionViewers]: PlatformSessionViewersEvent;
  [EventTopic.AudiencePulse]: SentimentPulse;
  [EventTopic.BroadcastStarted]: BroadcastStartedEvent;
  [EventTopic.BroadcastStopped]: BroadcastStoppedEvent;
  [EventTopic.BroadcastSourceChanged]: BroadcastSourceChangedEvent;
  [EventTopic.BroadcastHealthChanged]: BroadcastHealthChangedEvent;
  [EventTopic.BroadcastDestinationChanged]: BroadcastDestinationChangedEvent;
  [EventTopic.BroadcastRecordingSegment]: BroadcastRecordingSegmentEvent;
  [EventTopic.BroadcastRecordingStopped]: BroadcastRecordingStoppedEvent;
  [EventTopic.InstanceOnline]: InstanceLifecycleEvent;
  [EventTopic.InstanceOffline]: InstanceLifecycleEvent;
  [ConsumedTopic.CameraStreamStarted]: CameraStreamStartedEvent;
  [ConsumedTopic.CameraStreamEnded]: CameraStreamEndedEvent;
}

/** The message a subscriber receives: the Nest Redis transport packet. */
export interface EventPacket<T extends PublishedTopic = PublishedTopic> {
  pattern: T;
  data: EventPayloads[T];
}

/**
 * The message published on a topic's Redis channel: the Nest Redis transport packet
 * `{"pattern": topic, "data": payload}`, byte for byte what EventBus.publish sends. For code that
 * publishes without the bus (a Redis pipeline) and for stand-ins of other services in tests.
 */
export function encodeEventPacket<T extends PublishedTopic>(topic: T, data: EventPayloads[T]): string {
  return encodeEventPacketJson(topic, JSON.stringify(data));
}

/**
 * The same packet around a payload that is already JSON (`dataJson` must be one JSON value), so a
 * caller that also stores the JSON serialises it once.
 */
export function encodeEventPacketJson(topic: PublishedTopic, dataJson: string): string {
  return `{"pattern":${JSON.stringify(topic)},"data":${dataJson}}`;
}
