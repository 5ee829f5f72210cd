import { BlockList, isIP } from 'node:net';

const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv6');
}

/** Cloud instance-metadata endpoints: refused even when private addresses are allowed. */
const metadataAddresses = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** Unwraps IPv4 addresses carried inside IPv6 (`::ffff:a.b.c.d` mapped, `64:ff9b::a.b.c.d` NAT64) so they are judged as IPv4. */
function embeddedIpv4(address: string): string | null {
  const match = /^(?:::ffff:|64:ff9b::)(?:0{1,4}:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (match) return match[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = Number.parseInt(hex[1]!, 16);
    const low = Number.parseInt(hex[2]!, 16);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return null;
}

/** Decides whether the URL fetcher may connect to an IP address. */
export function judgeAddress(address: string, allowPrivate: boolean): AddressVerdict {
  const normalized = address.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(normalized);
  if (family === 0) return { allowed: false, reason: `"${address}" is not an IP address` };
  const ipv4 = family === 6 ? embeddedIpv4(normalized) : normalized;
  const judged = ipv4 ?? normalized;
  if (metadataAddresses.has(judged)) {
    return { allowed: false, reason: `${address} is a cloud metadata address` };
  }
  if (allowPrivate) return { allowed: true };
  const isPrivate = ipv4 ? privateRanges.check(ipv4, 'ipv4') : privateRanges.check(normalized, 'ipv6');
  if (isPrivate) {
    return {
      allowed: false,
      reason: `${address} is a private, loopback, link-local or reserved address`,
    };
  }
  return { allowed: true };
}
