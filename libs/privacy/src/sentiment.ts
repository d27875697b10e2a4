/**
 * The privacy boundary: the only shapes in which audience activity may leave control-api.
 * Every field is an enum, a number or a service-generated UUID, so a pulse has nowhere to put
 * chat text, a username or a platform user id.
 */
export enum SentimentCategory {
  Excited = 'Excited',
  Supportive = 'Supportive',
  Critical = 'Critical',
  Curious = 'Curious',
  Surprised = 'Surprised',
  Amused = 'Amused',
  Bored = 'Bored',
  Hostile = 'Hostile',
}

export enum TrackedViewerType {
  Subscriber = 'Subscriber',
  Moderator = 'Moderator',
  RaidLeader = 'RaidLeader',
  VIP = 'VIP',
  HighEngager = 'HighEngager',
  Returner = 'Returner',
}

declare const trackingIdBrand: unique symbol;
/** An opaque v4 UUID minted by lib-stream; it has no relationship to any platform user id. */
export type TrackingId = string & { readonly [trackingIdBrand]: true };

export interface SentimentEntry {
  readonly category: SentimentCategory;
  /** 0.0 – 1.0 */
  readonly intensity: number;
  readonly trackingId: TrackingId | null;
  readonly viewerType: TrackedViewerType | null;
}

export interface SentimentPulse {
  readonly pulseId: string;
  readonly streamSessionId: string | null;
  readonly platformSessionId: string;
  /** ISO-8601 */
  readonly timestamp: string;
  readonly intervalSeconds: number;
  readonly approximateViewerCount: number;
  readonly sentiments: readonly SentimentEntry[];
}
