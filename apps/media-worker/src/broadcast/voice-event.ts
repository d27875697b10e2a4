import { sdpProblem } from './sdp-input';

/**
 * The voice service's events, checked before anything is logged, queued or given to FFmpeg: a room's
 * audio is RTP only (FFmpeg would otherwise fetch an http:// URL or open a file on the worker), and
 * every field is bounded (a 200,000-character value would be logged whole, or fail only at spawn).
 */
export const MAX_ROOM_ID_LENGTH = 128;
export const MAX_EVENT_ID_LENGTH = 128;
export const MAX_RTP_ENDPOINT_LENGTH = 256;

const ID = /^[\w.:-]+$/;
// host:port only: no path, credentials or query (FFmpeg's rtp:// options, e.g. localaddr, live there).
const RTP_ENDPOINT = /^rtp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export interface VoiceApproved {
  roomId: string;
  eventId: string | null;
  rtpAudioEndpoint: string;
  /** SDP text for a dynamic payload type (Opus); without it the stream must use a static one (G.711). */
  rtpAudioSdp: string | null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Null when usable, else why not (the value itself is never echoed). */
export function rtpEndpointProblem(value: string): string | null {
  if (value.length > MAX_RTP_ENDPOINT_LENGTH) return `is longer than ${MAX_RTP_ENDPOINT_LENGTH} characters`;
  const match = RTP_ENDPOINT.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) return 'must be an rtp://host:port URL (RTP audio only)';
  return null;
}

function idProblem(name: string, value: unknown, max: number): string | null {
  if (typeof value !== 'string' || value === '') return `needs ${name}`;
  if (value.length > max) return `${name} is longer than ${max} characters`;
  return ID.test(value) ? null : `${name} may hold only letters, digits and . _ : -`;
}

export function checkVoiceApproved(event: unknown): Checked<VoiceApproved> {
  const e = (event ?? {}) as Record<string, unknown>;
  const roomProblem = idProblem('roomId', e.roomId, MAX_ROOM_ID_LENGTH);
  if (roomProblem) return { ok: false, reason: roomProblem };
  if (e.eventId !== undefined && e.eventId !== null) {
    const eventProblem = idProblem('eventId', e.eventId, MAX_EVENT_ID_LENGTH);
    if (eventProblem) return { ok: false, reason: eventProblem };
  }
  if (typeof e.rtpAudioEndpoint !== 'string' || e.rtpAudioEndpoint === '') return { ok: false, reason: 'needs rtpAudioEndpoint' };
  const endpointProblem = rtpEndpointProblem(e.rtpAudioEndpoint);
  if (endpointProblem) return { ok: false, reason: `rtpAudioEndpoint ${endpointProblem}` };
  let rtpAudioSdp: string | null = null;
  if (e.rtpAudioSdp !== undefined && e.rtpAudioSdp !== null) {
    if (typeof e.rtpAudioSdp !== 'string') return { ok: false, reason: 'rtpAudioSdp must be SDP text' };
    const problem = sdpProblem(e.rtpAudioSdp, e.rtpAudioEndpoint);
    if (problem) return { ok: false, reason: `rtpAudioSdp ${problem}` };
    rtpAudioSdp = e.rtpAudioSdp;
  }
  return { ok: true, value: { roomId: e.roomId as string, eventId: (e.eventId as string | undefined) ?? null, rtpAudioEndpoint: e.rtpAudioEndpoint, rtpAudioSdp } };
}

export function checkVoiceStopped(event: unknown): Checked<{ roomId: string; reason: string | null }> {
  const e = (event ?? {}) as Record<string, unknown>;
  const roomProblem = idProblem('roomId', e.roomId, MAX_ROOM_ID_LENGTH);
  if (roomProblem) return { ok: false, reason: roomProblem };
  return { ok: true, value: { roomId: e.roomId as string, reason: typeof e.reason === 'string' ? e.reason.slice(0, 32) : null } };
}
