import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';

import type { AppConfig } from '@lib-stream/nest-kit';

/** FFmpeg is a separate binary (LGPL process isolation); without it the worker runs but cannot broadcast. */
export function ffmpegAvailable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** STREAM_FFPROBE_PATH, or the ffprobe installed beside ffmpeg. */
export function ffprobePathFor(config: Pick<AppConfig, 'STREAM_FFPROBE_PATH' | 'STREAM_FFMPEG_PATH'>): string {
  return config.STREAM_FFPROBE_PATH || join(dirname(config.STREAM_FFMPEG_PATH), 'ffprobe');
}
