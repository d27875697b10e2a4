import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';

export interface FfmpegPublisher {
  child: ChildProcess;
  exited: Promise<number | string>;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * A synthetic camera (test pattern + tone, x264/AAC) publishing to an RTMP URL, as a real ffmpeg process,
 * with a keyframe every second. Small by default (320x180 at 15 fps): the suites run many cameras for
 * minutes on two cores, and a 640x360@30 encode costs about eight times the CPU; pass a size and rate
 * where they are what is tested.
 */
export function startRtmpPublisher(url: string, { size = '320x180', rate = 15 } = {}): FfmpegPublisher {
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`,
      '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(rate), '-pix_fmt', 'yuv420p', '-b:v', '600k',
      '-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '2',
      '-f', 'flv', '-tcp_nodelay', '1', url,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    exited,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Frame sizes a player reads from an RTMP URL within the time limit ([] when nothing could be read). */
export function readFrameSizes(url: string, { frames = 20, timeoutSeconds = 4 } = {}): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(
      'ffprobe',
      [
        '-v', 'error', '-rw_timeout', String(timeoutSeconds * 1_000_000), '-select_streams', 'v',
        '-read_intervals', `%+#${frames}`, '-show_entries', 'frame=width,height', '-of', 'csv=p=0', url,
      ],
      { timeout: (timeoutSeconds + 4) * 1000 },
      (_error, stdout) => resolve(String(stdout).split('\n').map((line) => line.trim().replace(/,+$/, '')).filter(Boolean)),
    );
  });
}

let mediaEnv: Record<string, string> | undefined;

/**
 * The FFmpeg settings tests and tools give the media worker: STREAM_TEST_FFMPEG_PATH (default: `ffmpeg`
 * on PATH, i.e. Debian's package) and the H.264 encoder that build has — `libopenh264` when present (an
 * LGPL build, see docker/build-ffmpeg-lgpl.sh), otherwise `libx264` (Debian's build is GPL). So the same
 * suites run against the production encoder when it is there: `STREAM_TEST_FFMPEG_PATH=/opt/ffmpeg-lgpl/bin/ffmpeg npm test`.
 */
export function testMediaEnv(): Record<string, string> {
  if (mediaEnv) return mediaEnv;
  const ffmpeg = process.env.STREAM_TEST_FFMPEG_PATH || resolveOnPath('ffmpeg');
  let encoders = '';
  try {
    encoders = execFileSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // No FFmpeg: leave the codec to its default; the tests that need FFmpeg fail with their own message.
  }
  mediaEnv = {
    STREAM_FFMPEG_PATH: ffmpeg,
    STREAM_BROADCAST_VIDEO_CODEC: /\blibopenh264\b/.test(encoders) ? 'libopenh264' : 'libx264',
  };
  return mediaEnv;
}

function resolveOnPath(binary: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || binary;
  } catch {
    return binary;
  }
}
