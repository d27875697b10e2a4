import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

import { BroadcastState, sealUrl } from '@lib-stream/broadcast-control';
import { type BroadcastSpec, BroadcastSourceType, broadcastSourceKey } from '@lib-stream/contracts';
import { BroadcastSettings, CipherProvider } from '@lib-stream/nest-kit';

import { CameraRegistry } from '../ingest/camera-registry';
import { BroadcastCoordinator } from './broadcast-coordinator';
import { newBroadcastSpec } from './new-broadcast-spec';

const POLL_MS = 2000;

/**
 * STREAM_AUTO_BROADCAST_CAMERA_ID + STREAM_AUTO_BROADCAST_RTMP_URL: once the camera is live, make
 * sure one broadcast of it runs. Every replica tries; the source claim lets only one start it.
 */
@Injectable()
export class AutoBroadcastStarter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AutoBroadcast');
  private stopped = false;

  constructor(
    private readonly broadcast: BroadcastSettings,
    private readonly coordinator: BroadcastCoordinator,
    private readonly cameras: CameraRegistry,
    private readonly state: BroadcastState,
    private readonly cipher: CipherProvider,
  ) {}

  onApplicationBootstrap(): void {
    const cameraId = this.broadcast.autoBroadcastCameraId;
    if (!cameraId || !this.broadcast.autoBroadcastRtmpUrl) return;
    if (!this.coordinator.available) {
      this.logger.warn({ msg: 'auto-broadcast configured but broadcasting is unavailable on this worker', cameraId });
      return;
    }
    this.logger.log({ msg: 'auto-broadcast waiting for the camera to go live', cameraId });
    void this.run(cameraId);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async run(cameraId: string): Promise<void> {
    const sourceKey = broadcastSourceKey({ cameraId });
    let lastAttemptMinute = -1;
    while (!this.stopped) {
      try {
        const camera = await this.cameras.get(cameraId);
        const holder = await this.state.activeHolder(sourceKey);
        if (holder) {
          this.logger.log({ msg: 'auto-broadcast is on air', cameraId, broadcastId: holder });
          return;
        }
        // One attempt a minute per replica: answered jobs are removed at once, so the job id no longer
        // holds back a retry (the worker that takes it logs why it did not start).
        const minute = Math.floor(Date.now() / 60_000);
        if (camera?.state === 'live' && minute !== lastAttemptMinute) {
          lastAttemptMinute = minute;
          await this.coordinator.enqueue(this.spec(cameraId, sourceKey), `auto-${sourceKey.slice(0, 16)}-${minute}`);
        }
      } catch (error) {
        this.logger.warn({ msg: 'auto-broadcast check failed', cameraId, reason: (error as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private spec(cameraId: string, sourceKey: string): BroadcastSpec {
    return newBroadcastSpec({
      sourceType: BroadcastSourceType.Camera,
      video: { kind: 'camera', cameraId },
      audio: null,
      destination: sealUrl(this.cipher, this.broadcast.autoBroadcastRtmpUrl),
      sourceKey,
      audioCodec: this.broadcast.audioCodec,
      audioBitrate: this.broadcast.audioBitrate,
    });
  }
}
