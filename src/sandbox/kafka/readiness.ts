/**
 * The sandbox's own Kafka readiness check: which brokers a listener reports, read with a hand-written Kafka
 * wire-protocol exchange — deliberately not the product's probe (in src/kafka) nor a Kafka client
 * library, so a misreading of the data plane shared by the product and the sandbox cannot pass unnoticed.
 *
 * One TCP (or TLS) connection per call: optional SASL (`SaslHandshake` v1 + `SaslAuthenticate` v0, mechanism
 * PLAIN or SCRAM-SHA-512 per RFC 5802/7677), then one `Metadata` v4 request for no topics; the answer's broker
 * list (node id, host, port) is returned. Framing per the Kafka protocol guide: int32 size, request header v1
 * (api key, api version, correlation id, client id), response header v0 (correlation id).
 *
 * TLS verifies the broker's chain against the sandbox CA and its certificate against the listener IP it dials
 * (the sandbox's broker certificates carry every listener IP).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type ReadinessSecurity =
  | { protocol: 'PLAINTEXT' }
  | { protocol: 'SASL_SSL'; mechanism: 'PLAIN' | 'SCRAM-SHA-512'; username: string; password: string; caPem: string };

export interface ListedBroker {
  nodeId: number;
  host: string;
  port: number;
}

export class KafkaReadinessError extends Error {
  override readonly name = 'KafkaReadinessError';
}

const API_METADATA = 3;
const API_SASL_HANDSHAKE = 17;
const API_SASL_AUTHENTICATE = 36;
const CLIENT_ID = 'crossvpc-sandbox-ready';

// ---- encoding ------------------------------------------------------------------------------------------------

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function kString(s: string | null): Buffer {
  if (s === null) return int16(-1);
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([int16(bytes.length), bytes]);
}
function kBytes(b: Buffer): Buffer {
  return Buffer.concat([int32(b.length), b]);
}

/** Reads big-endian fields off a response body; throws on truncation. */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new KafkaReadinessError('truncated Kafka response');
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8((this.at += 1) - 1);
  }
  int16(): number {
    this.need(2);
    return this.buf.readInt16BE((this.at += 2) - 2);
  }
  int32(): number {
    this.need(4);
    return this.buf.readInt32BE((this.at += 4) - 4);
  }
  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
}

// ---- one connection ------------------------------------------------------------------------------------------

class Wire {
  private pending = Buffer.alloc(0);
  private waiter: ((frame: Buffer) => void) | undefined;
  private failure: Error | undefined;
  private onFail: ((err: Error) => void) | undefined;
  private correlation = 0;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.drain();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      this.onFail?.(this.failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new KafkaReadinessError('connection closed by the broker')));
  }

  private drain(): void {
    if (!this.waiter || this.pending.length < 4) return;
    const size = this.pending.readInt32BE(0);
    if (this.pending.length < 4 + size) return;
    const frame = this.pending.subarray(4, 4 + size);
    this.pending = this.pending.subarray(4 + size);
    const w = this.waiter;
    this.waiter = undefined;
    w(frame);
  }

  /** Sends one request and resolves with the response body (after the correlation id). */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<Reader> {
    if (this.failure) return Promise.reject(this.failure);
    this.correlation += 1;
    const id = this.correlation;
    const header = Buffer.concat([int16(apiKey), int16(apiVersion), int32(id), kString(CLIENT_ID)]);
    const payload = Buffer.concat([header, body]);
    return new Promise<Reader>((resolve, reject) => {
      this.onFail = reject;
      this.waiter = (frame) => {
        this.onFail = undefined;
        const r = new Reader(frame);
        const got = r.int32();
        if (got !== id) reject(new KafkaReadinessError(`correlation id ${got}, expected ${id}`));
        else resolve(r);
      };
      this.socket.write(Buffer.concat([int32(payload.length), payload]));
      this.drain();
    });
  }
}

function open(host: string, port: number, security: ReadinessSecurity): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      security.protocol === 'SASL_SSL'
        ? tlsConnect({ host, port, ca: security.caPem, rejectUnauthorized: true }, () => resolve(socket))
        : netConnect({ host, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

// ---- SASL ------------------------------------------------------------------------------------------------------

async function saslHandshake(wire: Wire, mechanism: string): Promise<void> {
  const r = await wire.request(API_SASL_HANDSHAKE, 1, kString(mechanism));
  const error = r.int16();
  if (error !== 0) throw new KafkaReadinessError(`SaslHandshake ${mechanism}: error code ${error}`);
}

async function saslAuthenticate(wire: Wire, bytes: Buffer): Promise<Buffer> {
  const r = await wire.request(API_SASL_AUTHENTICATE, 0, kBytes(bytes));
  const error = r.int16();
  const message = r.string();
  const answer = r.bytes() ?? Buffer.alloc(0);
  if (error !== 0) throw new KafkaReadinessError(`SaslAuthenticate: error code ${error}${message ? ` (${message})` : ''}`);
  return answer;
}

const saslName = (s: string): string => s.replace(/=/g, '=3D').replace(/,/g, '=2C');
const hmac512 = (key: Buffer, data: string): Buffer => createHmac('sha512', key).update(data, 'utf8').digest();

/** RFC 5802 SCRAM with SHA-512 (the SASL mechanism name Kafka uses: SCRAM-SHA-512). */
async function scramSha512(wire: Wire, username: string, password: string): Promise<void> {
  const clientNonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=${saslName(username)},r=${clientNonce}`;
  const serverFirst = (await saslAuthenticate(wire, Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8');
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
  const nonce = attrs.get('r') ?? '';
  const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
  const iterations = Number(attrs.get('i') ?? '0');
  if (!nonce.startsWith(clientNonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) {
    throw new KafkaReadinessError(`unexpected SCRAM server-first message: ${serverFirst}`);
  }
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512');
  const clientKey = hmac512(salted, 'Client Key');
  const storedKey = createHash('sha512').update(clientKey).digest();
  const finalWithoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
  const signature = hmac512(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
  const serverFinal = (await saslAuthenticate(wire, Buffer.from(`${finalWithoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8');
  const expected = hmac512(hmac512(salted, 'Server Key'), authMessage).toString('base64');
  if (serverFinal !== `v=${expected}`) throw new KafkaReadinessError('SCRAM server signature does not verify');
}

// ---- Metadata --------------------------------------------------------------------------------------------------

async function metadata(wire: Wire): Promise<ListedBroker[]> {
  // Metadata v4: topics = [] (none), allow_auto_topic_creation = false.
  const r = await wire.request(API_METADATA, 4, Buffer.concat([int32(0), Buffer.from([0])]));
  r.int32(); // throttle_time_ms
  const count = r.int32();
  const brokers: ListedBroker[] = [];
  for (let i = 0; i < count; i += 1) {
    const nodeId = r.int32();
    const host = r.string() ?? '';
    const port = r.int32();
    r.string(); // rack
    brokers.push({ nodeId, host, port });
  }
  return brokers.sort((a, b) => a.nodeId - b.nodeId);
}

/** The brokers (node id → advertised host:port) that the listener at `host:port` reports. */
export async function listBrokers(options: { host: string; port: number; security: ReadinessSecurity; timeoutMs: number }): Promise<ListedBroker[]> {
  let socket: Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    socket = await open(options.host, options.port, options.security);
    const wire = new Wire(socket);
    if (options.security.protocol === 'SASL_SSL') {
      await saslHandshake(wire, options.security.mechanism);
      if (options.security.mechanism === 'PLAIN') {
        await saslAuthenticate(wire, Buffer.from(`\u0000${options.security.username}\u0000${options.security.password}`, 'utf8'));
      } else {
        await scramSha512(wire, options.security.username, options.security.password);
      }
    }
    return metadata(wire);
  })();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaReadinessError(`no metadata from ${options.host}:${options.port} within ${options.timeoutMs} ms`)), options.timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    socket?.destroy();
    work.catch(() => undefined);
  }
}

/** One line for logs: the error's message and socket code. */
export function describeReadinessError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  return String(error);
}
