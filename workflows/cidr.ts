/**
 * IPv4 CIDR of an input field (pure, zod only: used by workflow code and every edge that validates input).
 *
 * A CIDR is accepted only when it is one a subnet can have (docs/decisions/input-validation.md):
 *  - four decimal octets 0–255 without leading zeros (`010.0.0.0` is ambiguous: octal to some parsers);
 *  - a prefix length 1–32 (`/0` would open a network ACL to every address);
 *  - no host bits set (`10.0.1.5/24` is refused, naming the network `10.0.1.0/24`), because the value is
 *    copied into a network ACL rule as is and a rule should say exactly what it allows.
 */
import { z } from 'zod';

export interface Ipv4Cidr {
  /** The four octets. */
  octets: [number, number, number, number];
  prefix: number;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;
const PREFIX = /^(0|[1-9]\d?)$/;

/** Why `text` is not a subnet CIDR (one sentence), or the parsed CIDR. */
export function parseIpv4Cidr(text: string): { ok: true; cidr: Ipv4Cidr } | { ok: false; reason: string } {
  const slash = text.split('/');
  if (slash.length !== 2) return { ok: false, reason: 'expected an IPv4 CIDR like 10.0.1.0/24 (address/prefix length)' };
  const [address = '', prefixText = ''] = slash;
  const parts = address.split('.');
  if (parts.length !== 4) return { ok: false, reason: `${address} is not an IPv4 address (expected four octets, like 10.0.1.0)` };
  const octets: number[] = [];
  for (const p of parts) {
    if (!OCTET.test(p)) return { ok: false, reason: `octet "${p}" of ${address} is not a decimal number 0-255 (no leading zeros)` };
    const n = Number(p);
    if (n > 255) return { ok: false, reason: `octet ${p} of ${address} is greater than 255` };
    octets.push(n);
  }
  if (!PREFIX.test(prefixText)) return { ok: false, reason: `prefix length "${prefixText}" is not a number 1-32` };
  const prefix = Number(prefixText);
  if (prefix > 32) return { ok: false, reason: `prefix length /${prefix} is greater than 32` };
  if (prefix === 0) return { ok: false, reason: '/0 would allow every address: give the client subnet, e.g. 10.0.1.0/24' };
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = value - (value % size);
  if (network !== value) {
    const n = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return { ok: false, reason: `${text} has host bits set: the subnet is ${n}/${prefix}` };
  }
  return { ok: true, cidr: { octets: octets as Ipv4Cidr['octets'], prefix } };
}

/** zod schema of a subnet CIDR field; the message names `field`. */
export function ipv4CidrSchema(field: string) {
  return z.string({ error: `${field} must be an IPv4 CIDR like 10.0.1.0/24` }).superRefine((text, ctx) => {
    const r = parseIpv4Cidr(text);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: `${field} must be a subnet CIDR like 10.0.1.0/24: ${r.reason}` });
  });
}
