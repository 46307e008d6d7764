/** IPv4 and CIDR helpers (the sandbox only uses IPv4 loopback addresses and the VPCEP segment). */

export function parseIpv4(value: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!m) return undefined;
  let out = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i] ?? '';
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out = out * 256 + n;
  }
  return out;
}

export function isIpv4(value: string): boolean {
  return parseIpv4(value) !== undefined;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface Cidr {
  base: number;
  bits: number;
  /** Number of addresses. */
  size: number;
}

export function parseCidr(value: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(value);
  if (!m) {
    const ip = parseIpv4(value);
    return ip === undefined ? undefined : { base: ip, bits: 32, size: 1 };
  }
  const ip = parseIpv4(m[1] ?? '');
  const bits = Number(m[2]);
  if (ip === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits, size };
}

export function isCidr(value: string): boolean {
  return parseCidr(value) !== undefined;
}

/** Normalised `a.b.c.d/n` text (host bits cleared). */
export function normaliseCidr(value: string): string | undefined {
  const c = parseCidr(value);
  return c ? `${formatIpv4(c.base)}/${c.bits}` : undefined;
}

export function cidrContainsIp(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = parseIpv4(ip);
  return c !== undefined && n !== undefined && n >= c.base && n < c.base + c.size;
}

/** True when `outer` contains every address of `inner`. */
export function cidrContainsCidr(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  return o !== undefined && i !== undefined && i.base >= o.base && i.base + i.size <= o.base + o.size;
}

export function cidrsIntersect(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x !== undefined && y !== undefined && x.base < y.base + y.size && y.base < x.base + x.size;
}

/** Host addresses of a CIDR usable for allocation: skips network, gateway (.1), .2 (DHCP) and broadcast. */
export function* allocatableHosts(cidr: string, firstHostOffset = 10): Generator<string> {
  const c = parseCidr(cidr);
  if (!c) return;
  for (let off = Math.min(firstHostOffset, c.size - 2); off < c.size - 1; off++) {
    if (off < 3) continue;
    yield formatIpv4(c.base + off);
  }
}

/** Hostname per RFC 1123 (advertised IPs may be domain names). */
export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  if (/^[\d.]+$/.test(value)) return false; // looks numeric: must then be a valid IPv4
  return value.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}
