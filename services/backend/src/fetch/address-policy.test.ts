import { describe, expect, it } from 'vitest';
import { judgeAddress } from './address-policy.js';

describe('judgeAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.10.10',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::192.168.0.1',
    '[::1]',
  ])('Should refuse the private, loopback, link-local or reserved address %s', (address) => {
    const verdict = judgeAddress(address, false);
    expect(verdict.allowed).toBe(false);
  });

  it.each(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '::ffff:169.254.169.254', '100.100.100.200'])(
    'Should refuse the cloud metadata address %s even when private addresses are allowed',
    (address) => {
      const verdict = judgeAddress(address, true);
      expect(verdict).toEqual({ allowed: false, reason: expect.stringMatching(/metadata/) });
    },
  );

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])(
    'Should allow the public address %s',
    (address) => {
      expect(judgeAddress(address, false)).toEqual({ allowed: true });
    },
  );

  it('Should allow loopback and private addresses when explicitly allowed', () => {
    expect(judgeAddress('127.0.0.1', true)).toEqual({ allowed: true });
    expect(judgeAddress('10.0.0.1', true)).toEqual({ allowed: true });
  });

  it('Should refuse something that is not an IP address', () => {
    expect(judgeAddress('example.com', false).allowed).toBe(false);
  });
});
