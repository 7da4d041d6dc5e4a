/**
 * Classifies an IP address as public or one of the ranges a credential must not reach
 * by accident: loopback, private (RFC 1918, IPv6 ULA, CGNAT), link-local (incl. cloud
 * metadata at 169.254.169.254) and other special-purpose ranges (unspecified,
 * multicast, broadcast, documentation, benchmarking, reserved). IPv4-mapped and
 * NAT64-style IPv6 forms are unwrapped first, so `::ffff:127.0.0.1` is loopback.
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link_local' | 'special';

function list(entries: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const b = new BlockList();
  for (const [net, prefix, type] of entries) b.addSubnet(net, prefix, type);
  return b;
}

const LOOPBACK = list([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const PRIVATE = list([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT (RFC 6598)
  ['fc00::', 7, 'ipv6'], // unique local
]);
const LINK_LOCAL = list([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
const SPECIAL = list([
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'], // multicast, reserved + broadcast
  ['::', 128, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['fec0::', 10, 'ipv6'], // deprecated site-local
]);

/** `::ffff:a.b.c.d`, `::ffff:XXXX:XXXX`, `64:ff9b::a.b.c.d` and `::a.b.c.d` -> the embedded IPv4. */
function embeddedIpv4(v6: string): string | null {
  const lower = v6.toLowerCase();
  const dotted = /^(?:::ffff:|::ffff:0:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

export function classifyAddress(address: string): AddressClass {
  let addr = address.replace(/^\[|\]$/g, '');
  let family = isIP(addr);
  if (family === 0) return 'special';
  if (family === 6) {
    const v4 = embeddedIpv4(addr);
    if (v4 !== null) {
      addr = v4;
      family = 4;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(addr, type)) return 'loopback';
  if (LINK_LOCAL.check(addr, type)) return 'link_local';
  if (PRIVATE.check(addr, type)) return 'private';
  if (SPECIAL.check(addr, type)) return 'special';
  return 'public';
}
