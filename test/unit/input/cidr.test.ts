/**
 * The client subnet CIDR (workflows/cidr.ts, used by workflows/input.ts): only a CIDR a subnet can have is
 * accepted, and the error names `clientSubnetCidr` and says what is wrong with the value.
 */
import { describe, expect, it } from 'vitest';
import { parseIpv4Cidr } from '../../../workflows/cidr.js';
import { parseProvisionInput } from '../../../workflows/input.js';

const base = { instanceId: 'i-1', clientVpcId: 'vpc-1', clientSubnetId: 'subnet-1' };

describe('client subnet CIDR', () => {
  it.each([
    ['10.0.1.0/24', [10, 0, 1, 0], 24],
    ['192.168.0.0/16', [192, 168, 0, 0], 16],
    ['127.70.2.0/24', [127, 70, 2, 0], 24],
    ['10.0.0.7/32', [10, 0, 0, 7], 32],
    ['0.0.0.0/1', [0, 0, 0, 0], 1],
  ])('accepts %s', (text, octets, prefix) => {
    expect(parseIpv4Cidr(text)).toEqual({ ok: true, cidr: { octets, prefix } });
    expect(parseProvisionInput({ ...base, clientSubnetCidr: text }).ok).toBe(true);
  });

  it.each([
    ['300.1.1.1/24', 'octet 300 of 300.1.1.1 is greater than 255'],
    ['999.0.0.0/8', 'octet 999 of 999.0.0.0 is greater than 255'],
    ['10.0.0.0/33', 'prefix length /33 is greater than 32'],
    ['10.0.1.5/24', 'has host bits set: the subnet is 10.0.1.0/24'],
    ['192.168.1.0/16', 'the subnet is 192.168.0.0/16'],
    ['0.0.0.0/0', '/0 would allow every address'],
    ['010.0.0.0/8', 'octet "010" of 010.0.0.0 is not a decimal number'],
    ['10.0.0.0/08', 'prefix length "08" is not a number'],
    ['10.0.0.0', 'expected an IPv4 CIDR'],
    ['10.0.0/24', 'expected four octets'],
    ['10.0.0.0.0/24', 'expected four octets'],
    ['a.b.c.d/8', 'octet "a"'],
    ['10.0.0.0/', 'prefix length "" is not a number'],
    [' 10.0.0.0/8', 'octet " 10"'],
    ['10.0.0.0/24/1', 'expected an IPv4 CIDR'],
    ['', 'expected an IPv4 CIDR'],
  ])('refuses %j naming clientSubnetCidr', (text, reason) => {
    const r = parseIpv4Cidr(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
    const input = parseProvisionInput({ ...base, clientSubnetCidr: text });
    expect(input.ok).toBe(false);
    if (!input.ok) {
      expect(input.fields).toEqual(['clientSubnetCidr']);
      expect(input.message).toContain('clientSubnetCidr');
      expect(input.message).toContain(reason);
    }
  });

  it('refuses a CIDR that is not a string', () => {
    const input = parseProvisionInput({ ...base, clientSubnetCidr: 167837696 });
    expect(input.ok).toBe(false);
    if (!input.ok) expect(input.fields).toEqual(['clientSubnetCidr']);
  });
});
