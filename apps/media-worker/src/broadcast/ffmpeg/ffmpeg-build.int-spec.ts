// Runs this machine's ffmpeg (an integration spec: needs FFmpeg installed).
import { describeFfmpegBuild } from './ffmpeg-build';

describe('describeFfmpegBuild', () => {
  it("reads this machine's ffmpeg", async () => {
    const build = await describeFfmpegBuild('ffmpeg', 'aac');
    expect(build.version).toMatch(/^\d|^n\d|^N-/);
    expect(build.encoderPresent).toBe(true);
    expect(build.configuration).toContain('--');
  });

  it('says nothing is there for a missing binary', async () => {
    expect(await describeFfmpegBuild('/nonexistent/ffmpeg', 'libx264')).toMatchObject({ version: null, gpl: false, encoderPresent: false, configuration: '' });
  });
});
