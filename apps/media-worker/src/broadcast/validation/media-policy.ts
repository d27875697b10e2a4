import { lookup } from 'node:dns/promises';
import { realpath, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { isAbsolute, normalize, sep } from 'node:path';

import type { MediaSourceSettings } from '@lib-stream/nest-kit';

import { addressClass, cidrMatcher } from './address-class';

/**
 * What a broadcast may read from and send to. An admin's URL must not turn the worker into a probe
 * of its own network or files: sources are limited by scheme, host (DNS-resolved, so a public name
 * pointing inside is caught) and, for files, to one media directory; destinations by host.
 */
export type PolicyRefusalReason = 'not_allowed' | 'unreachable';

/** Says only "not allowed" or "unreachable": nothing about what is behind the URL. */
export class PolicyRefusal extends Error {
  override readonly name = 'PolicyRefusal';

  constructor(
    readonly reason: PolicyRefusalReason,
    /** For the worker's log only. */
    readonly detail: string,
  ) {
    super(reason === 'not_allowed' ? 'is not allowed' : 'is unreachable');
  }
}

export interface MediaPolicySettings {
  /** rtmp, rtmps, http, https, file (an absolute path inside mediaDir). */
  sourceSchemes: ReadonlySet<string>;
  /** Host names (lower case) and address ranges allowed even when they resolve to private addresses. */
  allowedHosts: { names: ReadonlySet<string>; ranges: ((address: string) => boolean)[] };
  /** Loopback and private ranges allowed for every host (tests, single-box setups). Link-local never. */
  allowPrivateHosts: boolean;
  mediaDir: string;
}

export const SOURCE_SCHEMES = ['rtmp', 'rtmps', 'http', 'https', 'file'] as const;

/** The policy's lookup structures from the MediaSourceSettings slice: allowed hosts split into names and CIDR matchers. */
export function mediaPolicySettings(media: MediaSourceSettings): MediaPolicySettings {
  const entries = media.allowedHosts;
  const ranges = entries.map(cidrMatcher).filter((m): m is (address: string) => boolean => m !== null);
  return {
    sourceSchemes: new Set(media.sourceSchemes),
    allowedHosts: { names: new Set(entries.filter((e) => cidrMatcher(e) === null)), ranges },
    allowPrivateHosts: media.allowPrivateHosts,
    mediaDir: media.mediaDir,
  };
}

export type HostResolver = (host: string) => Promise<string[]>;

const resolveAll: HostResolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export class MediaPolicy {
  constructor(
    private readonly settings: MediaPolicySettings,
    private readonly resolve: HostResolver = resolveAll,
  ) {}

  /**
   * A source URL or path; throws PolicyRefusal. Cameras never come here: they are read by id from
   * the registry (a camera named by its ingest URL is turned into its id before validation).
   */
  async checkSource(url: string): Promise<void> {
    if (url.startsWith('/')) {
      if (!this.settings.sourceSchemes.has('file')) throw refuse('local files are not an allowed source scheme');
      return this.checkFile(url);
    }
    const parsed = parseUrl(url);
    const scheme = parsed.protocol.slice(0, -1);
    if (!['rtmp', 'rtmps', 'http', 'https'].includes(scheme)) throw refuse(`scheme ${scheme} is not a media source`);
    if (!this.settings.sourceSchemes.has(scheme)) throw refuse(`scheme ${scheme} is not in STREAM_MEDIA_SOURCE_SCHEMES`);
    await this.checkHost(hostOf(parsed));
  }

  /**
   * An RTMP(S) destination with a stream key. Returns the vetted addresses, so the caller connects
   * to one of them and not to whatever the name resolves to next.
   */
  async checkDestination(url: string): Promise<string[]> {
    const parsed = parseUrl(url);
    if (parsed.protocol !== 'rtmp:' && parsed.protocol !== 'rtmps:') throw refuse('a destination must be rtmp:// or rtmps://');
    if (!/^rtmps?:\/\//.test(url)) throw refuse('the scheme must be lower case (FFmpeg knows no "RTMP" protocol)');
    const [, app, ...key] = parsed.pathname.split('/');
    if (!app || key.join('/') === '') throw refuse('a destination needs an application and a stream key');
    return this.checkHost(hostOf(parsed));
  }

  /** Every address the name resolves to must be allowed: the connection may use any of them. */
  async checkHost(host: string): Promise<string[]> {
    const { names, ranges } = this.settings.allowedHosts;
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolve(host);
    } catch (error) {
      throw new PolicyRefusal('unreachable', `host name not resolved (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (addresses.length === 0) throw new PolicyRefusal('unreachable', 'host name has no address');
    if (names.has(host.toLowerCase())) return addresses;
    for (const address of addresses) {
      if (ranges.some((inRange) => inRange(address))) continue;
      const kind = addressClass(address);
      if (kind === 'forbidden' || (kind === 'private' && !this.settings.allowPrivateHosts)) throw refuse(`resolves to a ${kind} address`);
    }
    return addresses;
  }

  /** A regular file inside the media directory, also after following symlinks. */
  async checkFile(path: string): Promise<void> {
    // Refused rather than normalised: a path that needs normalising was not written for this directory.
    if (!isAbsolute(path) || normalize(path) !== path || path.split('/').includes('..')) throw refuse('path is not normalised');
    const inside = (dir: string, file: string) => file.startsWith(dir.endsWith(sep) ? dir : dir + sep);
    if (!inside(this.settings.mediaDir, path)) throw refuse('path is outside the media directory');
    let real: string;
    let realDir: string;
    try {
      [real, realDir] = await Promise.all([realpath(path), realpath(this.settings.mediaDir)]);
    } catch (error) {
      throw new PolicyRefusal('unreachable', `file not found (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!inside(realDir, real)) throw refuse('a symlink leads outside the media directory');
    if (!(await stat(real)).isFile()) throw refuse('not a regular file');
  }
}

function refuse(detail: string): PolicyRefusal {
  return new PolicyRefusal('not_allowed', detail);
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw refuse('not a URL');
  }
}

/** The host without IPv6 brackets; special schemes (http) already normalised 0x7f.1 and the like. */
function hostOf(url: URL): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw refuse('no host');
  return host;
}
