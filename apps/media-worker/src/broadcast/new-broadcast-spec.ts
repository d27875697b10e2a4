import { randomUUID } from 'node:crypto';

import type { BroadcastSourceRef, BroadcastSourceType, BroadcastSpec, SealedUrl } from '@lib-stream/contracts';

/** A broadcast the media plane starts by itself (voice consent, auto-broadcast): one destination, no fallbacks. */
export function newBroadcastSpec(fields: {
  sourceType: BroadcastSourceType;
  video: BroadcastSourceRef;
  audio: SealedUrl | null;
  destination: SealedUrl;
  sourceKey: string;
  voiceRoomId?: string;
  audioCodec: string;
  audioBitrate: string;
}): BroadcastSpec {
  return {
    broadcastId: randomUUID(),
    sourceType: fields.sourceType,
    video: fields.video,
    audio: fields.audio,
    backgroundVideo: null,
    fallbackStream: null,
    fallbackImage: null,
    destinations: [{ destinationId: randomUUID(), url: fields.destination }],
    audioCodec: fields.audioCodec,
    audioBitrate: fields.audioBitrate,
    sourceKey: fields.sourceKey,
    voiceRoomId: fields.voiceRoomId ?? null,
    createdBy: null,
    desired: 'running',
    stopReason: null,
    revision: 1,
    createdAt: new Date().toISOString(),
  };
}
