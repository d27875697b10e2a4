import { type ExecFileException, execFile } from 'node:child_process';

import { maskRtmpUrl, maskStreamKeysInText } from '@lib-stream/stream-key';

import { HTTP_INPUT_ARGS } from '../ffmpeg/ffmpeg-args';
import { SDP_INPUT_ARGS, isSdpInputUrl } from '../sdp-input';

export interface SourceProbe {
  video: { codec: string; width: number; height: number; fps: number | null } | null;
  audio: { codec: string; sampleRate: number; channels: number } | null;
  probeMs: number;
}

export type SourceProbeReason = 'unreachable' | 'timeout' | 'no_media' | 'ffprobe_missing';

export class SourceProbeError extends Error {
  override readonly name = 'SourceProbeError';

  constructor(
    readonly reason: SourceProbeReason,
    message: string,
  ) {
    super(message);
  }
}

// Measured on NMS: these cut an RTMP probe from ~340 ms to ~150 ms. They are protocol/RTMP options,
// which other inputs would reject.
const RTMP_TUNING = ['-tcp_nodelay', '1', '-fpsprobesize', '0', '-analyzeduration', '500000'];

interface ProbedStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

/** What a source (camera or fallback URL, media file, image) carries, read by ffprobe. */
export async function probeSource(ffprobePath: string, url: string, timeoutSeconds: number): Promise<SourceProbe> {
  const args = [
    '-v', 'error',
    // Without an I/O timeout ffprobe waits forever on an RTMP path nobody publishes to.
    '-rw_timeout', String(Math.round(timeoutSeconds * 1_000_000)),
    ...(/^rtmps?:\/\//i.test(url) ? RTMP_TUNING : []),
    ...(isSdpInputUrl(url) ? SDP_INPUT_ARGS : []),
    ...(/^https?:\/\//i.test(url) ? HTTP_INPUT_ARGS : []),
    '-show_entries', 'stream=codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate,sample_rate,channels',
    '-of', 'json',
    // With -i a source starting with "-" cannot be taken for an option.
    '-i', url,
  ];
  const startedAt = Date.now();
  // ffprobe can still hang past -rw_timeout (e.g. in a stalled handshake), hence the hard kill.
  const { error, stdout, stderr } = await run(ffprobePath, args, (timeoutSeconds + 1) * 1000);
  const probeMs = Date.now() - startedAt;

  const shown = displayUrl(url);
  const cause = lastErrorLine(stderr, url);
  const fail = (reason: SourceProbeReason, problem: string) => new SourceProbeError(reason, `Source ${shown} ${problem}${cause ? `: ${cause}` : ''}`);
  if (error?.code === 'ENOENT') throw new SourceProbeError('ffprobe_missing', `ffprobe not found at ${ffprobePath}`);
  if (error?.killed) throw fail('timeout', `did not answer within ${timeoutSeconds} s`);
  if (error) {
    if (/timed out/i.test(cause)) throw fail('timeout', `did not answer within ${timeoutSeconds} s`);
    if (/Invalid data found/i.test(cause)) throw fail('no_media', 'is not audio or video');
    throw fail('unreachable', 'is unreachable');
  }

  const streams = parseStreams(stdout);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio) throw fail('no_media', 'has no audio or video');
  return {
    video: video
      ? { codec: video.codec_name ?? 'unknown', width: video.width ?? 0, height: video.height ?? 0, fps: frameRate(video.avg_frame_rate) ?? frameRate(video.r_frame_rate) }
      : null,
    audio: audio ? { codec: audio.codec_name ?? 'unknown', sampleRate: Number(audio.sample_rate ?? 0), channels: audio.channels ?? 0 } : null,
    probeMs,
  };
}

/** A media file's duration in seconds (ffprobe), or null when it does not play. */
export async function probeDuration(ffprobePath: string, path: string): Promise<number | null> {
  const { error, stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], 10_000);
  if (error) return null;
  const duration = Number(stdout.trim());
  return Number.isFinite(duration) && duration > 0 ? duration : null;
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ error: ExecFileException | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
  });
}

function parseStreams(stdout: string): ProbedStream[] {
  try {
    return (JSON.parse(stdout) as { streams?: ProbedStream[] }).streams ?? [];
  } catch {
    return [];
  }
}

/** The source as a message may show it: stream keys masked, and no credentials or query string (tokens live there). */
function displayUrl(url: string): string {
  if (isSdpInputUrl(url)) return 'rtp (SDP)';
  return maskRtmpUrl(url.replace(/\?.*$/s, '').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1'));
}

/** ffprobe's last stderr line ("<url>: Connection refused") without the URL, keys or query strings. */
function lastErrorLine(stderr: string, url: string): string {
  const line = stderr.trim().split('\n').pop() ?? '';
  const withoutUrl = line.split(url).join('').replace(/\?\S*/g, '');
  return maskStreamKeysInText(withoutUrl).replace(/^:\s*/, '').trim().slice(0, 200);
}

/** "30000/1001" → 29.97; "0/0" → null. */
function frameRate(value: string | undefined): number | null {
  const [num, den] = (value ?? '').split('/').map(Number);
  return num > 0 && den > 0 ? Math.round((num / den) * 100) / 100 : null;
}
