/**
 * AK/SK request signing, `SDK-HMAC-SHA256` in the API-gateway "Access=" form
 * (reference: otc-dms-vpc-iam-api.md §5.2; Huawei API Signing Guide devg-apisign).
 *
 * Pure functions only: the product's transport signs with them and the sandbox verifies with them,
 * so the two can never drift apart.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
export const SDK_DATE_HEADER = 'x-sdk-date';
export const CONTENT_SHA256_HEADER = 'x-sdk-content-sha256';

export interface SignableRequest {
  method: string;
  /** Full URL, including query string. */
  url: string;
  /** Header names in any case; each value is one string. */
  headers: Record<string, string>;
  /** Exact bytes of the body that will be sent (empty for none). */
  body?: string | Uint8Array;
}

export interface SigningKey {
  ak: string;
  sk: string;
}

/** Percent-encoding of the APIG signer: unreserved A-Z a-z 0-9 - _ . ~ kept, the rest %XX upper-case. */
export function signerEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `X-Sdk-Date` format: `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Parses `YYYYMMDDTHHMMSSZ`; undefined when malformed. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function canonicalUri(pathname: string): string {
  // pathname from WHATWG URL is already percent-encoded; decode each segment, then re-encode with the signer's rules.
  const segments = pathname.split('/').map((s) => signerEscape(decodeURIComponent(s)));
  const joined = segments.join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

function canonicalQuery(search: URLSearchParams): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of search) {
    const list = byKey.get(k) ?? [];
    list.push(v);
    byKey.set(k, list);
  }
  return [...byKey.keys()]
    .sort()
    .flatMap((k) => (byKey.get(k) ?? []).sort().map((v) => `${signerEscape(k)}=${signerEscape(v)}`))
    .join('&');
}

function lowerHeaders(headers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) out.set(k.toLowerCase(), v);
  return out;
}

/** The canonical request string of §5.2 step 2, for the given signed header names (lower-case). */
export function canonicalRequest(req: SignableRequest, signedHeaders: readonly string[]): string {
  const url = new URL(req.url);
  const headers = lowerHeaders(req.headers);
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(headers.get(h) ?? '').trim()}\n`).join('');
  const bodyHash = headers.get(CONTENT_SHA256_HEADER) ?? sha256Hex(req.body ?? '');
  return [
    req.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders.join(';'),
    bodyHash,
  ].join('\n');
}

export function stringToSign(canonical: string, sdkDate: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function computeSignature(sk: string, toSign: string): string {
  return createHmac('sha256', sk).update(toSign).digest('hex');
}

/**
 * Which headers to sign: every header present except `authorization` and names containing `_`
 * (as the Huawei Go SDK does), plus `host`. Sorted, lower-case.
 */
export function defaultSignedHeaders(headers: Record<string, string>): string[] {
  return [...lowerHeaders(headers).keys()].filter((h) => h !== 'authorization' && !h.includes('_')).sort();
}

export interface SignResult {
  authorization: string;
  signedHeaders: string[];
  signature: string;
  canonicalRequest: string;
}

/**
 * Signs a request. `headers` must already contain `X-Sdk-Date` and `Host` (use {@link prepareSigningHeaders}).
 * `signedHeaders` defaults to {@link defaultSignedHeaders}.
 */
export function sign(req: SignableRequest, key: SigningKey, signedHeaders?: readonly string[]): SignResult {
  const headers = lowerHeaders(req.headers);
  const sdkDate = headers.get(SDK_DATE_HEADER);
  if (!sdkDate) throw new Error('X-Sdk-Date header is required for signing');
  const names = signedHeaders ? [...signedHeaders].map((h) => h.toLowerCase()).sort() : defaultSignedHeaders(req.headers);
  const canonical = canonicalRequest(req, names);
  const signature = computeSignature(key.sk, stringToSign(canonical, sdkDate));
  return {
    authorization: `${SIGNING_ALGORITHM} Access=${key.ak}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    signedHeaders: names,
    signature,
    canonicalRequest: canonical,
  };
}

/** Adds `X-Sdk-Date` (from `now`) and `Host` (from the URL; port only when non-default) when absent. */
export function prepareSigningHeaders(url: string, headers: Record<string, string>, now: Date): Record<string, string> {
  const out = { ...headers };
  const lower = lowerHeaders(out);
  if (!lower.has(SDK_DATE_HEADER)) out['X-Sdk-Date'] = formatSdkDate(now);
  if (!lower.has('host')) out.Host = new URL(url).host;
  return out;
}

export interface ParsedAuthorization {
  ak: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...`; undefined when not that form. */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(value.trim());
  if (!m) return undefined;
  const [, ak, signed, signature] = m;
  if (!ak || !signed || !signature) return undefined;
  return { ak, signedHeaders: signed.split(';'), signature };
}

export type VerifyResult =
  | { ok: true; ak: string }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'date-missing' | 'date-skew' | 'signature-mismatch' | 'host-unsigned' };

/**
 * Server-side verification: recomputes the signature with the header list the client declared.
 * `lookupSk` maps an AK to its SK (undefined when unknown). `maxSkewMs` defaults to 15 minutes.
 */
export function verify(
  req: SignableRequest & { authorization: string },
  lookupSk: (ak: string) => string | undefined,
  now: Date,
  maxSkewMs = 15 * 60 * 1000,
): VerifyResult {
  const parsed = parseAuthorization(req.authorization);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const sk = lookupSk(parsed.ak);
  if (sk === undefined) return { ok: false, reason: 'unknown-key' };
  if (!parsed.signedHeaders.includes(SDK_DATE_HEADER)) return { ok: false, reason: 'date-missing' };
  const sdkDate = lowerHeaders(req.headers).get(SDK_DATE_HEADER);
  const date = sdkDate ? parseSdkDate(sdkDate) : undefined;
  if (!sdkDate || !date) return { ok: false, reason: 'date-missing' };
  if (Math.abs(now.getTime() - date.getTime()) > maxSkewMs) return { ok: false, reason: 'date-skew' };
  const canonical = canonicalRequest(req, parsed.signedHeaders);
  const expected = computeSignature(sk, stringToSign(canonical, sdkDate));
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(parsed.signature, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'signature-mismatch' };
  return { ok: true, ak: parsed.ak };
}
