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

/** What the FFmpeg at `ffmpegPath` is: version, licence-relevant configure flags, and whether it has `encoder`. */
export async function describeFfmpegBuild(ffmpegPath: string, encoder: string): Promise<FfmpegBuild> {
  const [buildconf, encoders] = await Promise.all([
    run(ffmpegPath, ['-hide_banner', '-buildconf'], { timeout: 5000 }).then((r) => r.stdout, () => ''),
    run(ffmpegPath, ['-hide_banner', '-encoders'], { timeout: 5000 }).then((r) => r.stdout, () => ''),
  ]);
  const version = await run(ffmpegPath, ['-hide_banner', '-version'], { timeout: 5000 }).then((r) => /ffmpeg version (\S+)/.exec(r.stdout)?.[1] ?? null, () => null);
  return parseBuild(version, buildconf, encoders, encoder);
}

export function parseBuild(version: string | null, buildconf: string, encoders: string, encoder: string): FfmpegBuild {
  const flags = buildconf.split(/\s+/).filter((flag) => flag.startsWith('--'));
  return {
    version,
    gpl: flags.includes('--enable-gpl'),
    nonfree: flags.includes('--enable-nonfree'),
    encoderPresent: encoders.split('\n').some((line) => line.trim().split(/\s+/)[1] === encoder),
    configuration: flags.join(' '),
  };
}
