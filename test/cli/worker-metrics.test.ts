/**
 * `crossvpc worker --metrics-port`: a real worker process, configured from the sandbox's ready line.
 * /healthz answers while it waits for its namespace and /readyz says 503 (nothing polls yet); once the
 * namespace exists and both workers poll, /readyz is 200 with every queue "polling". After one provisioning,
 * /metrics carries the runtime's own metrics and the product's: the access counted once (started and ended
 * unverified), phase durations, and cloud API calls whose counts by `service.operation` and status equal the
 * sandbox's own call log exactly. A real Prometheus (Debian `prometheus`, installed by scripts/ensure-tools.sh) scrapes the
 * worker every second meanwhile; the same figures are read back through its HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CrossVpcClient } from '../../src/client/index.js';
import { sandboxEnv } from '../../src/cli/dev/stack.js';
import { defaultRequest, eventually, admin, type Suite } from '../workflow/support.js';
import { cliBackground, startCliSuite } from './support.js';

/** `name{labels} value` lines of one metric family, labels parsed. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => {
      const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(l);
      const labels = Object.fromEntries([...(m?.[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1] ?? '', x[2] ?? '']));
      return { labels, value: Number(m?.[3]) };
    });
}
const sum = (xs: { value: number }[]): number => xs.reduce((a, x) => a + x.value, 0);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Debian's prometheus (PROMETHEUS or on PATH) scraping `target` (host:port) every second, on loopback. */
async function startPrometheus(target: string): Promise<{ url: string; query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'crossvpc-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: crossvpc-worker\n    static_configs:\n      - targets: ['${target}']\n`);
  const port = await freePort();
  const bin = process.env.PROMETHEUS || 'prometheus';
  const child: ChildProcess = spawn(bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const spawned = new Promise<void>((resolve, reject) => child.once('error', (e) => reject(new Error(`${bin} could not start (scripts/ensure-tools.sh installs Debian prometheus): ${e.message}`))).once('spawn', () => resolve()));
  await spawned;
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, 30_000, 'prometheus ready');
  return {
    url,
    async query(q) {
      const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (r.status !== 'success') throw new Error(`prometheus query ${q}: ${JSON.stringify(r)}`);
      return r.data.result;
    },
    stop() {
      child.kill('SIGTERM');
      child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

describe('crossvpc worker --metrics-port', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startCliSuite({ kafka: false });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it('/healthz, /readyz before and after polling; /metrics after a provisioning, scraped by a real Prometheus, agrees with the sandbox', async () => {
    const ns = `metrics-${randomUUID().slice(0, 8)}`;
    const tq = `metrics-${process.pid}`;
    const env = sandboxEnv(suite.sandbox.ready, { address: inject('temporalAddress'), namespace: ns, taskQueue: tq });
    const worker = cliBackground(['worker', '--wait-for-namespace', '--metrics-port', '0'], tq, env);
    let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
    try {
      const line = await worker.stderrLine(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/, 30_000);
      const base = /(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(line)?.[1] ?? '';
      await worker.stderrLine(/does not exist/, 30_000);

      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(((await notReady.json()) as { ready: boolean }).ready).toBe(false);
      expect((await fetch(`${base}/nothing`)).status).toBe(404);

      prometheus = await startPrometheus(base.replace('http://', ''));
      await suite.env.connection.workflowService.registerNamespace({ namespace: ns, workflowExecutionRetentionPeriod: msToTs('1 day') });
      const ready = await eventually(async () => {
        const r = await fetch(`${base}/readyz`);
        return r.status === 200 ? ((await r.json()) as { ready: boolean; checks: Record<string, string> }) : undefined;
      }, 60_000, '/readyz 200');
      expect(ready.ready).toBe(true);
      expect(Object.keys(ready.checks).sort()).toEqual([`main:activity:${tq}`, `main:workflow:${tq}`, `verify:activity:${tq}-verify`]);
      expect(Object.values(ready.checks)).toEqual(['polling', 'polling', 'polling']);

      // One provisioning in that namespace (verification off): unverified.
      await admin(suite, 'DELETE', '/admin/calls');
      const cv = CrossVpcClient.fromClient(new Client({ connection: suite.env.connection, namespace: ns }), { taskQueue: tq });
      const request = defaultRequest(suite, { verify: { enabled: false } });
      const started = await eventually(() => cv.startAccess(request).catch(() => undefined), 30_000, 'start (search attributes of the new namespace)');
      expect((await cv.waitForOutcome(started.instanceId)).result?.status).toBe('unverified');

      // One re-verification (control plane only): healthy, exported per instance.
      expect((await cv.verify({ instanceId: request.instanceId, verify: { enabled: false } })).result?.health).toBe('healthy');
      const calls = await admin<{ total: number; counts: Record<string, Record<string, number>> }>(suite, 'GET', '/admin/calls?limit=1');
      // Metrics are exported periodically: wait until the cloud calls seen equal the call log's total.
      const text = await eventually(async () => {
        const t = await (await fetch(`${base}/metrics`)).text();
        return sum(samples(t, 'crossvpc_cloud_api_calls_total')) === calls.total && sum(samples(t, 'crossvpc_accesses_ended_total')) === 1 && sum(samples(t, 'crossvpc_reverify_checks_total')) === 1 ? t : undefined;
      }, 30_000, 'metrics caught up');
      expect(text).toMatch(/^temporal_/m); // the runtime's own metrics
      expect(samples(text, 'crossvpc_accesses_started_total').map((s) => [s.labels.namespace, s.value])).toEqual([[ns, 1]]);
      expect(samples(text, 'crossvpc_accesses_ended_total').map((s) => [s.labels.outcome, s.value])).toEqual([['unverified', 1]]);
      expect(samples(text, 'crossvpc_reverify_checks_total').map((s) => [s.labels.health, s.value])).toEqual([['healthy', 1]]);
      expect(samples(text, 'crossvpc_access_health').map((s) => [s.labels.instance_id, s.value])).toEqual([[request.instanceId, 0]]);
      const phases = new Set(samples(text, 'crossvpc_phase_duration_seconds_count').map((s) => s.labels.phase));
      for (const p of ['reading-instance', 'provisioning-endpoints', 'updating-listeners']) expect(phases.has(p), `phase ${p}`).toBe(true);
      // Calls by operation and status: the product's count equals the sandbox's call log, operation by operation.
      const ours: Record<string, number> = {};
      for (const s of samples(text, 'crossvpc_cloud_api_calls_total')) {
        const key = `${s.labels.service}.${s.labels.operation}:${s.labels.status}`;
        ours[key] = (ours[key] ?? 0) + s.value;
      }
      const theirs: Record<string, number> = {};
      for (const [op, byStatus] of Object.entries(calls.counts)) for (const [st, n] of Object.entries(byStatus)) theirs[`${op}:${st}`] = n;
      expect(Object.keys(theirs)).toEqual(expect.arrayContaining(['vpcep.createEndpointService:200', 'vpc.createSecurityGroupRule:201', 'vpcep.createEndpoint:200', 'dms.modifyCrossVpc:200']));
      expect(ours).toEqual(theirs);
      expect(sum(samples(text, 'crossvpc_cloud_api_call_duration_seconds_count'))).toBe(calls.total);
      // Bounded labels: no resource id anywhere in the product's label values but the health gauge's instance_id.
      const ids = [request.instanceId, request.clientVpcId, request.clientSubnetId, ...suite.sandbox.ready.accounts.map((a) => a.projectId)];
      const productLines = text.split('\n').filter((l) => l.startsWith('crossvpc_') && !l.startsWith('crossvpc_access_health'));
      for (const id of ids) expect(productLines.some((l) => l.includes(id)), `a label carries ${id}`).toBe(false);

      // The same, read back through Prometheus (it scraped the worker during the provisioning).
      const prom = prometheus;
      if (!prom) throw new Error('prometheus not started');
      const byOperationStatus = await eventually(async () => {
        const r = await prom.query('sum by (service, operation, status) (crossvpc_cloud_api_calls_total)');
        const m = Object.fromEntries(r.map((x) => [`${x.metric.service}.${x.metric.operation}:${x.metric.status}`, Number(x.value[1])]));
        return sum(Object.values(m).map((value) => ({ value }))) === calls.total ? m : undefined;
      }, 30_000, 'prometheus has the cloud calls');
      expect(byOperationStatus).toEqual(theirs);
      const startedProm = await prom.query(`crossvpc_accesses_started_total{namespace="${ns}"}`);
      expect(startedProm.map((x) => Number(x.value[1]))).toEqual([1]);
      const endedProm = await prom.query(`crossvpc_accesses_ended_total{namespace="${ns}"}`);
      expect(endedProm.map((x) => [x.metric.outcome, Number(x.value[1])])).toEqual([['unverified', 1]]);
      expect((await prom.query('up{job="crossvpc-worker"}')).map((x) => x.value[1])).toEqual(['1']);
      const sampleLines = text.split('\n').filter((l) => l && !l.startsWith('#'));
      const product = sampleLines.filter((l) => l.startsWith('crossvpc_'));
      console.log(`metrics scrape: ${text.length} bytes, ${sampleLines.length} samples (${product.length} crossvpc_*, ${product.join('\n').length} bytes of them)`);
    } finally {
      prometheus?.stop();
      worker.stop();
      const end = await worker.done;
      expect(end.code, end.stderr).toBe(0);
    }
  });
});
