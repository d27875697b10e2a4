import { Inject, Injectable } from '@nestjs/common';

import type { BroadcastSpec, BroadcastValidationJob, SealedUrl } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig } from '@lib-stream/nest-kit';

import { CameraRegistry } from '../ingest/camera-registry';
import { SourceUrlCipher } from '../ingest/source-url-cipher';
import { ffprobePathFor } from './ffmpeg/ffmpeg-availability';
import { checkRtmpServer } from './validation/rtmp-check';
import { probeSource } from './validation/source-probe';

/** A source or destination that does not answer; the message names it (masked) and is safe to show. */
export class ValidationFailed extends Error {
  override readonly name = 'ValidationFailed';
}

/**
 * Checks before anything starts: sources with ffprobe (bounded by STREAM_RTMP_PROBE_TIMEOUT_SECONDS),
 * destinations with an RTMP handshake + connect (ffprobe cannot test a publish URL, and a real publish
 * would put the channel on air).
 */
@Injectable()
export class BroadcastValidator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cameras: CameraRegistry,
    private readonly cipher: SourceUrlCipher,
  ) {}

  async validateSpec(spec: BroadcastSpec): Promise<void> {
    const checks: Promise<void>[] = [];
    if (spec.video.kind === 'camera') checks.push(this.checkCamera(spec.video.cameraId));
    if (spec.video.kind === 'url') checks.push(this.probe('sourceId', spec.video.url));
    if (spec.audio) checks.push(this.probe(spec.voiceRoomId ? 'rtpAudioEndpoint' : 'sourceId', spec.audio));
    if (spec.backgroundVideo) checks.push(this.probe('backgroundVideoUrl', spec.backgroundVideo));
    if (spec.fallbackStream) checks.push(this.probe('fallbackStreamUrl', spec.fallbackStream));
    if (spec.fallbackImage) checks.push(this.probe('fallbackImageUrl', spec.fallbackImage));
    for (const destination of spec.destinations) checks.push(this.checkDestination(destination.url));
    await firstFailure(checks);
  }

  async validateUrls(job: BroadcastValidationJob): Promise<void> {
    await firstFailure([...job.sources.map((s) => this.probe(s.role, s.url)), ...job.destinations.map((d) => this.checkDestination(d))]);
  }

  private async checkCamera(cameraId: string): Promise<void> {
    const entry = await this.cameras.get(cameraId);
    if (!entry || entry.state !== 'live') throw new ValidationFailed(`camera ${cameraId} is not live (no registered camera is publishing under this id)`);
    if (!entry.rtmpUrlEnc) throw new ValidationFailed(`camera ${cameraId} is live but has no readable URL (STREAM_TOKEN_ENCRYPTION_KEY differs between workers?)`);
  }

  private async probe(role: string, url: SealedUrl): Promise<void> {
    try {
      await probeSource(ffprobePathFor(this.config), this.cipher.decrypt(url.enc), this.config.STREAM_RTMP_PROBE_TIMEOUT_SECONDS);
    } catch (error) {
      throw new ValidationFailed(`${role}: ${(error as Error).message}`);
    }
  }

  private async checkDestination(url: SealedUrl): Promise<void> {
    try {
      await checkRtmpServer(this.cipher.decrypt(url.enc), this.config.STREAM_RTMP_PROBE_TIMEOUT_SECONDS * 1000);
    } catch (error) {
      throw new ValidationFailed(`rtmpOutputUrl: ${(error as Error).message}`);
    }
  }
}

/** Runs the checks together and reports the first one that failed (in the order given). */
async function firstFailure(checks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(checks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
