/** Deterministic randomness for the sandbox (fault probabilities, generated ids), seeded per sandbox. */
import { createHash } from 'node:crypto';

/** mulberry32: small, fast, good enough for fault dice. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A UUID (v4 layout) derived from a text: the same seed and name always give the same id. */
export function uuidFrom(text: string): string {
  const h = digest(text);
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** 32 lower-case hex characters (OTC project and domain ids). */
export function hex32From(text: string): string {
  return digest(text).slice(0, 32);
}

const AK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function fromAlphabet(text: string, alphabet: string, length: number): string {
  const bytes = createHash('sha512').update(text).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i % bytes.length] ?? 0) % alphabet.length];
  return out;
}

/** AK-shaped (20 upper-case alphanumerics) and SK-shaped (40 alphanumerics) strings. */
export function akFrom(text: string): string {
  return fromAlphabet(`ak:${text}`, AK_ALPHABET, 20);
}
export function skFrom(text: string): string {
  return fromAlphabet(`sk:${text}`, SK_ALPHABET, 40);
}

/** Sequential deterministic ids: `next()` gives a fresh UUID each call. */
export class IdGenerator {
  private counter = 0;
  constructor(private readonly seed: number) {}
  /** How many ids were handed out (a restarted sandbox continues from here, so ids never repeat). */
  get position(): number {
    return this.counter;
  }
  set position(n: number) {
    this.counter = n;
  }
  next(kind: string): string {
    this.counter += 1;
    return uuidFrom(`${this.seed}:runtime:${kind}:${this.counter}`);
  }
  token(): string {
    this.counter += 1;
    // Real tokens are long opaque base64 text starting with MII.
    const raw = Buffer.from(digest(`${this.seed}:token:${this.counter}:${Date.now()}`) + digest(`${this.counter}`), 'hex');
    return `MIIs${raw.toString('base64').replace(/[+/=]/g, '')}`;
  }
}
