/** Shared HTTP types of the emulator: request context, replies, routes, and the error thrown by handlers. */
import type { IncomingHttpHeaders } from 'node:http';
import type { DmsFaults } from '../faults/fault-injector.js';
import type { Account, AsyncFate, ErrorEntry, Project } from '../state/world.js';

export type ServiceName = 'iam' | 'vpcep' | 'dms' | 'vpc' | 'dns';

export interface Principal {
  account: Account;
  /** Project the credential is scoped to (token) or asked for (X-Project-Id); undefined for domain scope. */
  project: Project | undefined;
  via: 'aksk' | 'token';
  /** The token's scope when via === 'token'. */
  scope?: 'project' | 'domain';
}

export interface RequestContext {
  service: ServiceName;
  operation: string;
  method: string;
  url: URL;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  requestId: string;
  principal: Principal | undefined;
  /** What an async create/delete started by this call should do (set by faults). */
  fate: AsyncFate;
  fateError: ErrorEntry | undefined;
  /** DMS behaviour set by faults (crossvpc/modify outcome, instance status window). */
  dms: DmsFaults;
  /** Ids of the faults that shaped this call (handlers add state faults such as quotas); goes to the call log. */
  fired: string[];
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDef {
  method: string;
  /** Path with `{name}` segments, e.g. `/v1/{project_id}/vpc-endpoints/{id}`. */
  pattern: string;
  /** Operation name used by the call log and faults, e.g. `vpcep.createEndpoint`. */
  operation: string;
  /** false for the few unauthenticated calls (token issue, version documents). */
  auth: boolean;
  handler: (ctx: RequestContext) => Reply | Promise<Reply>;
}

/** Thrown by handlers: answered with `status` and `body` as is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpError';
  }
}

export function param(ctx: RequestContext, name: string): string {
  const v = ctx.params[name];
  if (v === undefined) throw new Error(`route has no {${name}}`);
  return v;
}

/** The API gateway's error shape (APIGW.*), used for auth failures, throttling and unknown APIs. */
export function gatewayError(status: number, code: string, message: string, requestId: string): HttpError {
  return new HttpError(status, { error_msg: message, error_code: code, request_id: requestId });
}
