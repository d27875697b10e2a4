/**
 * Codec names for what a publisher's onMetaData says. node-media-server 4.4.3 copies
 * `videocodecid`/`audiocodecid` onto the session as sent: FFmpeg and most encoders send the FLV
 * CodecID/SoundFormat number, Enhanced-RTMP encoders (OBS ≥ 29) a FourCC, as a number or as text.
 * The value is the client's: anything unrecognised is `unknown`, never echoed.
 */
const FLV_VIDEO: Record<number, string> = { 2: 'flv1', 3: 'screenvideo', 4: 'vp6', 5: 'vp6a', 6: 'screenvideo2', 7: 'h264', 12: 'hevc', 13: 'av1' };
const FLV_AUDIO: Record<number, string> = {
  0: 'pcm', 1: 'adpcm_swf', 2: 'mp3', 3: 'pcm_s16le', 4: 'nellymoser', 5: 'nellymoser', 6: 'nellymoser',
  7: 'pcm_alaw', 8: 'pcm_mulaw', 10: 'aac', 11: 'speex', 13: 'opus', 14: 'mp3',
};
const FOURCC_VIDEO: Record<string, string> = { avc1: 'h264', hvc1: 'hevc', av01: 'av1', vp09: 'vp9' };
const FOURCC_AUDIO: Record<string, string> = { mp4a: 'aac', Opus: 'opus', '.mp3': 'mp3', fLaC: 'flac', 'ac-3': 'ac3', 'ec-3': 'eac3' };

export function videoCodecName(id: unknown): string | null {
  return codecName(id, FLV_VIDEO, FOURCC_VIDEO);
}

export function audioCodecName(id: unknown): string | null {
  return codecName(id, FLV_AUDIO, FOURCC_AUDIO);
}

/** null when the publisher reported nothing (no onMetaData, or 0 = none). */
function codecName(id: unknown, flv: Record<number, string>, fourCcs: Record<string, string>): string | null {
  if (id === undefined || id === null || id === 0 || id === '') return null;
  if (typeof id === 'string') return fourCcs[id] ?? (/^\d+$/.test(id) ? codecName(Number(id), flv, fourCcs) : 'unknown');
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return 'unknown';
  if (id in flv) return flv[id];
  return id > 0xffffff ? (fourCcs[fourCcText(id)] ?? 'unknown') : 'unknown';
}

/** A FourCC sent as a number (big-endian, e.g. 0x61766331 = "avc1"). */
function fourCcText(id: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(id >>> 0);
  return bytes.toString('latin1');
}
