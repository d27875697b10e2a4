import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MediaSourceSettings, loadConfig } from '@lib-stream/nest-kit';

import { addressClass } from './address-class';
import { MediaPolicy, type MediaPolicySettings, PolicyRefusal, mediaPolicySettings } from './media-policy';

describe('addressClass', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['127.0.0.1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['::1', 'private'],
    ['fd12::1', 'private'],
    ['169.254.169.254', 'forbidden'],
    ['100.100.100.200', 'forbidden'],
    ['fd00:ec2::254', 'forbidden'],
    ['0.0.0.0', 'forbidden'],
    ['::', 'forbidden'],
    ['fe80::1', 'forbidden'],
    ['224.0.0.1', 'forbidden'],
    ['::ffff:7f00:1', 'private'],
    ['::ffff:169.254.169.254', 'forbidden'],
    ['64:ff9b::a9fe:a9fe', 'forbidden'],
    ['not-an-ip', 'forbidden'],
  ])('%s is %s', (address, expected) => expect(addressClass(address)).toBe(expected));
});

describe('MediaPolicy', () => {
  const dns: Record<string, string[]> = {
    'cdn.example.com': ['93.184.216.34'],
    'inside.example.com': ['10.0.0.5'],
    'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
    'metadata.example.com': ['169.254.169.254'],
    'media.internal': ['10.0.0.9'],
  };
  const resolve = (host: string) => (dns[host] ? Promise.resolve(dns[host]) : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' })));
  let root: string;
  let mediaDir: string;
  const settings = (extra: Partial<MediaPolicySettings> = {}): MediaPolicySettings => ({
    sourceSchemes: new Set(['rtmp', 'rtmps', 'http', 'https', 'file']),
    allowedHosts: { names: new Set(), ranges: [] },
    allowPrivateHosts: false,
    mediaDir,
    ...extra,
  });
  const refusal = async (check: Promise<unknown>) => {
    const error = await check.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyRefusal);
    return (error as PolicyRefusal).reason;
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'media-policy-'));
    mediaDir = join(root, 'media');
    mkdirSync(join(mediaDir, 'sub'), { recursive: true });
    mkdirSync(join(root, 'media-evil'));
    writeFileSync(join(mediaDir, 'bg.mp4'), 'x');
    writeFileSync(join(mediaDir, 'sub', 'slate.png'), 'x');
    writeFileSync(join(root, 'media-evil', 'x.mp4'), 'x');
    writeFileSync(join(root, 'secret.txt'), 'x');
    symlinkSync(join(root, 'secret.txt'), join(mediaDir, 'escape.mp4'));
    symlinkSync(join(mediaDir, 'bg.mp4'), join(mediaDir, 'alias.mp4'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('allows public hosts and refuses loopback, private, link-local and metadata hosts, by name too', async () => {
    const policy = new MediaPolicy(settings(), resolve);
    await expect(policy.checkSource('https://cdn.example.com/bg.mp4')).resolves.toBeUndefined();
    await expect(policy.checkSource('rtmp://cdn.example.com/live/x')).resolves.toBeUndefined();
    for (const url of [
      'http://127.0.0.1:6379/',
      'http://localhost.localdomain.invalid/',
      'http://[::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://2130706433/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://inside.example.com/x',
      'http://mixed.example.com/x',
      'rtmp://10.0.0.1/live/x',
    ]) {
      expect({ url, reason: await refusal(policy.checkSource(url)) }).toEqual({ url, reason: url.includes('invalid') ? 'unreachable' : 'not_allowed' });
    }
  });

  it('allows loopback and private hosts by setting, never link-local; listed hosts and ranges always', async () => {
    const open = new MediaPolicy(settings({ allowPrivateHosts: true }), resolve);
    await expect(open.checkSource('http://127.0.0.1:8080/a.mp4')).resolves.toBeUndefined();
    await expect(open.checkSource('http://inside.example.com/x')).resolves.toBeUndefined();
    expect(await refusal(open.checkSource('http://metadata.example.com/'))).toBe('not_allowed');
    expect(await refusal(open.checkDestination('rtmp://169.254.169.254/app/key'))).toBe('not_allowed');

    const listed = new MediaPolicy(settings({ allowedHosts: { names: new Set(['media.internal']), ranges: [(a) => a.startsWith('10.0.0.')] } }), resolve);
    await expect(listed.checkSource('http://media.internal/x.mp4')).resolves.toBeUndefined();
    await expect(listed.checkSource('http://inside.example.com/x')).resolves.toBeUndefined();
    expect(await refusal(listed.checkSource('http://127.0.0.1/x'))).toBe('not_allowed');
  });

  it('limits source schemes by setting', async () => {
    const policy = new MediaPolicy(settings({ sourceSchemes: new Set(['https']) }), resolve);
    await expect(policy.checkSource('https://cdn.example.com/x.mp4')).resolves.toBeUndefined();
    expect(await refusal(policy.checkSource('http://cdn.example.com/x.mp4'))).toBe('not_allowed');
    expect(await refusal(policy.checkSource(join(mediaDir, 'bg.mp4')))).toBe('not_allowed');
    expect(await refusal(policy.checkSource('ftp://cdn.example.com/x'))).toBe('not_allowed');
  });

  it('reads files only inside the media directory: no .., no symlink escape, no devices', async () => {
    const policy = new MediaPolicy(settings(), resolve);
    await expect(policy.checkSource(join(mediaDir, 'bg.mp4'))).resolves.toBeUndefined();
    await expect(policy.checkSource(join(mediaDir, 'sub', 'slate.png'))).resolves.toBeUndefined();
    await expect(policy.checkSource(join(mediaDir, 'alias.mp4'))).resolves.toBeUndefined();
    for (const path of [
      '/etc/passwd',
      '/proc/self/environ',
      '/dev/zero',
      `${mediaDir}/../secret.txt`,
      `${mediaDir}/sub/../bg.mp4`,
      `${mediaDir}//bg.mp4`,
      `${mediaDir}-evil/x.mp4`,
      join(mediaDir, 'escape.mp4'),
      join(mediaDir, 'sub'),
    ]) {
      expect({ path, reason: await refusal(policy.checkSource(path)) }).toEqual({ path, reason: 'not_allowed' });
    }
    expect(await refusal(policy.checkSource(join(mediaDir, 'missing.mp4')))).toBe('unreachable');
  });

  it('requires lower-case rtmp(s) destinations with an app and a stream key, and returns the vetted addresses', async () => {
    const policy = new MediaPolicy(settings(), resolve);
    await expect(policy.checkDestination('rtmp://cdn.example.com/app/key')).resolves.toEqual(['93.184.216.34']);
    await expect(policy.checkDestination('rtmps://cdn.example.com:443/app/inst/key')).resolves.toEqual(['93.184.216.34']);
    for (const url of ['RTMP://cdn.example.com/app/key', 'rtmp://cdn.example.com/app', 'rtmp://cdn.example.com/app/', 'http://cdn.example.com/app/key', 'rtmp://127.0.0.1/app/key']) {
      expect({ url, reason: await refusal(policy.checkDestination(url)) }).toEqual({ url, reason: 'not_allowed' });
    }
  });

  it('reads its settings; the media directory defaults to that of STREAM_DEFAULT_BACKGROUND_VIDEO', () => {
    const config = loadConfig({ STREAM_DEFAULT_BACKGROUND_VIDEO: '/srv/media/bg.mp4', STREAM_MEDIA_ALLOWED_HOSTS: 'media.internal, 10.0.0.0/8' });
    const read = mediaPolicySettings(new MediaSourceSettings(config));
    expect(read).toMatchObject({ mediaDir: '/srv/media', allowPrivateHosts: false });
    expect([...read.sourceSchemes]).toEqual(['rtmp', 'rtmps', 'http', 'https', 'file']);
    expect([...read.allowedHosts.names]).toEqual(['media.internal']);
    expect(read.allowedHosts.ranges.map((inRange) => inRange('10.2.3.4'))).toEqual([true]);
    expect(mediaPolicySettings(new MediaSourceSettings(loadConfig({ STREAM_MEDIA_DIR: '/opt/media', STREAM_MEDIA_ALLOW_PRIVATE_HOSTS: 'true' })))).toMatchObject({ mediaDir: '/opt/media', allowPrivateHosts: true });
    expect(() => loadConfig({ STREAM_MEDIA_ALLOWED_HOSTS: 'http://media.internal/' })).toThrow(/STREAM_MEDIA_ALLOWED_HOSTS/);
    expect(() => loadConfig({ STREAM_MEDIA_SOURCE_SCHEMES: 'https,ftp' })).toThrow(/STREAM_MEDIA_SOURCE_SCHEMES/);
    expect(() => loadConfig({ STREAM_MEDIA_DIR: 'media' })).toThrow(/STREAM_MEDIA_DIR/);
  });
});
