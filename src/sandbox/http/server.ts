/**
 * One node:http server per emulated service. Pipeline per request: read body → route (method + path pattern,
 * operation name) → authenticate → faults (connection failure, latency, error/throttle) → handler → reply (or
 * reset the socket for `drop-response`) → call log.
 *
 * A service listens through a plain TCP gate in front of its HTTP server, so connection-level faults are real
 * socket behaviour: `refuse` closes the listening socket for a while (connects get ECONNREFUSED), `stall`
 * accepts connections and never reads or answers them (what a client sees when a TLS handshake hangs).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { Authenticator } from '../auth/authenticator.js';
import type { CallLog } from '../call-log.js';
import type { FaultInjector, TerminalFault } from '../faults/fault-injector.js';
import { gatewayError, HttpError, type Reply, type RequestContext, type RouteDef, type ServiceName } from './types.js';

const MAX_BODY = 12 * 1024 * 1024;

interface RouteShape {
  method: string;
  pattern: string;
}

export interface CompiledRoute<R extends RouteShape = RouteDef> {
  def: R;
  regex: RegExp;
  names: string[];
}

export function compileRoutes<R extends RouteShape>(routes: readonly R[]): CompiledRoute<R>[] {
  return routes.map((def) => {
    const names: string[] = [];
    const source = def.pattern
      .split('/')
      .map((seg) => {
        const m = /^\{([^}]+)\}$/.exec(seg);
        if (m) {
          names.push(m[1] ?? '');
          return '([^/]+)';
        }
        return seg.replace(/[.+?^${}()|[\]\\*]/g, '\\$&');
      })
      .join('/');
    return { def, regex: new RegExp(`^${source}/?$`), names };
  });
}

export function matchRoute<R extends RouteShape>(
  routes: readonly CompiledRoute<R>[],
  method: string,
  path: string,
): { route: CompiledRoute<R>; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.def.method !== method) continue;
    const m = route.regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route, params };
  }
  return undefined;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8');
}

/** The body bytes as received (what a signature is computed over). */
export async function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new HttpError(413, { error_code: 'APIGW.0201', error_msg: 'Request entity too large' });
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, reply: Reply, requestId: string): void {
  const headers: Record<string, string> = { 'X-Request-Id': requestId, ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(server: Server, host: string, port: number): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A service's listening socket, with the connection-level fault switches. */
export interface GatedServer extends RunningServer {
  /** Stop listening for `ms` (connects are refused) and drop open connections; then listen again on the same port. */
  refuseFor(ms: number): void;
  /** For `ms`, accept new connections but neither read nor answer them; close them when the window ends. */
  stallFor(ms: number): void;
}

async function listenGated(http: Server, host: string, port: number): Promise<GatedServer> {
  let stallUntil = 0;
  const held = new Set<Socket>();
  const open = new Set<Socket>();
  let closed = false;
  const gate = createTcpServer({ pauseOnConnect: true }, (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    if (Date.now() < stallUntil) {
      held.add(socket);
      socket.on('error', () => undefined);
      const t = setTimeout(() => socket.destroy(), stallUntil - Date.now());
      socket.once('close', () => {
        clearTimeout(t);
        held.delete(socket);
      });
      return;
    }
    http.emit('connection', socket);
    socket.resume();
  });
  const listenOn = (p: number) =>
    new Promise<void>((resolve, reject) => {
      gate.once('error', reject);
      gate.listen(p, host, () => {
        gate.off('error', reject);
        resolve();
      });
    });
  await listenOn(port);
  const actual = (gate.address() as AddressInfo).port;
  let reopen: NodeJS.Timeout | undefined;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    refuseFor(ms) {
      clearTimeout(reopen);
      if (gate.listening) gate.close();
      for (const socket of open) socket.destroy();
      reopen = setTimeout(() => {
        if (!closed && !gate.listening) listenOn(actual).catch((err: unknown) => process.stderr.write(`sandbox: could not listen again on ${host}:${actual}: ${String(err)}\n`));
      }, ms);
    },
    stallFor(ms) {
      stallUntil = Math.max(stallUntil, Date.now() + ms);
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        clearTimeout(reopen);
        for (const socket of open) socket.destroy();
        if (gate.listening) gate.close(() => resolve());
        else resolve();
      }),
  };
}

export interface ServiceServerOptions {
  service: ServiceName;
  host: string;
  port: number;
  routes: readonly RouteDef[];
  authenticator: Authenticator;
  faults: FaultInjector;
  callLog: CallLog;
  /** Scenario latency for this call (ms). */
  latencyMs: () => number;
  /** The service's error body for an injected `error` fault. */
  errorBody: (ctx: RequestContext, status: number, code: string | undefined, message: string | undefined) => unknown;
  /** The service's body for an unexpected exception (500). */
  internalError: (ctx: RequestContext, err: unknown) => HttpError;
  /** Called once the operation has run, before its answer leaves (the state file is written here). */
  beforeReply?: (ctx: RequestContext) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function throttleError(fault: Extract<TerminalFault, { kind: 'throttle' }>, requestId: string): HttpError {
  switch (fault.style) {
    case 'vpcep':
      return new HttpError(400, { error_code: 'EndPoint.0022', error_msg: 'The number of requests exceeded the limit.' });
    case 'apigw':
      return gatewayError(429, 'APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second', requestId);
    case 'dms':
      return new HttpError(404, { error_code: 'DMS.10240407', error_msg: 'The request is too frequent. Flow control is being performed.' });
  }
}

export async function startServiceServer(opts: ServiceServerOptions): Promise<GatedServer> {
  const routes = compileRoutes(opts.routes);
  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID().replaceAll('-', '');
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${opts.host}`}`);
    const path = url.pathname;
    const ctx: RequestContext = {
      service: opts.service,
      operation: `${opts.service}.unknown`,
      method,
      url,
      path,
      query: url.searchParams,
      params: {},
      headers: req.headers,
      rawBody: '',
      requestId,
      principal: undefined,
      fate: 'normal',
      fateError: undefined,
      dms: { notApplied: false, failBrokers: [], statusWindow: undefined },
      fired: [],
    };
    let status = '500';
    const fired = ctx.fired;
    try {
      let reply: Reply;
      let drop = false;
      try {
        const bodyBytes = await readBodyBytes(req);
        ctx.rawBody = bodyBytes.toString('utf8');
        const found = matchRoute(routes, method, path);
        if (!found) throw gatewayError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment', requestId);
        ctx.operation = found.route.def.operation;
        ctx.params = found.params;
        if (found.route.def.auth) {
          ctx.principal = opts.authenticator.authenticate({ method, target: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body: bodyBytes, requestId });
        }
        const decision = opts.faults.decide({ service: opts.service, operation: ctx.operation, method, path, account: ctx.principal?.account.name });
        fired.push(...decision.fired);
        if (decision.connection) {
          const c = decision.connection;
          if (c.mode === 'stall') {
            status = 'stalled';
            gated.stallFor(c.ms);
            const t = setTimeout(() => req.socket.destroy(), c.ms);
            req.socket.once('close', () => clearTimeout(t));
            return;
          }
          status = c.mode === 'refuse' ? 'refused' : 'reset';
          req.socket.resetAndDestroy();
          if (c.mode === 'refuse') gated.refuseFor(c.ms);
          return;
        }
        const wait = opts.latencyMs() + decision.latencyMs;
        if (wait > 0) await sleep(wait);
        if (decision.terminal?.kind === 'throttle') throw throttleError(decision.terminal, requestId);
        if (decision.terminal?.kind === 'error') {
          const t = decision.terminal;
          throw new HttpError(t.status, t.body !== undefined ? t.body : opts.errorBody(ctx, t.status, t.code, t.message));
        }
        ctx.fate = decision.fate;
        ctx.fateError = decision.fateError;
        ctx.dms = decision.dms;
        drop = decision.dropResponse;
        reply = await found.route.def.handler(ctx);
      } catch (err) {
        if (err instanceof HttpError) reply = { status: err.status, body: err.body, headers: err.headers };
        else {
          const e = opts.internalError(ctx, err);
          process.stderr.write(`sandbox ${opts.service} ${ctx.operation}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
          reply = { status: e.status, body: e.body, headers: e.headers };
        }
      }
      opts.beforeReply?.(ctx);
      if (drop) {
        status = 'dropped';
        req.socket.resetAndDestroy();
        return;
      }
      status = String(reply.status);
      sendJson(res, reply, requestId);
    } finally {
      opts.callLog.add({
        at: new Date(started).toISOString(),
        service: opts.service,
        operation: ctx.operation,
        method,
        path,
        query: url.search.replace(/^\?/, ''),
        status,
        account: ctx.principal?.account.name,
        durationMs: Date.now() - started,
        faults: fired,
        requestId,
      });
    }
  }

  // handle() runs only once this has listened, so it always sees `gated`.
  const gated: GatedServer = await listenGated(server, opts.host, opts.port);
  return gated;
}

/** Parses the JSON body; `invalid` builds the service's error for a missing or malformed body. */
export function jsonBody(ctx: RequestContext, invalid: (message: string) => HttpError): unknown {
  if (ctx.rawBody.trim() === '') throw invalid('The request body is empty.');
  try {
    return JSON.parse(ctx.rawBody) as unknown;
  } catch {
    throw invalid('The request body is not valid JSON.');
  }
}
