/**
 * FFmpeg command lines of the broadcast topology (media.md §4c, §7): one source process publishes
 * the current cascade level to the broadcast's local program bus; one pusher per destination copies
 * the program bus to the platform.
 */

export interface EncodeSettings {
  videoCodec: string;
  videoBitrate: string;
  audioCodec: string;
  audioBitrate: string;
  width: number;
  height: number;
  fps: number;
}

/** A resolved video input (URLs opened): what the source process reads. */
export type ResolvedVideo =
  | { kind: 'stream'; url: string; copyVideo: boolean; hasAudio: boolean; copyAudio: boolean }
  | { kind: 'file'; path: string; copyVideo: boolean; hasAudio: boolean; copyAudio: boolean }
  | { kind: 'image'; path: string }
  | { kind: 'black' };

import { SDP_INPUT_ARGS, isSdpInputUrl } from '../sdp-input';
import { encoderArgs, encoderGlobalArgs, encoderPixelFilter } from './h264-encoders';

const isRtmp = (url: string) => /^rtmps?:\/\//i.test(url);

/**
 * HTTP(S) inputs follow no redirect (FFmpeg's http protocol option, 5.1+): the media policy checked the
 * host the URL names, and a 302 would otherwise lead FFmpeg to a host the policy never saw (loopback,
 * link-local metadata services).
 */
export const HTTP_INPUT_ARGS = ['-max_redirects', '0'];

/** Low-latency RTMP input: no Nagle, no long probing (TTFF 1.2 s → 0.25 s), bounded reads. */
export function rtmpInput(url: string, rwTimeoutUs: number): string[] {
  const tuned = ['-fpsprobesize', '0', '-analyzeduration', '500000', '-rw_timeout', String(rwTimeoutUs)];
  return url.startsWith('rtmp://') ? ['-tcp_nodelay', '1', ...tuned, '-i', url] : [...tuned, '-i', url];
}

function networkOrFileInput(url: string, rwTimeoutUs: number): string[] {
  if (isRtmp(url)) return rtmpInput(url, rwTimeoutUs);
  if (/^https?:\/\//i.test(url)) return [...HTTP_INPUT_ARGS, '-rw_timeout', String(rwTimeoutUs), '-i', url];
  if (isSdpInputUrl(url)) return [...SDP_INPUT_ARGS, '-i', url];
  return ['-i', url];
}

function flvOutput(url: string): string[] {
  const nodelay = url.startsWith('rtmp://') ? ['-tcp_nodelay', '1'] : [];
  return ['-f', 'flv', '-flvflags', 'no_duration_filesize', ...nodelay, url];
}

function videoEncode(settings: EncodeSettings, still: boolean): string[] {
  const codec = settings.videoCodec;
  const scale = `scale=${settings.width}:${settings.height}:force_original_aspect_ratio=decrease,pad=${settings.width}:${settings.height}:(ow-iw)/2:(oh-ih)/2,${encoderPixelFilter(codec)}`;
  return ['-vf', scale, '-r', String(settings.fps), ...encoderArgs({ codec, bitrate: settings.videoBitrate, gop: settings.fps * 2, still })];
}

function audioEncode(settings: EncodeSettings): string[] {
  return ['-c:a', settings.audioCodec, '-b:a', settings.audioBitrate, '-ar', '44100', '-ac', '2'];
}

/**
 * The source process for one cascade level. `audioUrl` (GameAudio/VoiceRoom, or an audio-only
 * camera) replaces the level's own sound; stills, black and video-only streams get silent audio so
 * the program always has both tracks. `endWithAudio`: the audio is the live part (an audio-only
 * camera over a looped picture), so the process ends when it does.
 */
export function sourceArgs(video: ResolvedVideo, audioUrl: string | null, programUrl: string, settings: EncodeSettings, { endWithAudio = false } = {}): string[] {
  const args: string[] = [];
  let copyVideo = false;
  let still = false;
  let ownAudio: 'copy' | 'encode' | null = null;
  switch (video.kind) {
    case 'stream':
      args.push(...networkOrFileInput(video.url, 3_000_000));
      copyVideo = video.copyVideo;
      ownAudio = video.hasAudio ? (video.copyAudio ? 'copy' : 'encode') : null;
      break;
    case 'file':
      args.push('-re', '-stream_loop', '-1', ...networkOrFileInput(video.path, 3_000_000));
      copyVideo = video.copyVideo;
      ownAudio = video.hasAudio ? (video.copyAudio ? 'copy' : 'encode') : null;
      break;
    case 'image':
      args.push('-re', '-loop', '1', '-framerate', String(settings.fps), ...networkOrFileInput(video.path, 3_000_000));
      still = true;
      break;
    case 'black':
      args.push('-re', '-f', 'lavfi', '-i', `color=c=black:s=${settings.width}x${settings.height}:r=${settings.fps}`);
      still = true;
      break;
  }
  let audioInput = 0;
  let copyAudio = false;
  // Two inputs where only one is finite: end with the finite one, or a dead live input would leave
  // the other running forever and the failure would never be seen.
  let shortest = false;
  if (audioUrl) {
    args.push(...networkOrFileInput(audioUrl, 3_000_000));
    audioInput = 1;
    shortest = endWithAudio;
  } else if (ownAudio) {
    copyAudio = ownAudio === 'copy';
  } else {
    args.push('-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo');
    audioInput = 1;
    shortest = video.kind === 'stream';
  }
  args.push('-map', '0:v:0', '-map', `${audioInput}:a:0`);
  args.push(...(copyVideo ? ['-c:v', 'copy'] : videoEncode(settings, still)));
  args.push(...(copyAudio ? ['-c:a', 'copy'] : audioEncode(settings)));
  if (shortest) args.push('-shortest');
  const globals = copyVideo ? [] : encoderGlobalArgs(settings.videoCodec);
  return [...globals, ...args, ...flvOutput(programUrl)];
}

/** The persistent pusher: program bus → one destination, copied (it only ever reconnects on its own failure). */
export function pusherArgs(programUrl: string, destinationUrl: string): string[] {
  return [...rtmpInput(programUrl, 15_000_000), '-map', '0', '-c', 'copy', ...flvOutput(destinationUrl)];
}

/**
 * A recorder: program bus → MPEG-TS segments `seg-%05d.ts` in `dir`, copied, cut at the first
 * keyframe after each `segmentSeconds`, numbered from `startNumber`. Each finished segment is listed
 * on pipe:3 as a CSV line `file,start,end` (seconds from this process's first packet) once its file
 * is closed: that line is the completion signal. MPEG-TS because a killed recorder leaves a segment
 * that plays up to its last packet; `flush_packets` writes every packet through at once, so that
 * segment really holds them (without it a SIGKILL 1.6 s into a segment left 0 bytes, with it 0.8 s of
 * playable video: FFmpeg's 32 KB write buffer).
 */
export function recorderArgs(programUrl: string, dir: string, segmentSeconds: number, startNumber: number): string[] {
  return [
    ...rtmpInput(programUrl, 15_000_000),
    '-map', '0', '-c', 'copy',
    '-f', 'segment', '-segment_format', 'mpegts', '-segment_format_options', 'flush_packets=1', '-segment_time', String(segmentSeconds),
    '-segment_start_number', String(startNumber), '-segment_list', 'pipe:3', '-segment_list_type', 'csv',
    `${dir}/seg-%05d.ts`,
  ];
}
