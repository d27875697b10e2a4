import { parseBuild } from './ffmpeg-build';

const ENCODERS = ` V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V....D libopenh264          OpenH264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 A....D aac                  AAC (Advanced Audio Coding)`;

describe('parseBuild', () => {
  it('reads --enable-gpl and whether the configured encoder is there', () => {
    const gpl = parseBuild('5.1.9', '  configuration:\n    --prefix=/usr\n    --enable-gpl\n    --enable-libx264\n', ENCODERS, 'libx264');
    expect(gpl).toMatchObject({ gpl: true, nonfree: false, encoderPresent: true, configuration: '--prefix=/usr --enable-gpl --enable-libx264' });
    const lgpl = parseBuild('6.1', '  configuration:\n    --enable-libopenh264\n', ENCODERS, 'h264_vaapi');
    expect(lgpl).toMatchObject({ gpl: false, encoderPresent: false });
    expect(parseBuild(null, '', ENCODERS, 'libopenh264').encoderPresent).toBe(true);
    // The banner's one line, as describeFfmpegBuild reads it.
    expect(parseBuild('5.1.9', ' --prefix=/usr --enable-gpl --enable-nonfree', ENCODERS, 'aac')).toMatchObject({ gpl: true, nonfree: true, configuration: '--prefix=/usr --enable-gpl --enable-nonfree' });
  });
});
