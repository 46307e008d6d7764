/**
 * The sandbox's own verifier of API-gateway AK/SK signatures (`SDK-HMAC-SHA256`), written from the published
 * algorithm and the signers real clients use — deliberately NOT sharing code with the product's signer
 * (in src/otc), so a misreading on one side shows up as a 401 instead of passing silently.
 *
 * Two Authorization forms are accepted:
 *
 * 1. `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>` — the API gateway's documented form
 *    (Huawei API Signing Guide devg-apisign 002..005, OTC api-usage "signing a request"; reference
 *    otc-dms-vpc-iam-api.md §5.2): StringToSign `SDK-HMAC-SHA256 \n <X-Sdk-Date> \n hex(sha256(canonical))`,
 *    key = the SK bytes. Canonical URI: each path segment percent-decoded, then encoded keeping only
 *    `A-Z a-z 0-9 - _ . ~`, always ending in `/`; canonical query: every pair, sorted by name then value;
 *    header values trimmed. CONFIRMED by the published vectors (TV-1 official guide, TV-2/3 huaweicloud-sdk-go-v3).
 *
 * 2. `SDK-HMAC-SHA256 Credential=<AK>/<yyyymmdd>/<region>/<service>/sdk_request, SignedHeaders=…, Signature=…` —
 *    the scoped form gophertelekomcloud sends (and so the Terraform OTC provider in AK/SK mode). CONFIRMED by
 *    reading gophertelekomcloud v0.9.8 `signer_helper.go` (Go module proxy) and by test/go (that SDK, unchanged,
 *    against this verifier):
 *    - StringToSign has four lines: algorithm, the signing date-time (`X-Sdk-Date`), the scope
 *      `<yyyymmdd>/<region>/<service>/sdk_request`, hex(sha256(canonical request));
 *    - key: HMAC-SHA256 chain `"SDK"+SK` → yyyymmdd → region → service → `"sdk_request"` (region and service may
 *      be empty; gophertelekomcloud always leaves them empty);
 *    - canonical URI: the decoded path, `/` kept, every other byte outside `A-Z a-z 0-9 - _ . ~` as `%XX`,
 *      ending in `/`;
 *    - canonical query: names encoded likewise and sorted case-insensitively, ONE value per name (the first);
 *    - canonical headers: every header the client had at signing time (it signs all of them, `Host` added),
 *      `name:value` with runs of white space collapsed to one space, the FIRST value of a repeated header;
 *    - payload hash: `X-Sdk-Content-Sha256` when sent, else sha256 of the body — except a POST without a
 *      body, for which the SDK hashes the query string (Go `url.Values.Encode()`: names sorted, `+` for space)
 *      and leaves the canonical query empty.
 *    UNCONFIRMED (no published vector, no gateway to ask): how the real gateway treats a POST whose body is
 *    empty but not absent (Go sends both the same way); we accept either reading. Whether the gateway checks
 *    the scope's region/service: we accept an empty region or the sandbox's own, and any service. That the
 *    scope's date must be the date of `X-Sdk-Date`: assumed (it is what every signer produces).
 *
 * Both forms: `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC) must be within 15 minutes of the sandbox clock
 * (devg-apisign api-sign-0001); the signature compare is constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SDK_HMAC_ALGORITHM = 'SDK-HMAC-SHA256';
const SCOPE_TERMINATOR = 'sdk_request';
const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

export type SdkHmacForm = 'access' | 'scoped';

export interface SdkHmacScope {
  date: string;
  region: string;
  service: string;
}

export interface ParsedSdkAuthorization {
  form: SdkHmacForm;
  ak: string;
  /** Lower-case names, in the order the client declared them. */
  signedHeaders: string[];
  signature: string;
  /** Scoped form only. */
  scope?: SdkHmacScope;
}

/** What the verifier needs of a received request: the bytes as they arrived, nothing re-serialised. */
export interface ReceivedRequest {
  method: string;
  /** The request target's path as received (still percent-encoded), e.g. `/v1/abc/vpc-endpoints`. */
  rawPath: string;
  /** The query string as received, without `?` (empty when none). */
  rawQuery: string;
  /** Every received value per lower-case header name, in arrival order. */
  headers: ReadonlyMap<string, readonly string[]>;
  body: Uint8Array | string;
}

export type SdkHmacFailure = 'malformed' | 'unknown-key' | 'date-missing' | 'date-skew' | 'scope-mismatch' | 'signature-mismatch';

export type SdkHmacResult =
  | { ok: true; ak: string; form: SdkHmacForm }
  | { ok: false; reason: SdkHmacFailure; detail: string; form?: SdkHmacForm };

export interface VerifyOptions {
  /** The sandbox's region: a scoped signature naming another region is refused. */
  region: string;
  maxSkewMs?: number;
}

// ---- parsing ---------------------------------------------------------------------------------------------

const ACCESS_RE = /^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$/;
const SCOPED_RE = /^SDK-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$/;

function signedHeaderList(text: string): string[] | undefined {
  const names = text.split(';').map((h) => h.trim().toLowerCase());
  return names.length > 0 && names.every((n) => /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(n)) ? names : undefined;
}

/** Either form; undefined when the value is neither (answered as `malformed`). */
export function parseSdkAuthorization(value: string): ParsedSdkAuthorization | undefined {
  const text = value.trim();
  const access = ACCESS_RE.exec(text);
  if (access) {
    const [, ak, signed, signature] = access;
    const names = signedHeaderList(signed ?? '');
    if (!ak || !names || !signature) return undefined;
    return { form: 'access', ak, signedHeaders: names, signature: signature.toLowerCase() };
  }
  const scoped = SCOPED_RE.exec(text);
  if (scoped) {
    const [, credential, signed, signature] = scoped;
    const names = signedHeaderList(signed ?? '');
    // AK/date/region/service/sdk_request: region and service may be empty, so split keeps empty parts.
    const parts = (credential ?? '').split('/');
    if (!names || !signature || parts.length !== 5) return undefined;
    const [ak, date, region, service, terminator] = parts as [string, string, string, string, string];
    if (!ak || !/^\d{8}$/.test(date) || terminator !== SCOPE_TERMINATOR) return undefined;
    return { form: 'scoped', ak, signedHeaders: names, signature: signature.toLowerCase(), scope: { date, region, service } };
  }
  return undefined;
}

// ---- shared helpers ---------------------------------------------------------------------------------------

const hexSha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Uint8Array | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

const UNRESERVED = new Uint8Array(256);
for (let c = 0; c < 256; c += 1) {
  const ch = String.fromCharCode(c);
  UNRESERVED[c] = /[A-Za-z0-9._~-]/.test(ch) ? 1 : 0;
}

/** `%XX` (upper-case) for every UTF-8 byte outside A-Z a-z 0-9 - _ . ~ (and `/` when `keepSlash`). */
function encodeBytes(text: string, keepSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (UNRESERVED[byte] === 1 || (keepSlash && byte === 0x2f)) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go `url.QueryEscape`: like {@link encodeBytes} but space as `+`. */
function goQueryEscape(text: string): string {
  return encodeBytes(text, false).replace(/%20/g, '+');
}

/** Percent-decoding that throws on malformed escapes (a malformed request is refused, not guessed). */
function percentDecode(text: string, plusIsSpace: boolean): string {
  return decodeURIComponent(plusIsSpace ? text.replace(/\+/g, ' ') : text);
}

/** Query pairs as a form decoder reads them (WHATWG and Go agree): split on `&`, then the first `=`. */
function queryPairs(rawQuery: string, dropSemicolonPairs: boolean): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    if (dropSemicolonPairs && part.includes(';')) continue; // Go ≥1.17 ParseQuery skips these
    const eq = part.indexOf('=');
    const name = percentDecode(eq < 0 ? part : part.slice(0, eq), true);
    const value = percentDecode(eq < 0 ? '' : part.slice(eq + 1), true);
    if (dropSemicolonPairs && name === '') continue;
    pairs.push([name, value]);
  }
  return pairs;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---- the Access= form (API gateway documentation) ------------------------------------------------------------

function accessCanonicalUri(rawPath: string): string {
  const path = rawPath.split('/').map((segment) => encodeBytes(percentDecode(segment, false), false)).join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

function accessCanonicalQuery(rawQuery: string): string {
  // As the gateway's reference signers do: sort the decoded names (then values), encode afterwards.
  return queryPairs(rawQuery, false)
    .sort((a, b) => byCodeUnits(a[0], b[0]) || byCodeUnits(a[1], b[1]))
    .map(([k, v]) => `${encodeBytes(k, false)}=${encodeBytes(v, false)}`)
    .join('&');
}

function accessHeaderValue(req: ReceivedRequest, name: string): string {
  return (req.headers.get(name) ?? []).join(',').trim();
}

function accessCanonical(req: ReceivedRequest, auth: ParsedSdkAuthorization): string {
  const headers = auth.signedHeaders.map((h) => `${h}:${accessHeaderValue(req, h)}\n`).join('');
  const payload = req.headers.get('x-sdk-content-sha256')?.[0] ?? hexSha256(req.body);
  return [req.method.toUpperCase(), accessCanonicalUri(req.rawPath), accessCanonicalQuery(req.rawQuery), headers, auth.signedHeaders.join(';'), payload].join('\n');
}

// ---- the Credential= (scoped) form (gophertelekomcloud signer_helper.go) -----------------------------------------

function scopedCanonicalUri(rawPath: string): string {
  let path = percentDecode(rawPath, false);
  if (!path.startsWith('/')) path = `/${path}`;
  if (!path.endsWith('/')) path = `${path}/`;
  return encodeBytes(path, true);
}

/** Go `url.Values` from the raw query: name → values in order. */
function goValues(rawQuery: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [k, v] of queryPairs(rawQuery, true)) {
    const list = values.get(k) ?? [];
    list.push(v);
    values.set(k, list);
  }
  return values;
}

function scopedCanonicalQuery(values: Map<string, string[]>): string {
  return [...values.entries()]
    .map(([k, v]) => [encodeBytes(k, false), encodeBytes(v[0] ?? '', false)] as const)
    .sort((a, b) => byCodeUnits(a[0].toLowerCase(), b[0].toLowerCase()) || byCodeUnits(a[0], b[0]))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Go `url.Values.Encode()`: names sorted, every value, QueryEscape. */
function goEncode(values: Map<string, string[]>): string {
  return [...values.keys()]
    .sort(byCodeUnits)
    .flatMap((k) => (values.get(k) ?? []).map((v) => `${goQueryEscape(k)}=${goQueryEscape(v)}`))
    .join('&');
}

function scopedHeaderValue(req: ReceivedRequest, name: string): string {
  return (req.headers.get(name)?.[0] ?? '').replace(/\s+/g, ' ');
}

/** The canonical requests a scoped signature may have been computed over (two for a POST with an empty body). */
function scopedCanonicals(req: ReceivedRequest, auth: ParsedSdkAuthorization): string[] {
  const method = req.method.toUpperCase();
  const uri = scopedCanonicalUri(req.rawPath);
  const headers = auth.signedHeaders.map((h) => `${h}:${scopedHeaderValue(req, h)}\n`).join('');
  const signed = auth.signedHeaders.join(';');
  const declared = req.headers.get('x-sdk-content-sha256')?.[0];
  const values = goValues(req.rawQuery);
  const query = scopedCanonicalQuery(values);
  const build = (q: string, payload: string): string => [method, uri, q, headers, signed, payload].join('\n');
  const emptyBody = (typeof req.body === 'string' ? req.body.length : req.body.byteLength) === 0;
  if (declared !== undefined) return [build(query, declared)];
  if (method === 'POST' && emptyBody) {
    // The SDK's "POST without body": the query string is the payload and the canonical query is empty.
    return [build('', hexSha256(goEncode(values))), build(query, hexSha256(''))];
  }
  return [build(query, hexSha256(req.body))];
}

const signingKeys = new Map<string, Buffer>();
const MAX_CACHED_KEYS = 512;

/** HMAC chain "SDK"+SK → date → region → service → "sdk_request" (cached: the chain is 4 HMACs per request). */
function scopedSigningKey(sk: string, scope: SdkHmacScope): Buffer {
  const cacheKey = `${sk}\n${scope.date}\n${scope.region}\n${scope.service}`;
  const cached = signingKeys.get(cacheKey);
  if (cached) return cached;
  const kDate = hmac(`SDK${sk}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  const key = hmac(kService, SCOPE_TERMINATOR);
  if (signingKeys.size >= MAX_CACHED_KEYS) signingKeys.clear();
  signingKeys.set(cacheKey, key);
  return key;
}

// ---- verification -------------------------------------------------------------------------------------------

/** `YYYYMMDDTHHMMSSZ` → Date, or undefined. */
export function parseSdkDateTime(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? date : undefined;
}

function sameHex(expectedHex: string, givenHex: string): boolean {
  const a = Buffer.from(expectedHex, 'hex');
  const b = Buffer.from(givenHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/**
 * Verifies the Authorization header of a received request. `lookupSk` maps an AK to its SK (undefined when
 * the AK is unknown).
 */
export function verifySdkHmac(req: ReceivedRequest, lookupSk: (ak: string) => string | undefined, now: Date, options: VerifyOptions): SdkHmacResult {
  const authorization = req.headers.get('authorization')?.[0];
  if (!authorization) return { ok: false, reason: 'malformed', detail: 'no Authorization header' };
  const auth = parseSdkAuthorization(authorization);
  if (!auth) return { ok: false, reason: 'malformed', detail: 'Authorization is neither SDK-HMAC-SHA256 Access=… nor Credential=…' };
  const fail = (reason: SdkHmacFailure, detail: string): SdkHmacResult => ({ ok: false, reason, detail, form: auth.form });
  const sk = lookupSk(auth.ak.trim());
  if (sk === undefined) return fail('unknown-key', `unknown access key ${auth.ak}`);

  const sdkDate = req.headers.get('x-sdk-date')?.[0];
  const when = sdkDate === undefined ? undefined : parseSdkDateTime(sdkDate);
  if (sdkDate === undefined || !when) return fail('date-missing', 'X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ');
  if (auth.form === 'access' && !auth.signedHeaders.includes('x-sdk-date')) return fail('date-missing', 'X-Sdk-Date is not among SignedHeaders');
  const skew = Math.abs(now.getTime() - when.getTime());
  if (skew > (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) return fail('date-skew', `X-Sdk-Date ${sdkDate} is ${Math.round(skew / 1000)} s away from the server time`);

  let canonicals: string[];
  try {
    canonicals = auth.form === 'access' ? [accessCanonical(req, auth)] : scopedCanonicals(req, auth);
  } catch {
    return fail('malformed', 'the path or query has a malformed percent-escape');
  }

  let key: Buffer | string;
  let prefix: string;
  if (auth.form === 'scoped' && auth.scope) {
    const scope = auth.scope;
    if (scope.date !== sdkDate.slice(0, 8)) return fail('scope-mismatch', `credential scope date ${scope.date} is not the date of X-Sdk-Date ${sdkDate}`);
    if (scope.region !== '' && scope.region !== options.region) return fail('scope-mismatch', `credential scope region ${scope.region} is not ${options.region}`);
    key = scopedSigningKey(sk, scope);
    prefix = `${SDK_HMAC_ALGORITHM}\n${sdkDate}\n${scope.date}/${scope.region}/${scope.service}/${SCOPE_TERMINATOR}\n`;
  } else {
    key = sk;
    prefix = `${SDK_HMAC_ALGORITHM}\n${sdkDate}\n`;
  }
  for (const canonical of canonicals) {
    const expected = createHmac('sha256', key).update(prefix + hexSha256(canonical)).digest('hex');
    if (sameHex(expected, auth.signature)) return { ok: true, ak: auth.ak.trim(), form: auth.form };
  }
  return fail('signature-mismatch', 'the signature does not match the request');
}

/** Header map for {@link ReceivedRequest} from node's `rawHeaders` ([name, value, name, value, …]). */
export function headersFromRaw(rawHeaders: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const list = out.get(name) ?? [];
    list.push(rawHeaders[i + 1] ?? '');
    out.set(name, list);
  }
  return out;
}

/** Splits a request target (`/path?query`) into its raw path and raw query. */
export function splitTarget(target: string): { rawPath: string; rawQuery: string } {
  const q = target.indexOf('?');
  const withoutFragment = target.split('#')[0] ?? '';
  if (q < 0) return { rawPath: withoutFragment, rawQuery: '' };
  return { rawPath: withoutFragment.slice(0, q), rawQuery: withoutFragment.slice(q + 1) };
}
