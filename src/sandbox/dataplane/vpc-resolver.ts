/**
 * One DNS resolver per client VPC (UDP, RFC 1035 wire format), each on its own loopback address: a client of
 * VPC X asks X's resolver and sees only the private zones bound to X (services/dns.ts `resolveInVpc`). Answers
 * A questions from the zones; AAAA and other types of a covered name get an empty answer (NODATA); names no
 * zone of the VPC covers are REFUSED (the sandbox does not recurse to public DNS).
 *
 * Address: `127.A.0.(10+k)` for the k-th client VPC, port 53 when it can be bound, else a free port (the ready
 * line says which: `clientNetworks[].dnsServer`).
 */
import { createSocket, type Socket } from 'node:dgram';

export type Resolve = (name: string) => { kind: 'answer'; ips: string[]; ttl: number } | { kind: 'nxdomain' } | { kind: 'refused' };

export interface VpcResolver {
  vpcId: string;
  host: string;
  port: number;
  /** `host:port` */
  address: string;
  close(): Promise<void>;
}

const TYPE_A = 1;
const RCODE = { ok: 0, formErr: 1, nxdomain: 3, notImp: 4, refused: 5 } as const;

interface Question {
  id: number;
  flags: number;
  name: string;
  type: number;
  cls: number;
  /** The question section's bytes (echoed in the answer). */
  raw: Buffer;
}

function parseQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  const qd = msg.readUInt16BE(4);
  if (qd !== 1 || (flags & 0x8000) !== 0) return undefined;
  let off = 12;
  const labels: string[] = [];
  for (;;) {
    const len = msg[off];
    if (len === undefined || len > 63) return undefined;
    off += 1;
    if (len === 0) break;
    if (off + len > msg.length) return undefined;
    labels.push(msg.subarray(off, off + len).toString('latin1'));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  const type = msg.readUInt16BE(off);
  const cls = msg.readUInt16BE(off + 2);
  return { id, flags, name: labels.join('.'), type, cls, raw: msg.subarray(12, off + 4) };
}

function reply(q: Question, rcode: number, ips: string[], ttl: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, opcode 0, AA, RD copied, RA 0, rcode.
  header.writeUInt16BE(0x8000 | 0x0400 | (q.flags & 0x0100) | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const answers = ips.map((ip) => {
    const a = Buffer.alloc(16);
    a.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    a.writeUInt16BE(TYPE_A, 2);
    a.writeUInt16BE(1, 4);
    a.writeUInt32BE(ttl, 6);
    a.writeUInt16BE(4, 10);
    ip.split('.').forEach((o, i) => a.writeUInt8(Number(o), 12 + i));
    return a;
  });
  return Buffer.concat([header, q.raw, ...answers]);
}

export function answerQuery(msg: Buffer, resolve: Resolve): Buffer | undefined {
  const q = parseQuestion(msg);
  if (!q) {
    if (msg.length < 2) return undefined;
    const h = Buffer.alloc(12);
    h.writeUInt16BE(msg.readUInt16BE(0), 0);
    h.writeUInt16BE(0x8000 | RCODE.formErr, 2);
    return h;
  }
  if (q.cls !== 1) return reply(q, RCODE.notImp, [], 0);
  const r = resolve(q.name);
  if (r.kind === 'refused') return reply(q, RCODE.refused, [], 0);
  if (r.kind === 'nxdomain') return reply(q, RCODE.nxdomain, [], 0);
  return reply(q, RCODE.ok, q.type === TYPE_A ? r.ips : [], r.ttl);
}

async function bind(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

export async function startVpcResolver(vpcId: string, host: string, resolve: Resolve, log: (l: string) => void): Promise<VpcResolver> {
  let socket: Socket;
  try {
    socket = await bind(host, 53);
  } catch {
    socket = await bind(host, 0);
  }
  socket.on('message', (msg, rinfo) => {
    try {
      const out = answerQuery(msg, resolve);
      if (out) socket.send(out, rinfo.port, rinfo.address);
    } catch (err) {
      log(`resolver ${host} (${vpcId}): ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  socket.on('error', (err) => log(`resolver ${host} (${vpcId}): ${err.message}`));
  const port = socket.address().port;
  return {
    vpcId,
    host,
    port,
    address: `${host}:${port}`,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}
