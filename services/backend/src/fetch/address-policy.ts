import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Cloud instance-metadata and host-platform endpoints (credentials, instance identity). Refused always: no setting
 * lifts this, `URL_FETCH_ALLOW_PRIVATE=true` included.
 */
const metadataAddresses = new Map<string, string>(
  [
    ['169.254.169.254', 'AWS, GCP, Azure, OpenStack and others: instance metadata'],
    ['169.254.170.2', 'AWS ECS task metadata and credentials'],
    ['169.254.170.23', 'AWS EKS Pod Identity credentials'],
    ['fd00:ec2::254', 'AWS instance metadata over IPv6'],
    ['fd00:ec2::23', 'AWS EKS Pod Identity credentials over IPv6'],
    ['fd20:ce::254', 'GCP instance metadata over IPv6'],
    ['168.63.129.16', 'Azure host platform (WireServer)'],
    ['100.100.100.200', 'Alibaba Cloud instance metadata'],
  ].map(([address, service]) => [ipaddr.parse(address!).toString(), service!]),
);

/** Host names of metadata services, refused before any DNS lookup (their addresses are refused after it too). */
const metadataHostnames = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

const refused = (reason: string): AddressVerdict => ({ allowed: false, reason });

/** The 32 bits at `bitOffset` of an IPv6 address, skipping bits 64–71 (RFC 6052's "u" octet) when asked. */
function ipv4At(bytes: number[], bitOffset: number, skipUOctet = false): ipaddr.IPv4 {
  const octets: number[] = [];
  for (let byte = bitOffset / 8; octets.length < 4; byte++) {
    if (skipUOctet && byte === 8) continue;
    octets.push(bytes[byte]!);
  }
  return new ipaddr.IPv4(octets);
}

/**
 * The IPv4 addresses an IPv6 address carries, and whether it is only a wrapper around them (so it is judged by
 * them alone): IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96`, IPv4-compatible `::/96`, NAT64
 * `64:ff9b::/96` and `64:ff9b:1::/48` (every RFC 6052 prefix length it may be used with), 6to4 `2002::/16` and
 * Teredo `2001::/32` (server, and client with its bits inverted).
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const bytes = address.toByteArray();
  const parts = address.parts;
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return [ipv4At(bytes, 96)];
    case 'rfc6052':
      if (parts[2] === 0x1) {
        return [ipv4At(bytes, 48, true), ipv4At(bytes, 56, true), ipv4At(bytes, 72), ipv4At(bytes, 96)];
      }
      return [ipv4At(bytes, 96)];
    case '6to4':
      return [ipv4At(bytes, 16)];
    case 'teredo': {
      const client = ipv4At(bytes, 96).octets.map((octet) => octet ^ 0xff);
      return [ipv4At(bytes, 32), new ipaddr.IPv4(client)];
    }
    default:
      // IPv4-compatible (deprecated): the first 96 bits are zero; `::` and `::1` are themselves.
      if (parts.slice(0, 6).every((part) => part === 0) && (parts[6] !== 0 || parts[7]! > 1)) {
        return [ipv4At(bytes, 96)];
      }
      return [];
  }
}

/** Why an address is not public unicast, or null when it is (IPv4 by its range, IPv6 by its range or payload). */
function nonPublicRange(address: Address, embedded: ipaddr.IPv4[]): string | null {
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return range === 'unicast' ? null : range;
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'rfc6052' && v6.parts[2] === 0x1) return 'local-use NAT64 (64:ff9b:1::/48)';
  if (embedded.length > 0) {
    if (range === 'unicast') return 'IPv4-compatible (::/96, deprecated)';
    const inner = embedded.map((ipv4) => ipv4.range()).find((innerRange) => innerRange !== 'unicast');
    return inner === undefined ? null : `${range} carrying a ${inner} IPv4 address`;
  }
  return range === 'unicast' ? null : range;
}

/**
 * Parses an IPv4 or IPv6 address. IPv6 goes through the WHATWG URL parser first, which reads `::a.b.c.d` as the
 * IPv4-compatible address it is (ipaddr.js alone would read it as IPv4-mapped); a zone (`%eth0`) is kept.
 */
function parseAddress(address: string): Address | null {
  const literal = address.replace(/^\[|\]$/g, '');
  if (!literal.includes(':')) return ipaddr.IPv4.isValid(literal) ? ipaddr.IPv4.parse(literal) : null;
  const [host, zone] = literal.split('%', 2);
  let canonical: string;
  try {
    canonical = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const parsed = ipaddr.IPv6.parse(canonical);
  if (zone) parsed.zoneId = zone;
  return parsed;
}

/**
 * Decides whether the URL fetcher may connect to an IP address: cloud metadata endpoints never (in any IPv6
 * wrapping); otherwise only public unicast addresses, unless `allowPrivate` (local testing).
 */
export function judgeAddress(address: string, allowPrivate: boolean): AddressVerdict {
  const parsed = parseAddress(address);
  if (!parsed) return refused(`"${address}" is not an IP address`);
  const embedded = parsed.kind() === 'ipv6' ? embeddedIpv4(parsed as ipaddr.IPv6) : [];
  for (const candidate of [parsed, ...embedded]) {
    const service = metadataAddresses.get(candidate.toString());
    if (service) return refused(`${address} is a cloud metadata address (${service})`);
  }
  if (allowPrivate) return { allowed: true };
  const range = nonPublicRange(parsed, embedded);
  if (range !== null) {
    return refused(`${address} is a private, loopback, link-local or reserved address (${range})`);
  }
  return { allowed: true };
}

/** Refuses the host names of metadata services, whatever they would resolve to. */
export function judgeHostname(hostname: string): AddressVerdict {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (metadataHostnames.has(name)) return refused(`${hostname} is a cloud metadata host name`);
  return { allowed: true };
}
