/**
 * Redis channels on which events are published. The channel name is the topic; see the README's
 * "Events on Redis" section for the wire format.
 */
export const EventTopic = {
  PlatformLinked: 'stream.platform.linked',
  PlatformUnlinked: 'stream.platform.unlinked',
  PlatformSessionStarted: 'stream.platform.session.started',
  PlatformSessionEnded: 'stream.platform.session.ended',
  /** A session's viewer count changed (latest value: dashboards keep only the newest per session). */
  PlatformSessionViewers: 'stream.platform.session.viewers',
  AudiencePulse: 'stream.audience.pulse',
  BroadcastStarted: 'stream.broadcast.started',
  BroadcastStopped: 'stream.broadcast.stopped',
  BroadcastSourceChanged: 'stream.broadcast.source-changed',
  BroadcastHealthChanged: 'stream.broadcast.health-changed',
  BroadcastDestinationChanged: 'stream.broadcast.destination-changed',
  BroadcastRecordingSegment: 'stream.broadcast.recording.segment',
  BroadcastRecordingStopped: 'stream.broadcast.recording.stopped',
  InstanceOnline: 'stream.instance.online',
  InstanceOffline: 'stream.instance.offline',
} as const;
export type EventTopic = (typeof EventTopic)[keyof typeof EventTopic];

/** Events published by other services that lib-stream consumes. */
export const ConsumedTopic = {
  VoiceBroadcastApproved: 'voice.room.broadcast.approved',
  VoiceBroadcastStopped: 'voice.room.broadcast.stopped',
  CameraStreamStarted: 'camera.stream.started',
  CameraStreamEnded: 'camera.stream.ended',
} as const;
export type ConsumedTopic = (typeof ConsumedTopic)[keyof typeof ConsumedTopic];

/** Request/response message patterns on the Redis transport: `<app>.<verb>`. */
export const MessagePatterns = {
  MediaWorkerInfo: 'media.info',
  PulsePublisherInfo: 'pulse.info',
} as const;

/** Internal Redis channels between control-api and media workers (not domain events). */
export const InternalChannels = {
  /** A camera key was created, reset or deleted: workers update their allow-list and cut revoked publishers. */
  CameraCredentials: 'stream.internal.camera-credentials',
  /** The allow-list was rebuilt from the database (message: its generation): workers reload it. */
  CameraAllowListRebuilt: 'stream.internal.camera-allow-list-rebuilt',
  /** A broadcast's desired state changed (message: the broadcast id): its owner applies it. */
  BroadcastChanged: 'stream.internal.broadcast-changed',
} as const;

export const QueueNames = {
  TokenRefresh: 'stream-token-refresh',
  BroadcastAssignments: 'stream-broadcast-assignments',
  BroadcastValidations: 'stream-broadcast-validations',
} as const;
