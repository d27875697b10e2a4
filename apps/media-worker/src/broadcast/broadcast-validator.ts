import { Injectable, Logger } from '@nestjs/common';

import type { BroadcastSpec, BroadcastValidationJob, SealedUrl } from '@lib-stream/contracts';
import { BroadcastSettings, BroadcastTimingSettings, CipherProvider, MediaSourceSettings } from '@lib-stream/nest-kit';
import { maskMediaUrl, maskRtmpUrl } from '@lib-stream/stream-key';

import { CameraRegistry } from '../ingest/camera-registry';
import { IngestAllowList } from '../ingest/ingest-allow-list';
import { MediaPolicy, PolicyRefusal, mediaPolicySettings } from './validation/media-policy';
import { isSdpInputUrl, sdpOfInputUrl, sdpProblem } from './sdp-input';
import { checkRtmpServer } from './validation/rtmp-check';
import { SourceProbeError, probeSource } from './validation/source-probe';
import { rtpEndpointProblem } from './voice-event';

/** A source or destination that is refused; the message names the field and the URL (masked) and is safe to show. */
export class ValidationFailed extends Error {
  override readonly name = 'ValidationFailed';
}

/**
 * Checks before anything starts: the source/destination policy first (scheme, host, media
 * directory), then sources with ffprobe (bounded by STREAM_RTMP_PROBE_TIMEOUT_SECONDS) and
 * destinations with an RTMP handshake + connect (ffprobe cannot test a publish URL, and a real
 * publish would put the channel on air). Refusals say only "not allowed" or "unreachable": why
 * (connection refused, a 403, not media) would map the worker's network and files for the caller,
 * so the reason goes to this worker's log instead.
 */
@Injectable()
export class BroadcastValidator {
  private readonly logger = new Logger('BroadcastValidator');
  private readonly policy: MediaPolicy;

  constructor(
    private readonly broadcasting: BroadcastSettings,
    private readonly cameras: CameraRegistry,
    private readonly cipher: CipherProvider,
    private readonly allowList: IngestAllowList,
    private readonly timing: BroadcastTimingSettings,
    media: MediaSourceSettings,
  ) {
    this.policy = new MediaPolicy(mediaPolicySettings(media));
  }

  /**
   * `primaryProbed`: the caller starts the primary video URL itself beside these checks (its source
   * process is the probe, see `unreachableSource`), so that URL gets the policy check only.
   */
  async validateSpec(spec: BroadcastSpec, { primaryProbed = false } = {}): Promise<void> {
    const checks: Promise<void>[] = [];
    if (spec.video.kind === 'camera') checks.push(this.checkCamera(spec.video.cameraId));
    if (spec.video.kind === 'url') checks.push(this.checkSource('sourceId', spec.video.url, !primaryProbed));
    if (spec.audio) checks.push(spec.voiceRoomId ? this.checkVoiceAudio(spec.audio) : this.checkSource('sourceId', spec.audio));
    if (spec.backgroundVideo) checks.push(this.checkSource('backgroundVideoUrl', spec.backgroundVideo));
    if (spec.fallbackStream) checks.push(this.checkFallbackStream(spec.fallbackStream));
    if (spec.fallbackImage) checks.push(this.checkSource('fallbackImageUrl', spec.fallbackImage));
    spec.destinations.forEach((destination, i) => checks.push(this.checkDestination(destinationField(spec, i), destination.url)));
    await firstFailure(checks);
  }

  async validateUrls(job: BroadcastValidationJob): Promise<void> {
    await firstFailure([
      ...job.sources.map((s) => (s.role === 'fallbackStreamUrl' ? this.checkFallbackStream(s.url) : this.checkSource(s.role, s.url))),
      ...job.destinations.map((d) => this.checkDestination(d.field ?? 'rtmpOutputUrl', d)),
    ]);
  }

  /** A camera is read from the registry (its URL points inside by design): no policy applies. */
  private async checkCamera(cameraId: string): Promise<void> {
    const entry = await this.cameras.get(cameraId);
    if (!entry || entry.state !== 'live') throw new ValidationFailed(`camera ${cameraId} is not live (no registered camera is publishing under this id)`);
    if (!entry.rtmpUrlEnc) throw new ValidationFailed(`camera ${cameraId} is live but has no readable URL (STREAM_TOKEN_ENCRYPTION_KEY differs between workers?)`);
  }

  /** A fallback stream may be one of our cameras, named by its ingest URL: it is read as that camera (the ingest plays no key). */
  private async checkFallbackStream(sealed: SealedUrl): Promise<void> {
    const cameraId = this.allowList.cameraForUrl(this.cipher.decrypt(sealed.enc));
    if (!cameraId) return this.checkSource('fallbackStreamUrl', sealed);
    const entry = await this.cameras.get(cameraId);
    if (!entry || entry.state !== 'live') throw new ValidationFailed(`fallbackStreamUrl: camera ${cameraId} is not live`);
  }

  private async checkSource(field: string, sealed: SealedUrl, probe = true): Promise<void> {
    const url = this.cipher.decrypt(sealed.enc);
    const shown = `${field}: source ${maskMediaUrl(url)}`;
    try {
      await this.policy.checkSource(url);
    } catch (error) {
      throw this.refused(shown, error);
    }
    if (probe) await this.probe(shown, url);
  }

  /** The refusal of a source the caller's own process could not read (`detail` goes to the log only). */
  unreachableSource(field: string, sealed: SealedUrl, detail: string): ValidationFailed {
    return this.refused(`${field}: source ${maskMediaUrl(this.cipher.decrypt(sealed.enc))}`, new PolicyRefusal('unreachable', detail));
  }

  /** Voice audio arrives by RTP only, with or without SDP (checked on arrival; again as it is stored). */
  private async checkVoiceAudio(sealed: SealedUrl): Promise<void> {
    const url = this.cipher.decrypt(sealed.enc);
    const sdp = isSdpInputUrl(url);
    const problem = sdp ? sdpProblem(sdpOfInputUrl(url), null) : rtpEndpointProblem(url);
    if (problem) throw new ValidationFailed(`${sdp ? 'rtpAudioSdp' : 'rtpAudioEndpoint'} ${problem}`);
    await this.probe(`rtpAudioEndpoint: source ${sdp ? sealed.masked : maskMediaUrl(url)}`, url);
  }

  private async probe(shown: string, url: string): Promise<void> {
    try {
      await probeSource(this.broadcasting.ffprobePath, url, this.timing.probeTimeoutSeconds);
    } catch (error) {
      if (error instanceof SourceProbeError && error.reason === 'ffprobe_missing') {
        this.logger.error({ msg: 'cannot validate broadcast sources', reason: error.message });
        throw new ValidationFailed(`${shown} cannot be checked: this media worker has no FFprobe`);
      }
      throw this.refused(shown, new PolicyRefusal('unreachable', (error as Error).message));
    }
  }

  private async checkDestination(field: string, sealed: SealedUrl): Promise<void> {
    const url = this.cipher.decrypt(sealed.enc);
    const shown = `${field}: RTMP destination ${maskRtmpUrl(url)}`;
    try {
      const [address] = await this.policy.checkDestination(url);
      await checkRtmpServer(url, this.timing.probeTimeoutMs, address);
    } catch (error) {
      throw this.refused(shown, error);
    }
  }

  /** The caller learns "not allowed" or "unreachable"; the log keeps why (masked). */
  private refused(shown: string, error: unknown): ValidationFailed {
    const refusal = error instanceof PolicyRefusal ? error : new PolicyRefusal('unreachable', (error as Error).message);
    this.logger.warn({ msg: 'broadcast URL refused', url: shown, refusal: refusal.reason, reason: refusal.detail });
    return new ValidationFailed(`${shown} ${refusal.message}`);
  }
}

/**
 * Where a destination came from, for error messages: the API's rtmpOutputUrl, then
 * additionalRtmpOutputUrls[i]; the setting for voice-room and auto-broadcasts (no account started those).
 */
export function destinationField(spec: Pick<BroadcastSpec, 'voiceRoomId' | 'createdBy'>, index: number): string {
  if (spec.voiceRoomId) return 'STREAM_VOICE_BROADCAST_RTMP_URL';
  if (spec.createdBy === null) return 'STREAM_AUTO_BROADCAST_RTMP_URL';
  return index === 0 ? 'rtmpOutputUrl' : `additionalRtmpOutputUrls[${index - 1}]`;
}

/** Runs the checks together and reports the first one that failed (in the order given). */
async function firstFailure(checks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(checks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
