import { type ProgressBlock, ProgressParser } from './progress-parser';

// The sample block of media.md §6.
const SAMPLE = [
  'frame=212',
  'fps=42.09',
  'stream_0_0_q=27.0',
  'bitrate=2663.5kbits/s',
  'total_size=2362152',
  'out_time_us=7095000',
  'out_time_ms=7095000',
  'out_time=00:00:07.095000',
  'dup_frames=0',
  'drop_frames=0',
  'speed=1.41x',
  'progress=continue',
  '',
].join('\n');

const SAMPLE_BLOCK: ProgressBlock = {
  frame: 212,
  fps: 42.09,
  totalSizeBytes: 2362152,
  outTimeUs: 7095000,
  speed: 1.41,
  dupFrames: 0,
  dropFrames: 0,
  bitrateKbps: 2663.5,
  end: false,
};

describe('ProgressParser', () => {
  it('parses the sample block', () => {
    expect(new ProgressParser().push(SAMPLE)).toEqual([SAMPLE_BLOCK]);
  });

  it('yields the same block whatever position the chunk is split at', () => {
    for (let at = 0; at <= SAMPLE.length; at++) {
      const parser = new ProgressParser();
      const blocks = [...parser.push(SAMPLE.slice(0, at)), ...parser.push(SAMPLE.slice(at))];
      expect({ at, blocks }).toEqual({ at, blocks: [SAMPLE_BLOCK] });
    }
  });

  it('handles one character per chunk and CRLF line ends', () => {
    const parser = new ProgressParser();
    const blocks = [...SAMPLE.replace(/\n/g, '\r\n')].flatMap((char) => parser.push(char));
    expect(blocks).toEqual([SAMPLE_BLOCK]);
  });

  it('maps N/A to null and reads padded values (first block of an encode)', () => {
    const first = 'frame=1\nfps=0.00\nbitrate=N/A\ntotal_size=N/A\nout_time_us=N/A\nout_time_ms=N/A\ndup_frames=0\ndrop_frames=0\nspeed=N/A\nprogress=continue\n';
    expect(new ProgressParser().push(first)).toEqual([
      { frame: 1, fps: 0, totalSizeBytes: null, outTimeUs: null, speed: null, dupFrames: 0, dropFrames: 0, bitrateKbps: null, end: false },
    ]);
    expect(new ProgressParser().push('speed=   0x\nbitrate= 123.4kbits/s\nprogress=continue\n')[0]).toMatchObject({ speed: 0, bitrateKbps: 123.4 });
  });

  it('returns two blocks pushed in one chunk, each with only its own fields', () => {
    const second = 'frame=242\nout_time_us=8095000\nspeed=1.2x\nprogress=continue\n';
    expect(new ProgressParser().push(SAMPLE + second)).toEqual([
      SAMPLE_BLOCK,
      { frame: 242, fps: null, totalSizeBytes: null, outTimeUs: 8095000, speed: 1.2, dupFrames: null, dropFrames: null, bitrateKbps: null, end: false },
    ]);
  });

  it('marks progress=end and falls back to out_time_ms (µs in FFmpeg 5.1)', () => {
    const parser = new ProgressParser();
    expect(parser.push('frame=45\nout_time_ms=1500000\nprogress=e')).toEqual([]);
    expect(parser.push('nd\n')).toEqual([expect.objectContaining({ frame: 45, outTimeUs: 1500000, end: true })]);
  });
});
