import { randomUUID } from 'node:crypto';

import { type BroadcastRuntime, type BroadcastSpec, BroadcastSourceType, broadcastSourceKey } from '@lib-stream/contracts';

/**
 * A broadcast's desired state as control-api first writes it (running, revision 1, created now, no
 * fallbacks, no recording, AAC at 128 kbit/s, no destination), of a new camera unless `fields` say
 * otherwise; `fields` go over it. The ids are fresh UUIDs; the source key is the camera's.
 */
export function testBroadcastSpec(fields: Partial<BroadcastSpec> = {}): BroadcastSpec {
  const cameraId = randomUUID();
  return {
    broadcastId: randomUUID(),
    sourceType: BroadcastSourceType.Camera,
    video: { kind: 'camera', cameraId },
    audio: null,
    backgroundVideo: null,
    fallbackStream: null,
    fallbackImage: null,
    destinations: [],
    audioCodec: 'aac',
    audioBitrate: '128k',
    sourceKey: broadcastSourceKey({ cameraId }),
    voiceRoomId: null,
    createdBy: null,
    desired: 'running',
    stopReason: null,
    revision: 1,
    createdAt: new Date().toISOString(),
    ...fields,
  };
}

/**
 * What a media worker reports for `spec` once it has applied it: on `worker-1`, healthy, nothing on
 * air yet, no recording, started and updated at the spec's creation; `fields` go over it.
 */
export function testBroadcastRuntime(spec: BroadcastSpec, fields: Partial<BroadcastRuntime> = {}): BroadcastRuntime {
  return {
    broadcastId: spec.broadcastId,
    workerId: 'worker-1',
    appliedRevision: spec.revision,
    health: 'healthy',
    videoSourceType: null,
    currentVideoSource: null,
    sourceRestarts: 0,
    sourceFps: null,
    destinations: [],
    lastError: null,
    startedAt: spec.createdAt,
    stoppedAt: null,
    stopReason: null,
    lastInterruption: null,
    recording: null,
    updatedAt: spec.createdAt,
    ...fields,
  };
}
