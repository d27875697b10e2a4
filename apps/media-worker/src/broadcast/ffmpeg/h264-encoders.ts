/**
 * Per-encoder arguments for the H.264 encoders STREAM_BROADCAST_VIDEO_CODEC accepts. libx264 is GPL;
 * libopenh264 (BSD, Cisco) and the hardware encoders are usable in an LGPL FFmpeg build. Each encoder
 * takes different rate-control and latency options, so one set per encoder.
 */

/** VAAPI needs a device opened before the inputs (a global option). */
export const VAAPI_DEVICE = '/dev/dri/renderD128';

export interface H264Encode {
  codec: string;
  bitrate: string;
  gop: number;
  /** An image or black: nothing moves, so encoders that can tune for it do. */
  still: boolean;
}

/** Global options that must precede the inputs (empty for most encoders). */
export function encoderGlobalArgs(codec: string): string[] {
  return codec === 'h264_vaapi' ? ['-vaapi_device', VAAPI_DEVICE] : [];
}

/** The tail of the video filter chain: the pixel format the encoder takes (VAAPI: uploaded to the GPU). */
export function encoderPixelFilter(codec: string): string {
  if (codec === 'h264_vaapi') return 'format=nv12,hwupload';
  if (codec === 'h264_qsv') return 'format=nv12';
  return 'format=yuv420p';
}

/** `-c:v` and everything that goes with it. Fixed GOP (2 s) and no B-frames: platforms want steady keyframes, switches want low latency. */
export function encoderArgs({ codec, bitrate, gop, still }: H264Encode): string[] {
  const keyframes = ['-g', String(gop), '-keyint_min', String(gop)];
  const cbr = ['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', doubleBitrate(bitrate)];
  switch (codec) {
    case 'libx264':
    case 'libx264rgb':
      // zerolatency always: without it x264's lookahead holds the first keyframe back ~0.5 s, which is
      // frozen video at the destination on every switch to an encoded fallback.
      return ['-c:v', codec, '-preset', 'veryfast', '-tune', still ? 'stillimage,zerolatency' : 'zerolatency', ...keyframes, '-sc_threshold', '0', ...cbr];
    case 'libopenh264':
      // No -preset/-tune/-bufsize. Bitrate rate control; skipping frames would break the steady frame rate platforms expect.
      return ['-c:v', codec, '-rc_mode', 'bitrate', '-allow_skip_frames', '0', ...keyframes, '-b:v', bitrate, '-maxrate', bitrate];
    case 'h264_nvenc':
      return ['-c:v', codec, '-preset', 'p4', '-tune', 'll', '-rc', 'cbr', '-bf', '0', ...keyframes, ...cbr];
    case 'h264_qsv':
      return ['-c:v', codec, '-preset', 'veryfast', '-look_ahead', '0', '-bf', '0', ...keyframes, ...cbr];
    case 'h264_vaapi':
      return ['-c:v', codec, '-rc_mode', 'CBR', '-bf', '0', ...keyframes, ...cbr];
    default:
      // h264_v4l2m2m, h264_omx: generic options only.
      return ['-c:v', codec, ...keyframes, ...cbr];
  }
}

export function doubleBitrate(bitrate: string): string {
  const match = /^(\d+)([kKmM]?)$/.exec(bitrate);
  return match ? `${Number(match[1]) * 2}${match[2]}` : bitrate;
}
