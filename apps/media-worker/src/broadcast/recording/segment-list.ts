/** One line of FFmpeg's `-segment_list_type csv`: `file,start,end` (seconds on the stream's timeline). */
export interface SegmentListEntry {
  file: string;
  sequence: number;
  start: number;
  end: number;
}

const SEGMENT_FILE = /^seg-(\d+)\.ts$/;

/**
 * Parses a segment-list line; null for anything that is not one of our segments (FFmpeg quotes a
 * file name holding a comma or a quote; ours never do, so such a line is not ours either).
 */
export function parseSegmentListLine(line: string): SegmentListEntry | null {
  const parts = line.trim().split(',');
  if (parts.length !== 3) return null;
  const [file, start, end] = parts;
  const match = SEGMENT_FILE.exec(file);
  const startSeconds = Number(start);
  const endSeconds = Number(end);
  if (!match || !Number.isFinite(startSeconds) || !Number.isFinite(endSeconds) || endSeconds < startSeconds) return null;
  return { file, sequence: Number(match[1]), start: startSeconds, end: endSeconds };
}
