import { describe, expect, it } from 'vitest';
import { judgeAddress, judgeHostname } from './address-policy.js';

// Every case calls the policy function directly: no test ever connects to a non-loopback address.
describe('judgeAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.10.10', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'discard'],
    // IPv4-mapped ::ffff:0:0/96, dotted and hex
    ['::ffff:127.0.0.1', 'ipv4Mapped carrying a loopback'],
    ['::ffff:7f00:1', 'ipv4Mapped carrying a loopback'],
    ['::ffff:10.0.0.1', 'ipv4Mapped carrying a private'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'ipv4Mapped carrying a private'],
    // IPv4-translated ::ffff:0:0:0/96
    ['::ffff:0:7f00:1', 'rfc6145 carrying a loopback'],
    // IPv4-compatible ::/96 (deprecated): refused whatever it carries
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::7f00:1', 'IPv4-compatible'],
    ['::a00:1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible'],
    // NAT64 well-known prefix 64:ff9b::/96
    ['64:ff9b::192.168.0.1', 'rfc6052 carrying a private'],
    ['64:ff9b::7f00:1', 'rfc6052 carrying a loopback'],
    // Local-use NAT64 64:ff9b:1::/48: inside the operator's network
    ['64:ff9b:1::8.8.8.8', 'local-use NAT64'],
    ['64:ff9b:1:7f00:1::', 'local-use NAT64'],
    // 6to4 2002::/16 with the IPv4 address in bits 16–47
    ['2002:7f00:1::', '6to4 carrying a loopback'],
    ['2002:c0a8:101::1', '6to4 carrying a private'],
    // Teredo 2001::/32: server 10.0.0.1, client 8.8.8.8 (inverted); then server 8.8.8.8, client 127.0.0.1
    ['2001:0:a00:1::f7f7:f7f7', 'teredo carrying a private'],
    ['2001:0:808:808::80ff:fffe', 'teredo carrying a loopback'],
  ])('Should refuse %s (%s) unless private addresses are allowed', (address, range) => {
    const verdict = judgeAddress(address, false);
    expect(verdict).toEqual({ allowed: false, reason: expect.stringContaining(range) });
    expect(verdict).toEqual({ allowed: false, reason: expect.stringMatching(/private, loopback/) });
  });

  it.each([
    ['169.254.169.254', 'instance metadata'],
    ['169.254.170.2', 'ECS'],
    ['169.254.170.23', 'EKS Pod Identity'],
    ['168.63.129.16', 'Azure host platform'],
    ['100.100.100.200', 'Alibaba'],
    ['fd00:ec2::254', 'AWS instance metadata over IPv6'],
    ['fd00:ec2:0::254', 'AWS instance metadata over IPv6'],
    ['fd00:0ec2:0000:0000:0000:0000:0000:0254', 'AWS instance metadata over IPv6'],
    ['fd00:ec2::23', 'EKS Pod Identity'],
    ['fd20:ce::254', 'GCP'],
    // The same endpoints wrapped in every IPv6 form that carries an IPv4 address
    ['::ffff:169.254.169.254', 'instance metadata'],
    ['::ffff:a9fe:a9fe', 'instance metadata'],
    ['::ffff:0:a9fe:a9fe', 'instance metadata'],
    ['::169.254.169.254', 'instance metadata'],
    ['64:ff9b::169.254.170.23', 'EKS Pod Identity'],
    ['64:ff9b::a83f:8110', 'Azure host platform'],
    ['64:ff9b:1::a9fe:a9fe', 'instance metadata'],
    ['64:ff9b:1:a9fe:a9:fe00::', 'instance metadata'],
    ['64:ff9b:1:a9:fe:a9fe::', 'instance metadata'],
    ['64:ff9b:1:0:a9:fea9:fe00:0', 'instance metadata'],
    ['2002:a9fe:a9fe::1', 'instance metadata'],
    ['2001:0:a9fe:a9fe::1', 'instance metadata'],
    ['2001:0:808:808::5601:5601', 'instance metadata'],
    ['[::ffff:100.100.100.200]', 'Alibaba'],
  ])(
    'Should refuse the cloud metadata address %s even when private addresses are allowed',
    (address, service) => {
      for (const allowPrivate of [false, true]) {
        expect(judgeAddress(address, allowPrivate)).toEqual({
          allowed: false,
          reason: expect.stringMatching(new RegExp(`cloud metadata address \\(.*${service}`)),
        });
      }
    },
  );

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('Should allow the public address %s', (address) => {
    expect(judgeAddress(address, false)).toEqual({ allowed: true });
  });

  it.each(['127.0.0.1', '10.0.0.1', '::1', 'fd12::1', '::ffff:192.168.0.1', '64:ff9b:1::a00:1'])(
    'Should allow the private address %s when private addresses are explicitly allowed',
    (address) => {
      expect(judgeAddress(address, true)).toEqual({ allowed: true });
    },
  );

  it.each(['example.com', '', '1.2.3.4.5', '::ffff:1.2.3', 'fd00:ec2::254::1'])(
    'Should refuse "%s", which is not an IP address',
    (address) => {
      expect(judgeAddress(address, true)).toEqual({
        allowed: false,
        reason: expect.stringContaining('is not an IP address'),
      });
    },
  );
});

describe('judgeHostname', () => {
  it.each([
    'metadata.google.internal',
    'METADATA.google.internal.',
    'metadata.goog',
    'metadata',
    'instance-data',
    'instance-data.ec2.internal',
  ])('Should refuse the metadata host name %s before any lookup', (hostname) => {
    expect(judgeHostname(hostname)).toEqual({
      allowed: false,
      reason: expect.stringContaining('cloud metadata host name'),
    });
  });

  it.each(['example.com', 'images.example.org', 'metadata.example.com'])('Should allow %s', (hostname) => {
    expect(judgeHostname(hostname)).toEqual({ allowed: true });
  });
});
