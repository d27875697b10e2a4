import { accessSync, constants } from 'node:fs';

/** FFmpeg is a separate binary (LGPL process isolation); without it the worker runs but cannot broadcast. */
export function ffmpegAvailable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
