/**
 * OTC error types, the single error-body parser and THE table that decides retryability.
 *
 * Callers never decide retryability themselves: they read `err.retryable` (or use {@link isRetryable}).
 * Body shapes handled by {@link parseOtcError} (references: otc-vpcep-api.md §9, otc-dms-vpc-iam-api.md §7):
 *   - VPCEP / DMS / IAM generic / VPC v3: `{"error_code","error_msg"[,"request_id"]}`
 *   - VPC v1 (and tolerated for VPCEP):   `{"code","message"}`
 *   - Neutron v2.0:                       `{"NeutronError":{"type","message","detail"}}`
 *   - VPC v1 batch APIs:                  a NeutronError JSON document inside `error_msg`
 *   - IAM keystone:                       `{"error":{"code":401,"message","title"}}`
 *   - API gateway (all services):         `{"error_msg","error_code":"APIGW.0xxx","request_id"}`
 */
import type { OtcServiceName } from './endpoints.js';

export type OtcErrorService = OtcServiceName | 'unknown';

/** Broad category of an API error; predicates below are built on it. */
export type OtcErrorKind =
  | 'throttled'
  | 'busy'
  | 'server'
  | 'not-found'
  | 'conflict'
  | 'quota'
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'unknown';

export interface OtcApiErrorInit {
  service: OtcErrorService;
  status: number;
  code: string;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
  /** The raw response body (truncated), for logs. Never contains request secrets. */
  body?: string;
  method?: string;
  path?: string;
}

/** An HTTP error answer of an OTC API (any non-2xx status). */
export class OtcApiError extends Error {
  override readonly name = 'OtcApiError';
  readonly service: OtcErrorService;
  readonly status: number;
  readonly code: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly kind: OtcErrorKind;
  readonly body?: string;
  readonly method?: string;
  readonly path?: string;

  constructor(init: OtcApiErrorInit) {
    const where = init.method && init.path ? ` (${init.method} ${init.path})` : '';
    const rid = init.requestId ? ` [request ${init.requestId}]` : '';
    super(`${init.service} ${init.status} ${init.code}: ${init.message}${where}${rid}`);
    this.service = init.service;
    this.status = init.status;
    this.code = init.code;
    this.message = init.message;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.body !== undefined) this.body = init.body;
    if (init.method !== undefined) this.method = init.method;
    if (init.path !== undefined) this.path = init.path;
    const decision = classify(init.status, init.code, init.message);
    this.retryable = decision.retryable;
    this.kind = decision.kind;
  }

  /** One line including status and code (the `message` field holds only the server's text). */
  describe(): string {
    return `${this.service} ${this.status} ${this.code}: ${this.message}${this.requestId ? ` [request ${this.requestId}]` : ''}`;
  }
}

export type OtcTransportErrorKind = 'timeout' | 'network';

/** The request never got an HTTP answer: timeout, connection reset/refused, socket closed. Always retryable. */
export class OtcTransportError extends Error {
  override readonly name = 'OtcTransportError';
  readonly retryable = true as const;
  readonly service: OtcErrorService;
  readonly kind: OtcTransportErrorKind;
  /** The low-level code when known (`ECONNRESET`, `UND_ERR_SOCKET`, …). */
  readonly code?: string;

  constructor(init: { service: OtcErrorService; kind: OtcTransportErrorKind; message: string; code?: string; cause?: unknown }) {
    super(`${init.service} ${init.kind}: ${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.service = init.service;
    this.kind = init.kind;
    if (init.code !== undefined) this.code = init.code;
  }
}

/** A 2xx answer whose body does not match the expected schema (API drift or a bug). Not retryable. */
export class OtcResponseShapeError extends Error {
  override readonly name = 'OtcResponseShapeError';
  readonly retryable = false as const;
  constructor(
    readonly service: OtcErrorService,
    readonly path: string,
    readonly issues: string,
    readonly requestId?: string,
  ) {
    super(`${service} response of ${path} has an unexpected shape: ${issues}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// THE retry table. First matching row wins. Codes compare case-insensitively (`EndPoint.` vs `Endpoint.`).

interface RetryRule {
  /** Upper-cased error code, or a predicate on (status, CODE). */
  match: string | ((status: number, code: string) => boolean);
  retryable: boolean;
  kind: OtcErrorKind;
  why: string;
}

const RETRY_TABLE: readonly RetryRule[] = [
  // Throttling, whatever HTTP status it arrives with.
  { match: 'APIGW.0308', retryable: true, kind: 'throttled', why: 'API gateway throttling (HTTP 429)' },
  { match: 'APIG.0308', retryable: true, kind: 'throttled', why: 'API gateway throttling (HTTP 429)' },
  { match: 'ENDPOINT.0022', retryable: true, kind: 'throttled', why: 'VPCEP request limit (documented as HTTP 400)' },
  { match: 'DMS.10240407', retryable: true, kind: 'throttled', why: 'DMS flow control (documented as HTTP 404!)' },
  { match: 'IAM.0012', retryable: true, kind: 'throttled', why: 'IAM throttling threshold (HTTP 429)' },
  // Resource busy: the same request succeeds later.
  { match: 'DMS.00400026', retryable: true, kind: 'busy', why: 'instance status forbids the operation now' },
  { match: 'DMS.00400017', retryable: true, kind: 'busy', why: 'a background job of the instance is running' },
  // Server side.
  { match: 'ENDPOINT.0001', retryable: true, kind: 'server', why: 'VPCEP internal error (500)' },
  { match: 'ENDPOINT.0013', retryable: true, kind: 'server', why: 'VPCEP timeout (504)' },
  // VPCEP sends 504 for client mistakes "null body"/"null header": retrying the same request cannot help.
  { match: 'ENDPOINT.0011', retryable: false, kind: 'validation', why: 'request body is null (sent as 504)' },
  { match: 'ENDPOINT.0012', retryable: false, kind: 'validation', why: 'request header is null (sent as 504)' },
  // Well-known non-retryable codes that arrive with a generic status.
  { match: 'ENDPOINT.1018', retryable: false, kind: 'quota', why: 'VPCEP quota exceeded' },
  { match: 'VPC.9905', retryable: false, kind: 'quota', why: 'security group rule quota' },
  { match: 'ENDPOINT.3049', retryable: false, kind: 'quota', why: 'whitelist full' },
  { match: 'VPC.9902', retryable: false, kind: 'conflict', why: 'security group rule exists (v3)' },
  { match: 'SECURITYGROUPRULEEXISTS', retryable: false, kind: 'conflict', why: 'security group rule exists (Neutron)' },
  { match: 'ENDPOINT.3006', retryable: false, kind: 'conflict', why: 'endpoint service in use' },
  // By HTTP status.
  { match: (s) => s === 429, retryable: true, kind: 'throttled', why: 'HTTP 429' },
  { match: (s) => s === 502 || s === 503 || s === 504, retryable: true, kind: 'server', why: 'gateway/unavailable' },
  { match: (s) => s >= 500, retryable: true, kind: 'server', why: 'HTTP 5xx' },
  { match: (s) => s === 404, retryable: false, kind: 'not-found', why: 'HTTP 404' },
  { match: (s) => s === 409, retryable: false, kind: 'conflict', why: 'HTTP 409' },
  { match: (s) => s === 401, retryable: false, kind: 'unauthorized', why: 'HTTP 401' },
  { match: (s) => s === 403, retryable: false, kind: 'forbidden', why: 'HTTP 403' },
  { match: (s) => s >= 400 && s < 500, retryable: false, kind: 'validation', why: 'HTTP 4xx' },
];

function classify(status: number, code: string, _message: string): { retryable: boolean; kind: OtcErrorKind } {
  const upper = code.toUpperCase();
  for (const rule of RETRY_TABLE) {
    const hit = typeof rule.match === 'string' ? rule.match === upper : rule.match(status, upper);
    if (hit) return { retryable: rule.retryable, kind: rule.kind };
  }
  return { retryable: false, kind: 'unknown' };
}

/** Exposed for tests and diagnostics: how a (status, code) pair is classified. */
export function classifyOtcError(status: number, code: string): { retryable: boolean; kind: OtcErrorKind } {
  return classify(status, code, '');
}

// ---------------------------------------------------------------------------------------------------
// Parsing

export type HeaderBag = Record<string, string | string[] | undefined>;

/** Case-insensitive header lookup; first value of a repeated header. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

const REQUEST_ID_HEADERS = ['x-request-id', 'x-openstack-request-id', 'x-compute-request-id'];

/** The request id the server sent: body `request_id` first, then the usual headers. */
export function requestIdFrom(headers: HeaderBag, body?: unknown): string | undefined {
  if (isRecord(body) && typeof body.request_id === 'string' && body.request_id) return body.request_id;
  for (const h of REQUEST_ID_HEADERS) {
    const v = headerValue(headers, h);
    if (v) return v;
  }
  return undefined;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (relative to `now`). */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface CodeAndMessage {
  code?: string;
  message?: string;
}

function fromNeutron(value: unknown): CodeAndMessage | undefined {
  if (!isRecord(value) || !isRecord(value.NeutronError)) return undefined;
  const n = value.NeutronError;
  const detail = str(n.detail);
  const message = str(n.message);
  return { code: str(n.type), message: message && detail ? `${message} (${detail})` : (message ?? detail) };
}

function extract(body: unknown): CodeAndMessage {
  if (!isRecord(body)) return {};
  const neutron = fromNeutron(body);
  if (neutron) return neutron;
  // IAM keystone: {"error":{"code":401,"message":"…","title":"Unauthorized"}}
  if (isRecord(body.error)) {
    const e = body.error;
    return { code: str(e.title) ?? str(e.code), message: str(e.message) ?? str(e.title) };
  }
  const errorMsg = str(body.error_msg);
  const errorCode = str(body.error_code);
  if (errorCode !== undefined || errorMsg !== undefined) {
    // VPC v1 batch APIs embed a NeutronError document inside error_msg.
    if (errorMsg?.trimStart().startsWith('{')) {
      const inner = fromNeutron(tryJson(errorMsg));
      if (inner) return { code: inner.code ?? errorCode, message: inner.message };
    }
    return { code: errorCode, message: errorMsg };
  }
  // VPC v1 / tolerated VPCEP form: {"code":"VPC.0002","message":"…"}
  return { code: str(body.code), message: str(body.message) ?? str(body.msg) };
}

const MAX_BODY_KEPT = 2000;

export interface ParseOtcErrorOptions {
  now?: Date;
  method?: string;
  path?: string;
}

/**
 * Turns any OTC error answer into one {@link OtcApiError}. Never throws.
 * `code` falls back to `HTTP.<status>` when the body names none; `message` to the body text or status.
 */
export function parseOtcError(
  service: OtcErrorService,
  status: number,
  headers: HeaderBag,
  bodyText: string,
  options: ParseOtcErrorOptions = {},
): OtcApiError {
  const body = bodyText.trim() ? tryJson(bodyText) : undefined;
  const { code, message } = extract(body);
  const plain = body === undefined ? bodyText.trim().slice(0, 300) : '';
  const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), options.now);
  const init: OtcApiErrorInit = {
    service,
    status,
    code: code ?? `HTTP.${status}`,
    message: message ?? (plain || `HTTP ${status}`),
    body: bodyText.length > MAX_BODY_KEPT ? `${bodyText.slice(0, MAX_BODY_KEPT)}…` : bodyText,
  };
  const requestId = requestIdFrom(headers, body);
  if (requestId !== undefined) init.requestId = requestId;
  if (retryAfterMs !== undefined) init.retryAfterMs = retryAfterMs;
  if (options.method !== undefined) init.method = options.method;
  if (options.path !== undefined) init.path = options.path;
  return new OtcApiError(init);
}

// ---------------------------------------------------------------------------------------------------
// Predicates for activities

export function isOtcApiError(err: unknown): err is OtcApiError {
  return err instanceof OtcApiError;
}

/** True for any error the one table (or the transport) marks retryable. */
export function isRetryable(err: unknown): boolean {
  return (err instanceof OtcApiError || err instanceof OtcTransportError) && err.retryable;
}

/** Not found (404 and not the DMS flow-control code that abuses 404). */
export function isNotFound(err: unknown): err is OtcApiError {
  return err instanceof OtcApiError && err.kind === 'not-found';
}

/** 409, or a code known to mean "already exists" / "in use" whatever its status. */
export function isConflict(err: unknown): err is OtcApiError {
  return err instanceof OtcApiError && err.kind === 'conflict';
}

/** A security-group rule that already exists (Neutron `SecurityGroupRuleExists`, v3 `VPC.9902`). */
export function isDuplicateRule(err: unknown): err is OtcApiError {
  if (!(err instanceof OtcApiError)) return false;
  const code = err.code.toUpperCase();
  return code === 'SECURITYGROUPRULEEXISTS' || code === 'VPC.9902' || (err.status === 409 && /already exists/i.test(err.message));
}

/** The id of the existing rule, from "Security group rule already exists. Rule id is <uuid>." */
export function duplicateRuleId(err: unknown): string | undefined {
  if (!isDuplicateRule(err)) return undefined;
  return /Rule id is ([0-9a-fA-F-]{36})/i.exec(err.message)?.[1];
}

export function isThrottled(err: unknown): err is OtcApiError {
  return err instanceof OtcApiError && err.kind === 'throttled';
}

/** The resource is busy (e.g. DMS `DMS.00400026` instance status, `DMS.00400017` running job). */
export function isBusy(err: unknown): err is OtcApiError {
  return err instanceof OtcApiError && err.kind === 'busy';
}

export function isQuotaExceeded(err: unknown): err is OtcApiError {
  return err instanceof OtcApiError && err.kind === 'quota';
}

/** 401 or 403: credentials or permissions are wrong; retrying will not help. */
export function isAuthError(err: unknown): err is OtcApiError {
  return err instanceof OtcApiError && (err.kind === 'unauthorized' || err.kind === 'forbidden');
}

/** A VPCEP error code compared case-insensitively (`EndPoint.1018` === `Endpoint.1018`). */
export function hasCode(err: unknown, code: string): err is OtcApiError {
  return err instanceof OtcApiError && err.code.toUpperCase() === code.toUpperCase();
}
