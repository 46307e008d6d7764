/** Helpers for control-plane tests: address prefixes, fast scenarios, product clients per account, raw calls. */
import { request } from 'undici';
import { createOtcClients, type OtcClients } from '../../../src/otc/otc-clients.js';
import { prepareSigningHeaders, sign } from '../../../src/otc/signer.js';
import { defaultScenario } from '../../../src/sandbox/scenario/default-scenario.js';
import type { ScenarioInput } from '../../../src/sandbox/scenario/schema.js';
import type { ReadyAccount, Sandbox } from '../../../src/sandbox/start-sandbox.js';

export { claimAddressPrefix } from '../../support/address-block.js';

/** The default scenario with short delays (tests that measure the default timing use 'default'). */
export function fastScenario(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    ...defaultScenario,
    delays: { serviceCreate: 200, serviceUpdate: 100, serviceDelete: 600, endpointCreate: 200, endpointDelete: 600 },
    ...overrides,
  };
}

export function account(sb: Sandbox, name: string): ReadyAccount {
  const a = sb.ready.accounts.find((x) => x.name === name);
  if (!a) throw new Error(`no account ${name}`);
  return a;
}

export function clients(sb: Sandbox, name: string, kind: 'aksk' | 'password' = 'aksk'): OtcClients {
  const a = account(sb, name);
  return createOtcClients({
    name: name.toLowerCase(),
    region: sb.ready.region,
    projectId: a.projectId,
    domainId: a.domainId,
    credentials:
      kind === 'aksk'
        ? { kind: 'aksk', ak: a.ak, sk: a.sk }
        : { kind: 'password', username: a.username, password: a.password, domainName: a.domainName, projectName: a.projectName },
    endpoints: { iam: sb.urls.iam, vpcep: sb.urls.vpcep, dms: sb.urls.dms, vpc: sb.urls.vpc, dns: sb.urls.dns },
    timeoutMs: 10_000,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface RawOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sign with this AK/SK (default: no auth). */
  sign?: { ak: string; sk: string; date?: Date };
}

/** One HTTP call, optionally AK/SK-signed with the product's signer. */
export async function raw(url: string, options: RawOptions = {}): Promise<RawResponse> {
  const method = options.method ?? 'GET';
  const bodyText = options.body === undefined ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  let headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers };
  if (options.sign) {
    headers = prepareSigningHeaders(url, headers, options.sign.date ?? new Date());
    headers.Authorization = sign({ method, url, headers, body: bodyText }, options.sign).authorization;
  }
  const res = await request(url, { method: method as 'GET', headers, ...(bodyText ? { body: bodyText } : {}) });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with the error a promise rejects with (fails when it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error & { status?: number; code?: string; retryable?: boolean }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { status?: number; code?: string };
  }
  throw new Error('expected the call to fail');
}
