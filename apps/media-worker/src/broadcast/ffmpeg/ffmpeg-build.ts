import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FfmpegBuild {
  version: string | null;
  /** `--enable-gpl` in the configuration: the build (libx264, libx265…) is GPL, not LGPL. */
  gpl: boolean;
  /** `--enable-nonfree`: not redistributable at all. */
  nonfree: boolean;
  /** The configured STREAM_BROADCAST_VIDEO_CODEC is in `ffmpeg -encoders`. */
  encoderPresent: boolean;
  configuration: string;
}

/**
 * What the FFmpeg at `ffmpegPath` is: version, licence-relevant configure flags, and whether it has
 * `encoder`. One run of `ffmpeg -encoders`: the banner it prints on stderr holds the version and the
 * configure flags (what `-version` and `-buildconf` print), stdout the encoders. Every media-worker
 * start runs this, and each FFmpeg start is ~0.2-0.3 CPU-s (three of them before).
 */
export async function describeFfmpegBuild(ffmpegPath: string, encoder: string): Promise<FfmpegBuild> {
  const { stdout, stderr } = await run(ffmpegPath, ['-encoders'], { timeout: 5000 }).catch(() => ({ stdout: '', stderr: '' }));
  const version = /ffmpeg version (\S+)/.exec(stderr)?.[1] ?? null;
  const configuration = /^\s*configuration:(.*)$/m.exec(stderr)?.[1] ?? '';
  return parseBuild(version, configuration, stdout, encoder);
}

/** `configure`: FFmpeg's configure flags, whitespace-separated (its banner's line or `-buildconf`'s list). */
export function parseBuild(version: string | null, configure: string, encoders: string, encoder: string): FfmpegBuild {
  const flags = configure.split(/\s+/).filter((flag) => flag.startsWith('--'));
  return {
    version,
    gpl: flags.includes('--enable-gpl'),
    nonfree: flags.includes('--enable-nonfree'),
    encoderPresent: encoders.split('\n').some((line) => line.trim().split(/\s+/)[1] === encoder),
    configuration: flags.join(' '),
  };
}
