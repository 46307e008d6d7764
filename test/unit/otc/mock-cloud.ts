/**
 * Test helper: an undici MockAgent that records every request (method, path, query, parsed body, headers)
 * and checks AK/SK signatures with the signer's own `verify`.
 */
import { MockAgent } from 'undici';
import { verify, type VerifyResult } from '../../../src/otc/signer.js';
import { createOtcClients, type OtcClients } from '../../../src/otc/otc-clients.js';
import type { OtcConfig } from '../../../src/otc/otc-config.js';

export const NOW = new Date('2025-03-04T05:06:07Z');
export const AK = 'QTWAOYTTINDUT2QVKYUC';
export const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
export const PROJECT_ID = 'a4a5d4098fb4474fa22cd05f897d6b99';
export const DOMAIN_ID = '1564ec50ef2a47c791ea5536353ed4b9';

export const ORIGINS = {
  iam: 'https://iam.eu-de.otc.t-systems.com',
  vpcep: 'https://vpcep.eu-de.otc.t-systems.com',
  dms: 'https://dms.eu-de.otc.t-systems.com',
  vpc: 'https://vpc.eu-de.otc.t-systems.com',
} as const;
export type Origin = keyof typeof ORIGINS;

export interface RecordedRequest {
  service: Origin;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: unknown;
  rawBody: string;
  headers: Record<string, string>;
  signature: VerifyResult | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function headerRecord(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(h)) {
    for (let i = 0; i + 1 < h.length; i += 2) out[String(h[i])] = String(h[i + 1]);
  } else if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function lower(h: Record<string, string>, name: string): string | undefined {
  return Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
}

export class MockCloud {
  readonly agent = new MockAgent();
  readonly requests: RecordedRequest[] = [];

  constructor() {
    this.agent.disableNetConnect();
  }

  /** Expects one request `method path` (path without query) on `service`; answers with `reply`. */
  on(service: Origin, method: string, path: string, reply: Reply | ((req: RecordedRequest) => Reply), times = 1): void {
    this.agent
      .get(ORIGINS[service])
      .intercept({ method, path: (p: string) => p.split('?')[0] === path })
      .reply((opts) => {
        const headers = headerRecord(opts.headers);
        const full = opts.path;
        const url = new URL(`${ORIGINS[service]}${full}`);
        const query: Record<string, string | string[]> = {};
        for (const key of new Set(url.searchParams.keys())) {
          const all = url.searchParams.getAll(key);
          query[key] = all.length === 1 ? (all[0] ?? '') : all;
        }
        const rawBody = typeof opts.body === 'string' ? opts.body : opts.body === undefined || opts.body === null ? '' : String(opts.body);
        const authorization = lower(headers, 'authorization');
        const signature = authorization?.startsWith('SDK-HMAC-SHA256')
          ? verify({ method: opts.method, url: url.toString(), headers, body: rawBody, authorization }, (ak) => (ak === AK ? SK : undefined), NOW)
          : undefined;
        const rec: RecordedRequest = {
          service,
          method: opts.method,
          path: url.pathname,
          query,
          body: rawBody ? (JSON.parse(rawBody) as unknown) : undefined,
          rawBody,
          headers,
          signature,
        };
        this.requests.push(rec);
        const r = typeof reply === 'function' ? reply(rec) : reply;
        const data = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        return { statusCode: r.status, data, responseOptions: { headers: { 'content-type': 'application/json', ...(r.headers ?? {}) } } };
      })
      .times(times);
  }

  last(): RecordedRequest {
    const r = this.requests[this.requests.length - 1];
    if (!r) throw new Error('no request recorded');
    return r;
  }

  header(req: RecordedRequest, name: string): string | undefined {
    return lower(req.headers, name.toLowerCase());
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export function akskConfig(overrides: Partial<OtcConfig> = {}): OtcConfig {
  return {
    name: 'default',
    region: 'eu-de',
    projectId: PROJECT_ID,
    domainId: DOMAIN_ID,
    credentials: { kind: 'aksk', ak: AK, sk: SK },
    endpoints: {},
    timeoutMs: 5_000,
    ...overrides,
  };
}

export function akskClients(cloud: MockCloud, overrides: Partial<OtcConfig> = {}): OtcClients {
  return createOtcClients(akskConfig(overrides), { dispatcher: cloud.agent, now: () => NOW });
}
