/**
 * HTTP transport of one OTC service on undici `request`.
 *
 * - `dispatcher` is injectable (tests: `MockAgent`; production: undici's global dispatcher).
 * - Per-request timeout (whole exchange, body included) and the caller's `AbortSignal` (Temporal's
 *   activity cancellation signal): a caller abort rethrows the signal's reason unchanged; a timeout or a
 *   network failure becomes an {@link OtcTransportError} (retryable).
 * - Non-2xx answers become {@link OtcApiError} through `parseOtcError`; a 401 on a token-authorized request
 *   re-authenticates once.
 * - JSON bodies are parsed losslessly where asked (`marker_id`), then validated with a zod schema.
 * - Every HTTP exchange is one {@link CallObservation}: told to the metrics observer and, with a tracer, one
 *   CLIENT span (child of the active span: the activity's) with {@link callSpanAttributes}. Neither ever sees
 *   headers or bodies.
 */
import { SpanKind, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';
import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Authorizer } from './auth.js';
import type { OtcServiceName } from './endpoints.js';
import { OtcResponseShapeError, OtcTransportError, parseOtcError, requestIdFrom, type HeaderBag } from './errors.js';
import { parseJsonLossless, type JsonValue } from './lossless-json.js';

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number | boolean)[];
export type QueryParams = Record<string, QueryValue>;

export interface CallOptions {
  /** Aborts the call; the signal's reason is rethrown. Activities pass Temporal's cancellation signal. */
  signal?: AbortSignal;
  /**
   * Whole-request timeout of this call in ms; the transport's own timeout still caps it. Activities derive it
   * from the time left in their attempt, so a call always ends (answer or timeout) before its activity times out.
   */
  timeoutMs?: number;
}

export interface TransportRequest extends CallOptions {
  /**
   * The API operation this request performs, named as the API reference and the sandbox's call log name it
   * without the service prefix (`createEndpoint` for `vpcep.createEndpoint`): the metrics' `operation` label.
   * One client method, one operation.
   */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path below the base URL, starting with `/`; segments must already be encoded (use {@link seg}). */
  path: string;
  query?: QueryParams;
  /** Serialized with `JSON.stringify` once; the exact bytes are signed. */
  body?: unknown;
  headers?: Record<string, string>;
  /** false: send without authorization (IAM password token request). Default true. */
  authorize?: boolean;
}

export interface TransportResponse {
  status: number;
  headers: HeaderBag;
  bodyText: string;
  requestId?: string;
}

/** A base URL resolved per request (endpoint discovery from the IAM catalog, endpoint-directory.ts). */
export type BaseUrlSource = (signal?: AbortSignal) => Promise<string>;

export interface TransportOptions {
  service: OtcServiceName;
  /** Fixed, or resolved on each request (the resolver caches; see endpoint-directory.ts). */
  baseUrl: string | BaseUrlSource;
  authorizer: Authorizer;
  dispatcher?: Dispatcher;
  /** Whole-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  now?: () => Date;
  userAgent?: string;
  /** Told of every HTTP exchange (metrics): never given headers or bodies. */
  observe?: CallObserver;
  /** One span per HTTP exchange (tracing on: src/telemetry/tracing.ts); unset: no span, no cost. */
  tracer?: Tracer;
}

/** One HTTP exchange with a cloud API, as metrics see it (no ids, no headers, no bodies). */
export interface CallObservation {
  service: OtcServiceName;
  /** {@link TransportRequest.operation}: with `service`, the sandbox's `service.operation`. */
  operation: string;
  method: TransportRequest['method'];
  /** The path with every id-like segment replaced by `{id}` (a bounded label). */
  route: string;
  /** HTTP status, or `timeout` / `network` / `aborted` when there was no answer. */
  status: string;
  seconds: number;
}
export type CallObserver = (o: CallObservation) => void;

/** An exchange that failed: no answer (`timeout`, `network`, `aborted`) or a 4xx/5xx (the span's error status). */
export function callFailed(status: string): boolean {
  return !/^\d+$/.test(status) || Number(status) >= 400;
}

/**
 * The span attributes of one exchange: OpenTelemetry's HTTP client conventions plus the metrics' own
 * vocabulary (`crossvpc.cloud.service|operation|route|status` = the labels of crossvpc_cloud_api_calls_total). The
 * concrete path (ids included) is fine in a trace; headers (signatures, tokens), query and bodies never go in.
 */
export function callSpanAttributes(o: Omit<CallObservation, 'seconds'>, extra: { path: string; requestId?: string | undefined }): Attributes {
  const answered = /^\d+$/.test(o.status);
  return {
    'http.request.method': o.method,
    'url.template': o.route,
    'url.path': extra.path.split('?')[0],
    ...(answered ? { 'http.response.status_code': Number(o.status) } : {}),
    ...(callFailed(o.status) ? { 'error.type': o.status } : {}),
    'crossvpc.cloud.service': o.service,
    'crossvpc.cloud.operation': o.operation,
    'crossvpc.cloud.route': o.route,
    'crossvpc.cloud.status': o.status,
    ...(extra.requestId ? { 'crossvpc.cloud.request_id': extra.requestId } : {}),
  };
}

/** `/v1/0a1b…/vpc-endpoints/3f55…` → `/v1/{id}/vpc-endpoints/{id}`: segments with a digit and ≥ 8 chars, or UUIDs. */
export function routeOf(path: string): string {
  return path
    .split('?')[0]!
    .split('/')
    .map((seg) => (seg.length >= 8 && /\d/.test(seg) ? '{id}' : seg))
    .join('/');
}

/** Encodes one path segment (ids come from the outside world). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** `?a=1&b=x&b=y` from a query object; undefined/null values are left out, arrays repeat the key. */
export function buildQuery(query: QueryParams | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value as readonly (string | number | boolean)[]) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export class OtcTransport {
  readonly service: OtcServiceName;
  private readonly baseUrl: string | BaseUrlSource;
  private readonly authorizer: Authorizer;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly userAgent: string;
  private readonly observe: CallObserver | undefined;
  private readonly tracer: Tracer | undefined;

  constructor(options: TransportOptions) {
    this.observe = options.observe;
    this.tracer = options.tracer;
    this.service = options.service;
    this.baseUrl = typeof options.baseUrl === 'string' ? options.baseUrl.replace(/\/+$/, '') : options.baseUrl;
    this.authorizer = options.authorizer;
    this.dispatcher = options.dispatcher;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
    this.userAgent = options.userAgent ?? 'kafka-crossvpc';
  }

  /** Sends a request; resolves for 2xx, throws OtcApiError / OtcTransportError otherwise. */
  async send(req: TransportRequest): Promise<TransportResponse> {
    const first = await this.observed(req);
    if (first.status === 401 && req.authorize !== false && this.authorizer.invalidate(first.sentHeaders)) {
      return this.check(req, await this.observed(req));
    }
    return this.check(req, first);
  }

  /** {@link sendOnce}, reported to the observer and as a span (status or the kind of failure, and the time taken). */
  private async observed(req: TransportRequest): Promise<TransportResponse & { sentHeaders: Record<string, string> }> {
    if (!this.observe && !this.tracer) return this.sendOnce(req);
    const route = routeOf(req.path);
    const span = this.tracer?.startSpan(`${req.method} ${route}`, { kind: SpanKind.CLIENT });
    const t0 = performance.now();
    let status = 'network';
    let requestId: string | undefined;
    try {
      const res = await this.sendOnce(req);
      status = String(res.status);
      requestId = res.requestId;
      return res;
    } catch (err) {
      status = req.signal?.aborted ? 'aborted' : err instanceof OtcTransportError && err.kind === 'timeout' ? 'timeout' : 'network';
      throw err;
    } finally {
      const observation: CallObservation = { service: this.service, operation: req.operation, method: req.method, route, status, seconds: (performance.now() - t0) / 1000 };
      try {
        this.observe?.(observation);
        if (span) {
          span.setAttributes(callSpanAttributes(observation, { path: req.path, requestId }));
          if (callFailed(status)) span.setStatus({ code: SpanStatusCode.ERROR, message: status });
          span.end();
        }
      } catch {
        // metrics and traces never break a call
      }
    }
  }

  /** Sends a request and validates the JSON answer; `stringKeys` numbers are kept as exact strings. */
  async json<S extends z.ZodType>(req: TransportRequest, schema: S, stringKeys?: readonly string[]): Promise<z.output<S>> {
    const res = await this.send(req);
    let parsed: JsonValue;
    try {
      parsed = parseJsonLossless(res.bodyText, stringKeys ? { stringKeys } : {});
    } catch (err) {
      throw new OtcResponseShapeError(this.service, req.path, `not JSON (${(err as Error).message})`, res.requestId);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new OtcResponseShapeError(this.service, req.path, issues, res.requestId);
    }
    return result.data;
  }

  private check(req: TransportRequest, res: TransportResponse & { sentHeaders: Record<string, string> }): TransportResponse {
    const { sentHeaders: _sent, ...response } = res;
    if (res.status >= 200 && res.status < 300) return response;
    throw parseOtcError(this.service, res.status, res.headers, res.bodyText, { now: this.now(), method: req.method, path: req.path });
  }

  private async sendOnce(req: TransportRequest): Promise<TransportResponse & { sentHeaders: Record<string, string> }> {
    const base = typeof this.baseUrl === 'string' ? this.baseUrl : (await this.baseUrl(req.signal)).replace(/\/+$/, '');
    const url = `${base}${req.path}${buildQuery(req.query)}`;
    const body = req.body === undefined ? '' : JSON.stringify(req.body);
    const baseHeaders: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.userAgent, ...req.headers };
    if (req.body !== undefined) baseHeaders['Content-Type'] ??= 'application/json';

    const timeoutMs = Math.max(1, Math.min(req.timeoutMs ?? this.timeoutMs, this.timeoutMs));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const outgoing = { method: req.method, url, headers: baseHeaders, body };
    const headers = req.authorize === false ? baseHeaders : await this.authorizer.authorize(outgoing, req.signal);
    try {
      const res = await request(url, {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body }),
        signal,
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
      const bodyText = await res.body.text();
      const resHeaders = res.headers as HeaderBag;
      const requestId = requestIdFrom(resHeaders, tryParse(bodyText));
      return { status: res.statusCode, headers: resHeaders, bodyText, sentHeaders: headers, ...(requestId ? { requestId } : {}) };
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (timeout.aborted) {
        throw new OtcTransportError({ service: this.service, kind: 'timeout', message: `${req.method} ${req.path} timed out after ${timeoutMs} ms`, cause: err });
      }
      const code = errorCode(err);
      // Test doubles (MockAgent "not matched") are programming errors, not network failures.
      if (code?.startsWith('UND_MOCK_')) throw err;
      const message = `${req.method} ${req.path} failed: ${(err as Error).message ?? String(err)}`;
      if (code && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) {
        throw new OtcTransportError({ service: this.service, kind: code.includes('TIMEOUT') ? 'timeout' : 'network', message, code, cause: err });
      }
      if (err instanceof TypeError || err instanceof Error) {
        // Unknown low-level failure (e.g. "other side closed"): treat as network, keep the cause.
        throw new OtcTransportError({ service: this.service, kind: 'network', message, ...(code ? { code } : {}), cause: err });
      }
      throw err;
    }
  }
}

function tryParse(text: string): unknown {
  if (!text || !text.trimStart().startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
