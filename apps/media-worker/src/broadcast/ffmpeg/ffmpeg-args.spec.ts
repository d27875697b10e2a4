import { type EncodeSettings, pusherArgs, sourceArgs } from './ffmpeg-args';

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
