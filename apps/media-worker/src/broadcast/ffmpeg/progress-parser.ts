/** One `-progress pipe:1` report (media.md §6): FFmpeg writes one about every second with `-stats_period 1`. */
export interface ProgressBlock {
  frame: number | null;
  fps: number | null;
  totalSizeBytes: number | null;
  outTimeUs: number | null;
  speed: number | null;
  dupFrames: number | null;
  dropFrames: number | null;
  bitrateKbps: number | null;
  /** `progress=end`: FFmpeg finished writing (a clean end of input, or the last report before an error exit). */
  end: boolean;
}

/** `'N/A'`, empty or unparsable → null. parseFloat also drops the units FFmpeg appends (`1.41x`, `2663.5kbits/s`). */
function numberOrNull(value: string | undefined): number | null {
  if (value === undefined) return null;
  const parsed = parseFloat(value.trim());
  return Number.isFinite(parsed) ? parsed : null;
}

/**
 * Incremental parser for FFmpeg's `-progress` output: `key=value` lines, each block terminated by
 * `progress=continue` or `progress=end`. Chunks from the pipe can split lines anywhere, so only
 * complete lines are consumed and the remainder is kept for the next push.
 */
export class ProgressParser {
  private partial = '';
  private fields = new Map<string, string>();

  push(chunk: string): ProgressBlock[] {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    const blocks: ProgressBlock[] = [];
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === 'progress') {
        blocks.push(this.toBlock(value === 'end'));
        this.fields = new Map();
      } else {
        this.fields.set(key, value);
      }
    }
    return blocks;
  }

  private toBlock(end: boolean): ProgressBlock {
    const f = this.fields;
    return {
      frame: numberOrNull(f.get('frame')),
      fps: numberOrNull(f.get('fps')),
      totalSizeBytes: numberOrNull(f.get('total_size')),
      // out_time_ms is misnamed: it is µs too in FFmpeg 5.1, so it is a drop-in fallback.
      outTimeUs: numberOrNull(f.get('out_time_us')) ?? numberOrNull(f.get('out_time_ms')),
      speed: numberOrNull(f.get('speed')),
      dupFrames: numberOrNull(f.get('dup_frames')),
      dropFrames: numberOrNull(f.get('drop_frames')),
      bitrateKbps: numberOrNull(f.get('bitrate')),
      end,
    };
  }
}
