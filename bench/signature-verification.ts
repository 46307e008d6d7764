/**
 * Cost of the sandbox's AK/SK signature verification per request, before and after issue 13:
 *   before — what the sandbox's authenticator did: flatten node's headers, then the product's `verify()` (src/otc/signer.ts);
 *   after  — what it does now: headers from `rawHeaders`, split target, then its own `verifySdkHmac()`
 *            (src/sandbox/auth/sdk-hmac-verifier.ts), for the Access= form and for gophertelekomcloud's scoped form.
 * Same requests for before and after (signed by the product's signer); the scoped ones are the committed
 * gophertelekomcloud fixtures. Each call is timed alone (hrtime); prints one JSON line per case:
 * { case, form, n, medianUs, p99Us }.
 * Run: npx tsx bench/signature-verification.ts [--n 20000]
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { parseArgs } from 'node:util';
import { prepareSigningHeaders, sign, verify } from '../src/otc/signer.js';
import { headersFromRaw, parseSdkDateTime, splitTarget, verifySdkHmac } from '../src/sandbox/auth/sdk-hmac-verifier.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' } } });
const n = Number(values.n);

interface Received {
  method: string;
  url: string;
  /** node's `req.headers` (lower-case names, repeated values joined) and `req.rawHeaders`. */
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  now: Date;
}

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const lookup = (ak: string): string | undefined => (ak === AK ? SK : undefined);

function received(method: string, url: string, headers: Record<string, string>, body: string, now: Date): Received {
  const rawHeaders = Object.entries(headers).flat();
  const lower: IncomingHttpHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, url, headers: lower, rawHeaders, body: Buffer.from(body), now };
}

/** A request as the product's transport sends it (Access= form). */
function productSigned(method: string, url: string, body: string): Received {
  const now = new Date();
  const headers = prepareSigningHeaders(url, { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'kafka-crossvpc/0.1.0', 'X-Project-Id': '0391e4486e864c26be5654c522f440f2' }, now);
  headers.Authorization = sign({ method, url, headers, body }, { ak: AK, sk: SK }).authorization;
  return received(method, url, headers, body, now);
}

// ---- the two verification paths, exactly as the authenticator runs them --------------------------------------

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function before(r: Received): boolean {
  const authorization = r.headers.authorization ?? '';
  return verify({ method: r.method, url: r.url, headers: flatHeaders(r.headers), body: r.body.toString('utf8'), authorization }, lookup, r.now).ok;
}

function after(r: Received): boolean {
  const target = r.url.replace(/^[a-z]+:\/\/[^/]+/i, '');
  return verifySdkHmac({ method: r.method, ...splitTarget(target), headers: headersFromRaw(r.rawHeaders), body: r.body }, lookup, r.now, { region: 'eu-de' }).ok;
}

function measure(label: string, form: string, r: Received, fn: (r: Received) => boolean): void {
  if (!fn(r)) throw new Error(`${label}: the signature does not verify`);
  for (let i = 0; i < Math.min(2_000, n); i += 1) fn(r);
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const t0 = process.hrtime.bigint();
    fn(r);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  samples.sort();
  const at = (q: number): number => Math.round((samples[Math.min(n - 1, Math.floor(q * n))] ?? 0) * 10) / 10;
  process.stdout.write(`${JSON.stringify({ case: label, form, n, medianUs: at(0.5), p99Us: at(0.99) })}\n`);
}

const base = 'http://127.10.0.1:40001/v1/0391e4486e864c26be5654c522f440f2';
const get = productSigned('GET', `${base}/vpc-endpoints?limit=500&offset=0&endpoint_service_name=cvpc-abcdef01234`, '');
const postBody = JSON.stringify({
  port_id: '5e8b7f0c-0d6f-4c5e-9f3a-2b1a0c9d8e7f',
  vpc_id: '3b5c7d9e-1f2a-4b6c-8d0e-2f4a6b8c0d1e',
  server_type: 'VM',
  service_type: 'interface',
  ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' }],
  approval_enabled: false,
  service_name: 'cvpc-abcdef01234',
  tags: [{ key: 'crossvpc-access', value: '96577d34-2938-4860-bd62-158c102582fe' }, { key: 'crossvpc-port', value: '5e8b7f0c-0d6f-4c5e-9f3a-2b1a0c9d8e7f' }],
  description: 'kafka-crossvpc crossvpc-access=96577d34-2938-4860-bd62-158c102582fe port 5e8b7f0c-0d6f-4c5e-9f3a-2b1a0c9d8e7f',
});
const post = productSigned('POST', `${base}/vpc-endpoint-services`, postBody);

measure('GET with query, product-signed', 'Access= / before (product verify)', get, before);
measure('GET with query, product-signed', 'Access= / after (sandbox verifier)', get, after);
measure(`POST ${postBody.length}-byte body, product-signed`, 'Access= / before (product verify)', post, before);
measure(`POST ${postBody.length}-byte body, product-signed`, 'Access= / after (sandbox verifier)', post, after);

interface Vector {
  name: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
  authorization: string;
  sdkDate: string;
}
const vectors = JSON.parse(readFileSync(new URL('../test/sandbox/fixtures/gophertelekomcloud-signatures.json', import.meta.url), 'utf8')) as Vector[];
for (const name of ['get-with-query-order-and-escapes', 'post-json-body']) {
  const v = vectors.find((x) => x.name === name);
  if (!v) throw new Error(`no fixture ${name}`);
  const headers = Object.fromEntries([...v.headers, ['Authorization', v.authorization]]);
  const r = received(v.method, v.url, headers, v.body, parseSdkDateTime(v.sdkDate) ?? new Date());
  measure(`gophertelekomcloud ${name}`, 'Credential= / after (sandbox verifier; before: refused)', r, after);
}
