import { parseSegmentListLine } from './segment-list';

describe('parseSegmentListLine', () => {
  it('reads file, sequence and times of an FFmpeg csv segment-list line', () => {
    expect(parseSegmentListLine('seg-00012.ts,24.023222,26.023222')).toEqual({ file: 'seg-00012.ts', sequence: 12, start: 24.023222, end: 26.023222 });
  });

  it('refuses lines that are not one of our segments', () => {
    expect(parseSegmentListLine('"a,b.ts",0,2')).toBeNull();
    expect(parseSegmentListLine('other.ts,0,2')).toBeNull();
    expect(parseSegmentListLine('seg-00001.ts,4,2')).toBeNull();
    expect(parseSegmentListLine('seg-00001.ts,x,2')).toBeNull();
    expect(parseSegmentListLine('')).toBeNull();
  });
});
