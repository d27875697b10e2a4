import { type EncodeSettings, pusherArgs, recorderArgs, sourceArgs } from './ffmpeg-args';

const settings: EncodeSettings = { videoCodec: 'libx264', videoBitrate: '2500k', audioCodec: 'aac', audioBitrate: '128k', width: 1280, height: 720, fps: 30 };
const program = 'rtmp://127.0.0.1:1935/program/token';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('sourceArgs', () => {
  it('copies a live H.264/AAC camera with the low-latency input flags and no transcode', () => {
    const args = sourceArgs({ kind: 'stream', url: 'rtmp://10.0.0.5:1935/live/sk_x', copyVideo: true, hasAudio: true, copyAudio: true }, null, program, settings);
    expect(args.slice(0, 10)).toEqual(['-tcp_nodelay', '1', '-fpsprobesize', '0', '-analyzeduration', '500000', '-rw_timeout', '3000000', '-i', 'rtmp://10.0.0.5:1935/live/sk_x']);
    expect(after(args, '-c:v')).toBe('copy');
    expect(after(args, '-c:a')).toBe('copy');
    expect(args).not.toContain('-re');
    expect(args.slice(-7)).toEqual(['-f', 'flv', '-flvflags', 'no_duration_filesize', '-tcp_nodelay', '1', program]);
  });

  it('encodes black at the configured size with silent audio, paced in real time', () => {
    const args = sourceArgs({ kind: 'black' }, null, program, settings);
    expect(args).toEqual(expect.arrayContaining(['-re', 'color=c=black:s=1280x720:r=30', 'anullsrc=r=44100:cl=stereo']));
    expect(after(args, '-c:v')).toBe('libx264');
    expect(after(args, '-b:v')).toBe('2500k');
    expect(after(args, '-bufsize')).toBe('5000k');
    expect(after(args, '-g')).toBe('60');
    expect(after(args, '-c:a')).toBe('aac');
    expect(args).toEqual(expect.arrayContaining(['-map', '0:v:0', '-map', '1:a:0']));
  });

  it('lays game audio over a looped background file, the audio always encoded', () => {
    const args = sourceArgs({ kind: 'file', path: '/srv/loop.mp4', copyVideo: true, hasAudio: true, copyAudio: true }, 'rtmp://game/audio/a', program, settings);
    expect(args.slice(0, 5)).toEqual(['-re', '-stream_loop', '-1', '-i', '/srv/loop.mp4']);
    expect(args).toEqual(expect.arrayContaining(['-map', '0:v:0', '-map', '1:a:0']));
    expect(after(args, '-c:v')).toBe('copy');
    expect(after(args, '-c:a')).toBe('aac');
  });

  it('loops a still image tuned for stills and without lookahead delay', () => {
    const args = sourceArgs({ kind: 'image', path: '/srv/brb.png' }, null, program, settings);
    expect(args.slice(0, 7)).toEqual(['-re', '-loop', '1', '-framerate', '30', '-i', '/srv/brb.png']);
    expect(after(args, '-tune')).toBe('stillimage,zerolatency');
  });
});

describe('sourceArgs: HTTP inputs', () => {
  it('tell FFmpeg to follow no redirect, for a file and for game audio alike', () => {
    const args = sourceArgs({ kind: 'file', path: 'https://cdn.example/loop.mp4', copyVideo: true, hasAudio: true, copyAudio: true }, 'http://game.example/audio', 'rtmp://127.0.0.1/program/x', settings);
    const httpInputs = args.flatMap((a, i) => (a === '-i' && /^https?:/.test(args[i + 1]) ? [i] : []));
    expect(httpInputs).toHaveLength(2);
    let previous = -1;
    for (const i of httpInputs) {
      const own = args.slice(previous + 1, i); // this input's options
      expect(own).toContain('-max_redirects');
      expect(own[own.indexOf('-max_redirects') + 1]).toBe('0');
      previous = i;
    }
  });
});

describe('sourceArgs: cameras missing a track', () => {
  it('puts silent audio under a video-only camera and ends with the camera', () => {
    const args = sourceArgs({ kind: 'stream', url: 'rtmp://10.0.0.5:1935/live/sk_x', copyVideo: true, hasAudio: false, copyAudio: false }, null, program, settings);
    expect(args).toEqual(expect.arrayContaining(['anullsrc=r=44100:cl=stereo', '-map', '0:v:0', '-map', '1:a:0', '-shortest']));
    expect(after(args, '-c:v')).toBe('copy');
    expect(after(args, '-c:a')).toBe('aac');
  });

  it('lays an audio-only camera under a still picture and ends when the camera\'s audio does', () => {
    const args = sourceArgs({ kind: 'image', path: '/srv/brb.png' }, 'rtmp://127.0.0.1:1935/live/sk_x', program, settings, { endWithAudio: true });
    expect(args).toEqual(expect.arrayContaining(['-map', '0:v:0', '-map', '1:a:0', '-shortest']));
    expect(args).not.toContain('anullsrc=r=44100:cl=stereo');
    expect(args[args.indexOf('rtmp://127.0.0.1:1935/live/sk_x') - 1]).toBe('-i');
  });

  it('keeps game audio over a loop running when the audio ends (no -shortest)', () => {
    const args = sourceArgs({ kind: 'file', path: '/srv/loop.mp4', copyVideo: true, hasAudio: true, copyAudio: true }, 'rtmp://game/audio/a', program, settings);
    expect(args).not.toContain('-shortest');
  });
});

describe('sourceArgs: H.264 encoders (LGPL builds have no libx264)', () => {
  const black = (videoCodec: string) => sourceArgs({ kind: 'black' }, null, program, { ...settings, videoCodec });

  it('gives libopenh264 bitrate rate control and no x264-only options', () => {
    const args = black('libopenh264');
    expect(after(args, '-c:v')).toBe('libopenh264');
    expect(after(args, '-b:v')).toBe('2500k');
    expect(after(args, '-rc_mode')).toBe('bitrate');
    expect(after(args, '-allow_skip_frames')).toBe('0');
    expect(after(args, '-g')).toBe('60');
    expect(args).not.toContain('-preset');
    expect(args).not.toContain('-tune');
    expect(args).not.toContain('-bufsize');
    expect(after(args, '-vf')).toMatch(/,format=yuv420p$/);
  });

  it('opens the VAAPI device before the inputs and uploads frames to it', () => {
    const args = black('h264_vaapi');
    expect(args.slice(0, 2)).toEqual(['-vaapi_device', '/dev/dri/renderD128']);
    expect(after(args, '-vf')).toMatch(/format=nv12,hwupload$/);
    expect(after(args, '-rc_mode')).toBe('CBR');
    expect(after(args, '-bf')).toBe('0');
    expect(args).not.toContain('-tune');
  });

  it('uses low-latency CBR on NVENC and nv12 without lookahead on QSV', () => {
    const nvenc = black('h264_nvenc');
    expect([after(nvenc, '-preset'), after(nvenc, '-tune'), after(nvenc, '-rc'), after(nvenc, '-bf')]).toEqual(['p4', 'll', 'cbr', '0']);
    const qsv = black('h264_qsv');
    expect([after(qsv, '-preset'), after(qsv, '-look_ahead'), after(qsv, '-bf')]).toEqual(['veryfast', '0', '0']);
    expect(after(qsv, '-vf')).toMatch(/format=nv12$/);
  });

  it('needs no encoder at all when everything is copied', () => {
    const args = sourceArgs({ kind: 'stream', url: 'rtmp://10.0.0.5:1935/live/sk_x', copyVideo: true, hasAudio: true, copyAudio: true }, null, program, { ...settings, videoCodec: 'h264_vaapi' });
    expect(args).not.toContain('-vaapi_device');
    expect(args.filter((a) => a === '-c:v' || a === '-c:a').map((flag) => after(args, flag))).toEqual(['copy', 'copy']);
    expect(pusherArgs(program, 'rtmp://x/app/k')).not.toContain('-c:v');
  });
});

describe('pusherArgs', () => {
  it('copies the program bus to the destination without tcp_nodelay on rtmps', () => {
    const args = pusherArgs(program, 'rtmps://live.example/app/key');
    expect(args).toContain(program);
    expect(after(args, '-c')).toBe('copy');
    expect(after(args, '-rw_timeout')).toBe('15000000');
    // Only the local input gets -tcp_nodelay: the TLS protocol does not take it.
    expect(args.filter((a) => a === '-tcp_nodelay')).toHaveLength(1);
    expect(args.slice(-5)).toEqual(['-f', 'flv', '-flvflags', 'no_duration_filesize', 'rtmps://live.example/app/key']);
  });
});

describe('recorderArgs', () => {
  const args = recorderArgs('rtmp://127.0.0.1:1935/program/t', '/rec/b/r', 4, 7);

  it('copies the program bus into numbered MPEG-TS segments, listing each finished one on pipe:3', () => {
    expect(args.join(' ')).toContain('-i rtmp://127.0.0.1:1935/program/t -map 0 -c copy -f segment -segment_format mpegts');
    expect(args.join(' ')).toContain('-segment_time 4 -segment_start_number 7 -segment_list pipe:3 -segment_list_type csv');
    expect(args.at(-1)).toBe('/rec/b/r/seg-%05d.ts');
  });

  it('writes every packet through, so a killed recorder leaves a playable segment', () => {
    expect(args.join(' ')).toContain('-segment_format_options flush_packets=1');
  });
});
