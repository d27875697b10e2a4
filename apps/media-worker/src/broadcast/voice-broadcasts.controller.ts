import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';

import { BroadcastChangeError, BroadcastState, sealUrl } from '@lib-stream/broadcast-control';
import { BroadcastSourceType, BroadcastStopReason, ConsumedTopic, type SealedUrl, broadcastSourceKey } from '@lib-stream/contracts';
import { BroadcastSettings, CipherProvider } from '@lib-stream/nest-kit';

import { BroadcastCoordinator } from './broadcast-coordinator';
import { newBroadcastSpec } from './new-broadcast-spec';
import { sdpInputUrl } from './sdp-input';
import { checkVoiceApproved, checkVoiceStopped } from './voice-event';

/**
 * Voice-room broadcasts exist only by consent: `voice.room.broadcast.approved` starts one (audio from
 * the room's RTP endpoint, video from the cascade, to STREAM_VOICE_BROADCAST_RTMP_URL) and
 * `voice.room.broadcast.stopped` ends it with reason consent_revoked. Every worker receives both; the
 * Bull job id (room + event) and the broadcast lock make the effect happen once.
 */
@Controller()
export class VoiceBroadcastsController {
  private readonly logger = new Logger('VoiceBroadcasts');

  constructor(
    private readonly broadcast: BroadcastSettings,
    private readonly coordinator: BroadcastCoordinator,
    private readonly state: BroadcastState,
    private readonly cipher: CipherProvider,
  ) {}

  @EventPattern(ConsumedTopic.VoiceBroadcastApproved)
  async approved(@Payload() payload: unknown): Promise<void> {
    if (!this.coordinator.available) return;
    if (!this.broadcast.voiceRtmpUrl) {
      this.logger.warn({ msg: 'voice broadcast approved but STREAM_VOICE_BROADCAST_RTMP_URL is empty: ignored' });
      return;
    }
    const checked = checkVoiceApproved(payload);
    if (!checked.ok) {
      this.logger.warn({ msg: 'ignored voice.room.broadcast.approved', reason: checked.reason });
      return;
    }
    const event = checked.value;
    const sourceKey = broadcastSourceKey({ voiceRoomId: event.roomId });
    const spec = newBroadcastSpec({
      sourceType: BroadcastSourceType.VoiceRoom,
      video: { kind: 'none' },
      audio: event.rtpAudioSdp ? this.sealSdp(event.rtpAudioEndpoint, event.rtpAudioSdp) : sealUrl(this.cipher, event.rtpAudioEndpoint),
      destination: sealUrl(this.cipher, this.broadcast.voiceRtmpUrl),
      sourceKey,
      voiceRoomId: event.roomId,
      audioCodec: this.broadcast.audioCodec,
      audioBitrate: this.broadcast.audioBitrate,
    });
    await this.coordinator.enqueue(spec, `voice-${sourceKey.slice(0, 16)}-${event.eventId ?? 'none'}`);
    this.logger.log({ msg: 'voice broadcast requested', roomId: event.roomId });
  }

  /** The SDP rides in the stored audio URL; status and logs show the endpoint. */
  private sealSdp(endpoint: string, sdp: string): SealedUrl {
    const enc = this.cipher.encrypt(sdpInputUrl(sdp));
    if (!enc) throw new Error('STREAM_TOKEN_ENCRYPTION_KEY is unusable: URLs cannot be stored');
    return { enc, masked: `${endpoint} (SDP)` };
  }

  @EventPattern(ConsumedTopic.VoiceBroadcastStopped)
  async stopped(@Payload() payload: unknown): Promise<void> {
    const checked = checkVoiceStopped(payload);
    if (!checked.ok) {
      this.logger.warn({ msg: 'ignored voice.room.broadcast.stopped', reason: checked.reason });
      return;
    }
    const event = checked.value;
    const broadcastId = await this.state.sourceHolder(broadcastSourceKey({ voiceRoomId: event.roomId }));
    if (!broadcastId) return;
    const reason = event.reason === 'error' ? BroadcastStopReason.Error : event.reason === 'manual' ? BroadcastStopReason.Manual : BroadcastStopReason.ConsentRevoked;
    // Every worker receives the event: the first to get the lock stops it, the others find it stopped.
    const stopping = await this.state
      .requestChange(broadcastId, (spec) => (spec.desired === 'stopped' ? null : { ...spec, desired: 'stopped', stopReason: reason }))
      .catch((error: unknown) => {
        if (error instanceof BroadcastChangeError && error.reason === 'not-found') return null;
        throw error;
      });
    if (stopping) this.logger.log({ msg: 'voice broadcast stopping', roomId: event.roomId, broadcastId, reason });
  }
}
