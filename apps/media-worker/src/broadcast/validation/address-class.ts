import { BlockList, isIP } from 'node:net';

/**
 * Where an IP address points, for the source/destination policy:
 * - `public`: the internet;
 * - `private`: loopback and private ranges (RFC 1918, CGNAT, IPv6 ULA), allowed only by setting;
 * - `forbidden`: link-local (cloud metadata lives at 169.254.169.254), unspecified, multicast and
 *   reserved ranges; never a media source or an RTMP platform.
 * IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are matched by the IPv4 rules (BlockList maps them).
 */
export type AddressClass = 'public' | 'private' | 'forbidden';

const PRIVATE: [string, number, 'ipv4' | 'ipv6'][] = [
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
];

const FORBIDDEN: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  // Alibaba's metadata service sits in CGNAT space, AWS's IPv6 one in ULA space: refused before those match.
  ['100.100.100.200', 32, 'ipv4'],
  ['fd00:ec2::254', 128, 'ipv6'],
  ['::', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  // NAT64 and 6to4 embed an IPv4 address that could be any of the above.
  ['64:ff9b::', 96, 'ipv6'],
  ['2002::', 16, 'ipv6'],
];

function blockList(ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

const privateRanges = blockList(PRIVATE);
const forbiddenRanges = blockList(FORBIDDEN);

export function addressClass(address: string): AddressClass {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(address) === 0 || forbiddenRanges.check(address, family)) return 'forbidden';
  return privateRanges.check(address, family) ? 'private' : 'public';
}

/** `10.0.0.0/8`, `fd00::/8` or a single address: for STREAM_MEDIA_ALLOWED_HOSTS. */
export function cidrMatcher(entry: string): ((address: string) => boolean) | null {
  const [network, prefixText] = entry.split('/');
  const version = isIP(network);
  if (version === 0) return null;
  const family = version === 6 ? 'ipv6' : 'ipv4';
  const prefix = prefixText === undefined ? (version === 6 ? 128 : 32) : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (version === 6 ? 128 : 32)) return null;
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return (address) => isIP(address) !== 0 && list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
