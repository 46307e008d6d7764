/**
 * A gRPC gate in front of a real Temporal frontend: an HTTP/2 (h2c) proxy that forwards every call unchanged
 * and refuses the ones a rule matches with a gRPC status — what a Temporal server with an authorizer does
 * (`PERMISSION_DENIED`, "Request unauthorized."). Tests use it to run the product against a server that
 * does not permit the operator API, or whose polls of one task queue start failing.
 *
 * Works for every gRPC client (grpc-js of @temporalio/client, tonic of the worker's core): requests are
 * buffered (Temporal's API is unary), matched on the method path and the request bytes, then replayed to
 * the upstream; the answer's headers, data and trailers are streamed back.
 */
import { connect, constants, createServer, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface GateRule {
  /** Method path, e.g. `/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes`, or a test. */
  path: string | RegExp;
  /** Refuse only requests whose (protobuf) bytes contain this string, e.g. a task queue name. */
  bodyContains?: string;
  /** Let this many matching calls through first (default 0). */
  after?: number;
  /** gRPC status code (default 7 = PERMISSION_DENIED) and message. */
  code?: number;
  message?: string;
}

export interface GrpcGate {
  /** host:port to point clients at. */
  address: string;
  /** Replaces the refusal rules (takes effect for the next call). */
  refuse(rules: GateRule[]): void;
  /** Paths of the calls refused so far. */
  refused: string[];
  close(): Promise<void>;
}

export const OPERATOR_SERVICE = /^\/temporal\.api\.operatorservice\.v1\.OperatorService\//;
export const REGISTER_NAMESPACE = '/temporal.api.workflowservice.v1.WorkflowService/RegisterNamespace';
export const POLL_ACTIVITY_TASKS = '/temporal.api.workflowservice.v1.WorkflowService/PollActivityTaskQueue';
export const DESCRIBE_NAMESPACE = '/temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace';

export async function startGrpcGate(upstream: string, rules: GateRule[] = []): Promise<GrpcGate> {
  let current = rules;
  const refused: string[] = [];
  const matched = new Map<GateRule, number>();
  let session: ClientHttp2Session | undefined;
  const upstreamSession = (): ClientHttp2Session => {
    if (!session || session.closed || session.destroyed) {
      session = connect(`http://${upstream}`);
      session.on('error', () => undefined);
    }
    return session;
  };

  const server: Http2Server = createServer();
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('end', () => {
      const path = String(headers[':path'] ?? '');
      const body = Buffer.concat(chunks);
      const rule = current.find((r) => (typeof r.path === 'string' ? r.path === path : r.path.test(path)) && (r.bodyContains === undefined || messageBytes(body).includes(r.bodyContains)));
      const seen = rule ? (matched.get(rule) ?? 0) : 0;
      if (rule) matched.set(rule, seen + 1);
      if (rule && seen >= (rule.after ?? 0)) {
        refused.push(path);
        // A trailers-only response, as a gRPC server answers an error.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(rule.code ?? 7), 'grpc-message': encodeURIComponent(rule.message ?? 'Request unauthorized.') }, { endStream: true });
        return;
      }
      const forwarded: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(headers)) {
        if (v === undefined || k === ':scheme' || k === ':authority' || k === 'connection') continue;
        forwarded[k] = v;
      }
      const up = upstreamSession().request(forwarded, { endStream: false });
      up.on('response', (h) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(h)) if (v !== undefined && k !== ':status') out[k] = v as string | string[];
        if (stream.destroyed) return;
        // A trailers-only answer (an error) carries grpc-status in its headers and ends the stream.
        if (h['grpc-status'] !== undefined) stream.respond({ ':status': Number(h[':status'] ?? 200), ...out }, { endStream: true });
        else stream.respond({ ':status': Number(h[':status'] ?? 200), ...out }, { waitForTrailers: true });
      });
      let trailers: Record<string, string | string[]> = {};
      up.on('trailers', (t) => {
        trailers = {};
        for (const [k, v] of Object.entries(t)) if (v !== undefined) trailers[k] = v as string | string[];
      });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      up.on('data', (c: Buffer) => {
        if (!stream.destroyed && !stream.writableEnded) stream.write(c);
      });
      up.on('end', () => {
        if (!stream.destroyed && !stream.writableEnded) stream.end();
      });
      up.on('error', () => {
        if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      });
      stream.on('close', () => {
        if (!up.destroyed) up.close(constants.NGHTTP2_CANCEL);
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    refuse(next) {
      current = next;
    },
    refused,
    async close() {
      session?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request's messages, decompressed: gRPC frames are `flag(1) length(4) payload` (flag 1 = gzip, as core sends). */
function messageBytes(body: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i + 5 <= body.length; ) {
    const compressed = body[i] === 1;
    const length = body.readUInt32BE(i + 1);
    const payload = body.subarray(i + 5, i + 5 + length);
    try {
      out.push(compressed ? gunzipSync(payload) : payload);
    } catch {
      out.push(payload);
    }
    i += 5 + length;
  }
  return Buffer.concat(out);
}
