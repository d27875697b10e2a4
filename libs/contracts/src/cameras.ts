import type { BaseEvent } from './base-event';

/**
 * Redis keys of the `stream-cameras` store. Camera records live in the database (control-api's
 * `stream_cameras`); Redis holds the ingest allow-list rebuilt from it, and the live registry.
 */
export const CameraKeys = {
  /** Legacy: camera records kept only in Redis before they moved to the database; read once by the import. */
  credentials: (cameraId: string) => `stream:cam-cred:${cameraId}`,
  /** stream-key hash → camera id, for the ingest allow-list. */
  keyIndex: (keyHash: string) => `stream:cam-key:${keyHash}`,
  keyIndexPattern: () => 'stream:cam-key:*',
  /** Legacy: the set of camera ids of the Redis-only records. */
  credentialIds: () => 'stream:cam-creds',
  /**
   * Generation of the allow-list, written last by every rebuild from the database. Its absence
   * means Redis lost its data (flush, restart without persistence): control-api rebuilds, and
   * media workers reload when it changes.
   */
  allowListGeneration: () => 'stream:cam-allow-list-gen',
  /** Live registry entry (JSON, heartbeat TTL). */
  registry: (cameraId: string) => `stream:cam:${cameraId}`,
  registryPattern: () => 'stream:cam:*',
  /** Which worker's session currently publishes the camera (single publisher across replicas). */
  owner: (cameraId: string) => `stream:cam-owner:${cameraId}`,
} as const;

export interface CameraCredentialsChange {
  cameraId: string;
  /** The key hash that now opens the camera, or null when the camera was deleted. */
  keyHash: string | null;
  /** The key hash that stops working (reset or delete). */
  revokedKeyHash: string | null;
}

export interface CameraMetadata {
  videoCodec: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  videoBitrateKbps: number | null;
  audioCodec: string | null;
  audioSampleRate: number | null;
  audioChannels: number | null;
}

export type CameraSource = 'ingest' | 'engine';

/** A camera usable as a broadcast source, as kept in the registry. */
export interface CameraRegistryEntry {
  cameraId: string;
  source: CameraSource;
  state: 'live' | 'reconnecting';
  /** ISO-8601: when it went live (kept across a reconnect inside the grace). */
  liveSince: string;
  lastSeenAt: string;
  workerId: string | null;
  metadata: CameraMetadata;
  /** Encrypted RTMP URL a worker can read it from (holds the stream key). */
  rtmpUrlEnc: string | null;
  /** Id of the ingest session holding it (ingest only). */
  sessionId: string | null;
}

/** `camera.stream.started` — published by our ingest (source 'ingest') or by game engines. */
export interface CameraStreamStartedEvent extends BaseEvent {
  cameraId: string;
  source?: CameraSource;
  /** Engines announce where to read them; never set for our own ingest (it would carry a key). */
  rtmpUrl?: string;
  workerId?: string;
  metadata?: Partial<CameraMetadata>;
}

export interface CameraStreamEndedEvent extends BaseEvent {
  cameraId: string;
  source?: CameraSource;
  reason?: 'disconnected' | 'stalled' | 'key_revoked' | 'expired' | 'announced';
}
