import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';

import { ConsumedTopic, type CameraStreamEndedEvent, type CameraStreamStartedEvent } from '@lib-stream/contracts';
import { CameraIngestSettings, CipherProvider } from '@lib-stream/nest-kit';
import { isRtmpUrl } from '@lib-stream/stream-key';

import { CameraRegistry } from './camera-registry';

const CAMERA_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Cameras announced by game engines on `camera.stream.started` / `.ended` (with their own RTMP
 * URL). Every worker receives the event and writes the same entry, so the write is idempotent.
 * Our own ingest announces with `source: 'ingest'`; those are skipped here.
 */
@Controller()
export class EngineCamerasController {
  private readonly logger = new Logger('EngineCameras');

  constructor(
    private readonly ingest: CameraIngestSettings,
    private readonly registry: CameraRegistry,
    private readonly urlCipher: CipherProvider,
  ) {}

  @EventPattern(ConsumedTopic.CameraStreamStarted)
  async started(@Payload() event: Partial<CameraStreamStartedEvent>): Promise<void> {
    if (event?.source === 'ingest') return;
    if (typeof event?.cameraId !== 'string' || !CAMERA_ID.test(event.cameraId) || typeof event.rtmpUrl !== 'string' || !isRtmpUrl(event.rtmpUrl)) {
      this.logger.warn({ msg: 'ignored camera announcement: needs cameraId and an rtmp:// or rtmps:// rtmpUrl' });
      return;
    }
    const previous = await this.registry.get(event.cameraId);
    if (previous?.source === 'ingest') {
      this.logger.warn({ msg: 'ignored camera announcement for a camera of our own ingest', cameraId: event.cameraId });
      return;
    }
    const now = new Date().toISOString();
    const metadata = event.metadata ?? {};
    await this.registry.put(
      {
        cameraId: event.cameraId,
        source: 'engine',
        state: 'live',
        liveSince: previous?.liveSince ?? now,
        lastSeenAt: now,
        workerId: null,
        metadata: {
          videoCodec: metadata.videoCodec ?? null,
          width: metadata.width ?? null,
          height: metadata.height ?? null,
          fps: metadata.fps ?? null,
          videoBitrateKbps: metadata.videoBitrateKbps ?? null,
          audioCodec: metadata.audioCodec ?? null,
          audioSampleRate: metadata.audioSampleRate ?? null,
          audioChannels: metadata.audioChannels ?? null,
        },
        rtmpUrlEnc: this.urlCipher.encrypt(event.rtmpUrl),
        sessionId: null,
      },
      this.ingest.announceTtlMs,
    );
  }

  @EventPattern(ConsumedTopic.CameraStreamEnded)
  async ended(@Payload() event: Partial<CameraStreamEndedEvent>): Promise<void> {
    if (event?.source === 'ingest' || typeof event?.cameraId !== 'string') return;
    const entry = await this.registry.get(event.cameraId);
    if (entry?.source === 'engine') await this.registry.remove(event.cameraId);
  }
}
