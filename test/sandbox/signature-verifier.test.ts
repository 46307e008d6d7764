/**
 * The sandbox's own SDK-HMAC-SHA256 verifier (src/sandbox/auth/sdk-hmac-verifier.ts), against
 * - the published vectors of the Access= form (otc-dms-vpc-iam-api.md §5.2: TV-1 official guide, TV-2/3
 *   huaweicloud-sdk-go-v3 signer_test.go), and
 * - requests signed by gophertelekomcloud v0.9.8's own signer in the scoped Credential= form
 *   (fixtures/gophertelekomcloud-signatures.json, written by `test/go` `gotc-check vectors`; test/go re-creates
 *   them live and compares),
 * and every kind of tampering: method, path, query, header, body, date (stale by more than 15 minutes) and scope.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { headersFromRaw, parseSdkAuthorization, parseSdkDateTime, splitTarget, verifySdkHmac, type ReceivedRequest } from '../../src/sandbox/auth/sdk-hmac-verifier.js';

interface Vector {
  name: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
  authorization: string;
  sdkDate: string;
}

const GUIDE_AK = 'QTWAOYTTINDUT2QVKYUC';
const GUIDE_SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const keys: Record<string, string> = { [GUIDE_AK]: GUIDE_SK, AccessKey: 'SecretKey' };
const lookup = (ak: string): string | undefined => keys[ak];

const gophertelekomcloudVectors = JSON.parse(readFileSync(new URL('./fixtures/gophertelekomcloud-signatures.json', import.meta.url), 'utf8')) as Vector[];

/** A received request as the sandbox's HTTP server hands it over: the target and headers exactly as sent. */
function received(v: Pick<Vector, 'method' | 'url' | 'headers' | 'body' | 'authorization'>): ReceivedRequest {
  const target = v.url.replace(/^[a-z]+:\/\/[^/]+/i, '');
  const raw = v.headers.flatMap(([k, val]) => [k, val]);
  raw.push('Authorization', v.authorization);
  return { method: v.method, ...splitTarget(target), headers: headersFromRaw(raw), body: v.body };
}

const at = (sdkDate: string, plusMs = 0): Date => new Date((parseSdkDateTime(sdkDate)?.getTime() ?? NaN) + plusMs);

function check(v: Vector, mutate: (v: Vector) => Vector = (x) => x, plusMs = 0, region = 'eu-de') {
  return verifySdkHmac(received(mutate(structuredClone(v))), lookup, at(v.sdkDate, plusMs), { region });
}

const setHeader = (v: Vector, name: string, value: string): Vector => ({
  ...v,
  headers: [...v.headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase()), [name, value]],
});

// ---- the published Access= vectors ---------------------------------------------------------------------------

const TV1: Vector = {
  name: 'TV-1 official guide',
  method: 'GET',
  url: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
  headers: [
    ['Content-Type', 'application/json'],
    ['Host', 'service.region.example.com'],
    ['X-Sdk-Date', '20191115T033655Z'],
  ],
  body: '',
  authorization: `SDK-HMAC-SHA256 Access=${GUIDE_AK}, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe`,
  sdkDate: '20191115T033655Z',
};
const TV2: Vector = {
  name: 'TV-2 huaweicloud-sdk-go-v3 GET',
  method: 'GET',
  url: 'https://example.huaweicloud.com/path?limit=1',
  headers: [
    ['X-Sdk-Date', '20060102T150405Z'],
    ['TEST_UNDERSCORE', 'x'],
  ],
  body: '',
  authorization: 'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
  sdkDate: '20060102T150405Z',
};
const TV3: Vector = {
  name: 'TV-3 huaweicloud-sdk-go-v3 POST (body with trailing newline)',
  method: 'POST',
  url: 'https://example.huaweicloud.com/path?key=value',
  headers: [
    ['X-Sdk-Date', '20060102T150405Z'],
    ['Content-Type', 'application/json'],
  ],
  body: '{"Name":"test","Id":1}\n',
  authorization: 'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
  sdkDate: '20060102T150405Z',
};

describe('Access= form: the published vectors', () => {
  it.each([TV1, TV2, TV3])('$name verifies', (v) => {
    expect(check(v)).toEqual({ ok: true, ak: v === TV1 ? GUIDE_AK : 'AccessKey', form: 'access' });
  });

  it('TV-3 without its trailing newline does not (body bytes matter)', () => {
    expect(check(TV3, (v) => ({ ...v, body: '{"Name":"test","Id":1}' }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('an unsigned header (TV-2 TEST_UNDERSCORE) may change freely', () => {
    expect(check(TV2, (v) => setHeader(v, 'TEST_UNDERSCORE', 'other'))).toMatchObject({ ok: true });
  });
});

describe('Credential= (scoped) form: gophertelekomcloud v0.9.8 signatures', () => {
  it('the fixtures cover GET, POST with a body, POST without one, DELETE, a regional scope and odd headers', () => {
    expect(gophertelekomcloudVectors.map((v) => v.name)).toEqual([
      'get-project-by-name',
      'get-with-query-order-and-escapes',
      'post-json-body',
      'post-without-body-hashes-query',
      'delete-no-body',
      'scope-with-region-and-service',
      'header-whitespace-collapsed',
    ]);
    for (const v of gophertelekomcloudVectors) expect(parseSdkAuthorization(v.authorization)?.form).toBe('scoped');
  });

  it.each(gophertelekomcloudVectors)('$name verifies', (v) => {
    expect(check(v)).toEqual({ ok: true, ak: GUIDE_AK, form: 'scoped' });
  });

  it('parses the scope with empty region and service', () => {
    expect(parseSdkAuthorization(gophertelekomcloudVectors[0]?.authorization ?? '')).toEqual({
      form: 'scoped',
      ak: GUIDE_AK,
      signedHeaders: ['accept', 'host', 'user-agent', 'x-sdk-date'],
      signature: 'ea99c17578271be671d99c39173df4060dc887dd59445ffb20762ff037145f5f',
      scope: { date: '20240307', region: '', service: '' },
    });
  });
});

// ---- tampering, both forms -------------------------------------------------------------------------------------

const byName = (name: string): Vector => {
  const v = gophertelekomcloudVectors.find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v;
};

const forms: [string, Vector, Vector][] = [
  // [form, a GET with a query, a POST with a body]
  ['Access=', TV1, TV3],
  ['Credential=', byName('get-with-query-order-and-escapes'), byName('post-json-body')],
];

describe.each(forms)('%s tampering is refused', (_form, get, post) => {
  it('method', () => {
    expect(check(get, (v) => ({ ...v, method: 'DELETE' }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
  it('path', () => {
    expect(check(get, (v) => ({ ...v, url: v.url.replace('/v1/', '/v2/') }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
  it('query (changed value, added parameter)', () => {
    expect(check(get, (v) => ({ ...v, url: v.url.replace(/limit=\d+/, 'limit=9') }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(check(get, (v) => ({ ...v, url: `${v.url}&extra=1` }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
  it('a signed header', () => {
    const signed = parseSdkAuthorization(get.authorization)?.signedHeaders.find((h) => h !== 'x-sdk-date' && h !== 'host') ?? 'host';
    expect(check(get, (v) => setHeader(v, signed, 'tampered/1.0'))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(check(get, (v) => setHeader(v, 'Host', 'evil.example.com'))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
  it('body', () => {
    expect(check(post, (v) => ({ ...v, body: v.body.replace('1', '2') }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
  it('date: stale by more than 15 minutes (either way), or moved within the window', () => {
    expect(check(get, undefined, 16 * 60_000)).toMatchObject({ ok: false, reason: 'date-skew' });
    expect(check(get, undefined, -16 * 60_000)).toMatchObject({ ok: false, reason: 'date-skew' });
    expect(check(get, undefined, 14 * 60_000)).toMatchObject({ ok: true });
    const later = (d: string) => d.replace(/\d{2}Z$/, (s) => `${String((Number(s.slice(0, 2)) + 1) % 60).padStart(2, '0')}Z`);
    expect(check(get, (v) => setHeader(v, 'X-Sdk-Date', later(v.sdkDate)))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(check(get, (v) => ({ ...v, headers: v.headers.filter(([k]) => k.toLowerCase() !== 'x-sdk-date') }))).toMatchObject({ ok: false, reason: 'date-missing' });
  });
  it('unknown access key, wrong secret key, malformed header', () => {
    expect(check(get, (v) => ({ ...v, authorization: v.authorization.replace(/(Access=|Credential=)[A-Za-z]+/, '$1NOSUCHKEY') }))).toMatchObject({ ok: false, reason: 'unknown-key' });
    const ak = parseSdkAuthorization(get.authorization)?.ak ?? '';
    const saved = keys[ak];
    keys[ak] = `${saved ?? ''}x`;
    try {
      expect(check(get)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    } finally {
      keys[ak] = saved ?? '';
    }
    expect(check(get, (v) => ({ ...v, authorization: v.authorization.replace('Signature=', 'Sig=') }))).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(get, (v) => ({ ...v, authorization: 'Bearer abc' }))).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('Credential= scope tampering is refused', () => {
  const v = byName('get-project-by-name');
  const withScope = (scope: string) => (x: Vector): Vector => ({ ...x, authorization: x.authorization.replace('/20240307///sdk_request', scope) });
  it('a scope date other than the X-Sdk-Date date', () => {
    expect(check(v, withScope('/20240306///sdk_request'))).toMatchObject({ ok: false, reason: 'scope-mismatch' });
  });
  it('another region than the sandbox’s', () => {
    expect(check(v, withScope('/20240307/eu-nl//sdk_request'))).toMatchObject({ ok: false, reason: 'scope-mismatch' });
  });
  it('a region or service that was not signed over', () => {
    expect(check(v, withScope('/20240307/eu-de//sdk_request'))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(check(v, withScope('/20240307//iam/sdk_request'))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
  it('a scope not ending in sdk_request is malformed', () => {
    expect(check(v, withScope('/20240307///aws4_request'))).toMatchObject({ ok: false, reason: 'malformed' });
  });
  it('a regional scope verifies only in its region', () => {
    const regional = byName('scope-with-region-and-service');
    expect(check(regional)).toMatchObject({ ok: true });
    expect(check(regional, undefined, 0, 'eu-nl')).toMatchObject({ ok: false, reason: 'scope-mismatch' });
  });
});

describe('Credential= POST without a body (the SDK hashes the query string)', () => {
  const v = byName('post-without-body-hashes-query');
  it('verifies, and the query is still protected', () => {
    expect(check(v)).toMatchObject({ ok: true });
    expect(check(v, (x) => ({ ...x, url: x.url.replace('b=2', 'b=3') }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(check(v, (x) => ({ ...x, body: '{}' }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
});
