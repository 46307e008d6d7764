/**
 * The worker's metrics port (`crossvpc worker --metrics-port N`, off by default):
 *
 *  - `GET /metrics`: Prometheus text — the Temporal runtime's own metrics (`temporal_*`: polls, task
 *    latencies, workflow completions/failures, …) and the product's (`crossvpc_*`: workflows/metrics.ts and
 *    the cloud API calls below). The runtime's exporter listens on an internal loopback port; this server
 *    relays it, so one port carries metrics and health.
 *  - `GET /healthz`: 200 while the process is up.
 *  - `GET /readyz`: 200 once connected to Temporal and every worker of the process is RUNNING and seen by the
 *    server as a poller of its task queue(s) (DescribeTaskQueue lists this worker's identity); else 503. The
 *    body is JSON `{ready, checks{…}}` either way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricMeter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import type { CallObserver } from '../src/otc/transport.js';

/** Histogram buckets (seconds) of the product's duration metrics (the runtime's default buckets are in ms). */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  crossvpc_cloud_api_call_duration_seconds: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  crossvpc_phase_duration_seconds: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400],
};

/**
 * Cloud API calls as metrics: `crossvpc_cloud_api_calls_total{service, operation, method, route, status}`,
 * `crossvpc_cloud_api_call_duration_seconds{service, operation, method, route}` and
 * `crossvpc_cloud_api_throttled_total{service, operation, method, route}` (HTTP 429). `operation` is the API's
 * name of the call (`service`.`operation` = the sandbox's call-log name); `method` and `route` (ids replaced by
 * `{id}`) stay for the dashboards written against them: each operation has one method and one route, so they add
 * no series.
 */
export function cloudApiObserver(meter: MetricMeter): CallObserver {
  const calls = meter.createCounter('crossvpc_cloud_api_calls_total', '1', 'HTTP calls to the cloud APIs, by service, operation and status');
  const seconds = meter.createHistogram('crossvpc_cloud_api_call_duration_seconds', 'float', 's', 'Latency of HTTP calls to the cloud APIs');
  const throttled = meter.createCounter('crossvpc_cloud_api_throttled_total', '1', 'Cloud API calls answered 429 (throttled)');
  return (o) => {
    const tags = { service: o.service, operation: o.operation, method: o.method, route: o.route };
    calls.add(1, { ...tags, status: o.status });
    seconds.record(o.seconds, tags);
    if (o.status === '429') throttled.add(1, tags);
  };
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** A loopback port free right now (for the runtime's internal exporter). */
export async function freeLoopbackPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startMetricsServer(o: { host: string; port: number; runtimeMetricsUrl: string; readiness: () => Promise<Readiness> }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      o.readiness().then(
        (r) => send(r.ready ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`),
        (err: unknown) => send(503, 'application/json', `${JSON.stringify({ ready: false, checks: { error: err instanceof Error ? err.message : String(err) } })}\n`),
      );
      return;
    }
    if (path === '/metrics') {
      fetch(o.runtimeMetricsUrl, { signal: AbortSignal.timeout(5_000) })
        .then(async (r) => send(r.ok ? 200 : 502, 'text/plain; version=0.0.4; charset=utf-8', await r.text()))
        .catch((err: unknown) => send(502, 'text/plain', `runtime metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`));
      return;
    }
    send(404, 'text/plain', 'not found: /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(o.port, o.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What readiness needs of a worker. */
export interface PollingWorker {
  getState(): string;
  options: { taskQueue: string; identity: string; namespace: string };
}

const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

/**
 * Ready = every worker RUNNING and listed by the server as a poller (its identity) of each queue it polls:
 * the main worker's workflow and activity queue, the verify worker's activity queue.
 */
export async function workersReady(connection: NativeConnection, workers: readonly { role: string; worker: PollingWorker; kinds: readonly ('workflow' | 'activity')[] }[]): Promise<Readiness> {
  const checks: Record<string, string> = {};
  if (workers.length === 0) return { ready: false, checks: { workers: 'not started yet' } };
  await Promise.all(
    workers.flatMap(({ role, worker, kinds }) => {
      const state = worker.getState();
      if (state !== 'RUNNING') {
        checks[role] = `worker ${state}`;
        return [];
      }
      return kinds.map(async (kind) => {
        const key = `${role}:${kind}:${worker.options.taskQueue}`;
        try {
          const r = await connection.workflowService.describeTaskQueue({
            namespace: worker.options.namespace,
            taskQueue: { name: worker.options.taskQueue, kind: 1 },
            taskQueueType: TASK_QUEUE_TYPE[kind],
          });
          checks[key] = (r.pollers ?? []).some((p) => p.identity === worker.options.identity) ? 'polling' : 'not polling yet';
        } catch (err) {
          checks[key] = `cannot ask Temporal: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
        }
      });
    }),
  );
  return { ready: Object.values(checks).every((c) => c === 'polling'), checks };
}
