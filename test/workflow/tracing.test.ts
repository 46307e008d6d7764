/**
 * Tracing (OpenTelemetry, on only when OTEL_* say so): one provisioning is ONE trace from the client's start
 * through the workflow, its child workflows and activities, to each HTTP call to the cloud — as many HTTP spans
 * as the sandbox's call log has calls, each the child of its activity's span, no secret in any attribute.
 * Then the real processes: `crossvpc worker` and `crossvpc provision` with OTEL_EXPORTER_OTLP_ENDPOINT set
 * export OTLP over HTTP to a loopback receiver (protobuf by default, JSON when asked), the worker flushing its
 * spans on shutdown and the CLI before it exits. Control plane only (no Kafka, verification off).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { CrossVpcClient } from '../../src/client/index.js';
import { sandboxEnv, sandboxRequest, startDevStack } from '../../src/cli/dev/stack.js';
import { tracingConfig } from '../../src/config/otel-env.js';
import { awaitAccessOutcome, startOrJoinAccess } from '../../src/temporal/access-client.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { parseProvisionInput } from '../../workflows/input.js';
import { claimAddressPrefix } from '../support/address-block.js';
import { createOtcClients } from '../../src/otc/otc-clients.js';
import { PROVISION_WORKFLOW_TYPE } from '../../src/temporal/access-client.js';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import type { OtcClientSet } from '../../activities/index.js';
import { workerTracing } from '../../worker/tracing.js';
import { createCrossVpcWorkers } from '../../worker/worker.js';
import { cliBackground, cli } from '../cli/support.js';
import { testWorkflowBundle, uniqueTaskQueue } from '../support/temporal-env.js';
import { admin, defaultRequest, eventually, resetSandbox, saveHistory, startSuite, type Suite } from './support.js';

const NO_VERIFY = { enabled: false };

/** Every secret of the sandbox's ready line (keys, passwords) — none may appear in a span. */
function secretsOf(suite: Suite): string[] {
  return suite.sandbox.ready.accounts.flatMap((a) => [a.ak, a.sk, a.password]).filter((s) => s.length >= 6);
}

const idOf = (s: ReadableSpan): string => s.spanContext().spanId;
const isHttp = (s: ReadableSpan): boolean => s.kind === SpanKind.CLIENT && s.attributes['crossvpc.cloud.service'] !== undefined;

/** A loopback OTLP/HTTP receiver: every POST /v1/traces, answered 200 with an empty ExportTraceServiceResponse. */
async function startReceiver(): Promise<{ url: string; posts: { headers: IncomingHttpHeaders; body: Buffer }[]; close(): Promise<void> }> {
  const posts: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      posts.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const json = String(req.headers['content-type']).includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface OtlpJson {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { traceId: string; spanId: string; name: string }[] }[] }[];
}

describe('tracing', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: false });
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
    await admin(suite, 'DELETE', '/admin/calls');
  });

  it('one provisioning is one trace: client start → workflow → activities → one span per cloud HTTP call', async () => {
    const exporter = new InMemorySpanExporter();
    const sdk: Tracing = startTracing({ serviceName: 'kafka-crossvpc-worker', url: 'http://127.0.0.1:9/v1/traces', protocol: 'http/json', headers: {}, timeoutMs: 1_000, resourceAttributes: {} }, { exporter });
    const tracing = workerTracing(sdk);
    const cache = new Map<string, OtcClientSet>();
    const clients = (name: string): OtcClientSet => {
      let c = cache.get(name);
      if (!c) cache.set(name, (c = createOtcClients(suite.otcConfig(name), { tracer: sdk.tracer })));
      return c;
    };
    const taskQueue = uniqueTaskQueue('traced');
    const workers = await createCrossVpcWorkers({
      connection: suite.env.nativeConnection,
      taskQueue,
      activityDeps: { clients, serviceInUseRetryMs: 300, instancePollMs: 250 },
      workflowBundle: { code: (await testWorkflowBundle('traced')).code },
      tracing,
      shutdownGraceTime: '2s',
    });
    const cv = await CrossVpcClient.connect({ address: inject('temporalAddress'), taskQueue, tracer: sdk.tracer });
    try {
      const request = defaultRequest(suite, { verify: NO_VERIFY });
      const { workflowId, runId } = await workers.runUntil(async () => {
        const started = await cv.startAccess(request);
        expect((await cv.waitForOutcome(started.instanceId)).result?.status).toBe('unverified');
        // Each span's parent is in the trace (the instance's lock workflow, started by an activity, ends once idle).
        await eventually(() => {
          const spans = exporter.getFinishedSpans();
          const root = spans.find((s) => s.name === `StartWorkflow:${PROVISION_WORKFLOW_TYPE}`);
          if (!root) return Promise.resolve(false);
          const inTrace = spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
          const ids = new Set(inTrace.map(idOf));
          return Promise.resolve(inTrace.some((s) => s.name.startsWith('RunWorkflow:crossVpcOperationLock')) && inTrace.every((s) => s === root || (s.parentSpanId !== undefined && ids.has(s.parentSpanId))));
        }, 30_000, 'every span of the trace ended');
        await saveHistory(started.workflow, 'traced-unverified-parent');
        return started;
      });
      const spans = exporter.getFinishedSpans();
      const root = spans.find((s) => s.name === `StartWorkflow:${PROVISION_WORKFLOW_TYPE}`);
      if (!root) throw new Error('no client start span');
      expect(root.parentSpanId).toBeUndefined();
      expect(root.attributes).toMatchObject({ temporalWorkflowId: workflowId, run_id: runId });
      const traceId = root.spanContext().traceId;
      const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
      const byId = new Map(inTrace.map((s) => [idOf(s), s]));
      const parentOf = (s: ReadableSpan): ReadableSpan | undefined => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);

      // The workflow run is the child of the client's start; the port child workflows and the activities below it.
      const run = inTrace.find((s) => s.name === `RunWorkflow:${PROVISION_WORKFLOW_TYPE}`);
      expect(run && parentOf(run)).toBe(root);
      const runs = inTrace.filter((s) => s.name.startsWith('RunWorkflow:'));
      // One child run per broker port, started by the access's run; the instance's lock, signalled-with-start by an activity.
      const ports = runs.filter((s) => s.name === 'RunWorkflow:provisionPortEndpoint');
      expect(ports).toHaveLength(suite.sandbox.ready.instances[0]?.brokers ?? -1);
      for (const p of ports) expect([parentOf(p)?.name, parentOf(parentOf(p) ?? p)]).toEqual(['StartChildWorkflow:provisionPortEndpoint', run]);
      const locks = runs.filter((s) => s.name === 'RunWorkflow:crossVpcOperationLock');
      expect(locks.length).toBeGreaterThan(0);
      for (const l of locks) expect([parentOf(l)?.name, parentOf(parentOf(l) ?? l)?.name]).toEqual(['SignalWithStartWorkflow:crossVpcOperationLock', 'RunActivity:requestLock']);
      expect(runs).toHaveLength(1 + ports.length + locks.length);
      const activityRuns = inTrace.filter((s) => s.name.startsWith('RunActivity:'));
      expect(activityRuns.length).toBeGreaterThan(5);
      expect(activityRuns.some((a) => a.attributes['crossvpc.instance_id'] === request.instanceId)).toBe(true);
      for (const a of activityRuns) {
        expect(parentOf(a)?.name, a.name).toBe(a.name.replace('RunActivity:', 'StartActivity:'));
        expect(a.attributes['crossvpc.instance_id'] ?? request.instanceId, a.name).toBe(request.instanceId);
      }

      // Every HTTP span: in this trace, the child of the activity that made the call, one per call the cloud logged.
      const http = spans.filter(isHttp);
      expect(http.every((s) => s.spanContext().traceId === traceId), 'every HTTP span in the trace').toBe(true);
      for (const h of http) expect(parentOf(h)?.name, `${h.name} parent`).toMatch(/^RunActivity:/);
      const calls = await admin<{ total: number; counts: Record<string, Record<string, number>> }>(suite, 'GET', '/admin/calls?limit=1');
      expect(http.length).toBe(calls.total);
      const byStatus: Record<string, number> = {};
      for (const h of http) byStatus[String(h.attributes['crossvpc.cloud.status'])] = (byStatus[String(h.attributes['crossvpc.cloud.status'])] ?? 0) + 1;
      const logged: Record<string, number> = {};
      for (const byCode of Object.values(calls.counts)) for (const [st, n] of Object.entries(byCode)) logged[st] = (logged[st] ?? 0) + n;
      expect(byStatus).toEqual(logged);
      const create = http.find((h) => h.attributes['http.request.method'] === 'POST' && String(h.attributes['url.template']).endsWith('/vpc-endpoints'));
      expect(create?.name).toBe('POST /v1/{id}/vpc-endpoints');
      expect(create?.attributes).toMatchObject({ 'crossvpc.cloud.service': 'vpcep', 'http.response.status_code': 200, 'url.template': '/v1/{id}/vpc-endpoints' });

      // No secret, no header anywhere.
      const secrets = secretsOf(suite);
      for (const s of spans) {
        for (const [k, v] of Object.entries({ ...s.attributes, ...s.resource.attributes })) {
          expect(k, s.name).not.toMatch(/authorization|x-auth|signature|token|password|secret/i);
          for (const secret of secrets) expect(String(v).includes(secret), `${s.name} ${k}`).toBe(false);
        }
      }
      console.log(`trace of one provisioning: ${inTrace.length} spans (${runs.length} workflow runs, ${activityRuns.length} activities, ${http.length} HTTP calls)`);
    } finally {
      await cv.close();
      await sdk.shutdown();
    }
  });

  it('crossvpc worker and crossvpc provision with OTEL_* export OTLP over HTTP: protobuf by default, JSON when asked, flushed at exit', async () => {
    const receiver = await startReceiver();
    const taskQueue = uniqueTaskQueue('otlp');
    const env = sandboxEnv(suite.sandbox.ready, { address: inject('temporalAddress'), namespace: 'default', taskQueue });
    // A long batch delay: what arrives from the worker arrives because it flushed on shutdown.
    const worker = cliBackground(['worker'], taskQueue, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const dir = mkdtempSync(join(tmpdir(), 'crossvpc-otlp-'));
    try {
      expect(await worker.stderrLine(/tracing on: spans by OTLP to/, 60_000)).toContain(`${receiver.url}/v1/traces (http/protobuf, service.name kafka-crossvpc-worker)`);
      await worker.stderrLine(/main on /, 60_000);
      const input = join(dir, 'access.json');
      writeFileSync(input, JSON.stringify(defaultRequest(suite, { verify: NO_VERIFY })));
      const provision = await cli(['provision', '--input', input, '--wait', '--json'], taskQueue, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' });
      // Unverified (verification off): exit 1 (docs/cli.md).
      expect(provision.code, provision.stderr).toBe(1);
      expect((provision.last.error as { type?: string } | undefined)?.type, provision.stdout).toBe('Unverified');

      // The CLI exported its client spans (JSON) before it exited.
      const cliPosts = receiver.posts.filter((p) => String(p.headers['content-type']).includes('application/json'));
      expect(cliPosts.length).toBeGreaterThan(0);
      const cliSpans = cliPosts.flatMap((p) => {
        const body = JSON.parse(p.body.toString('utf8')) as OtlpJson;
        return body.resourceSpans.flatMap((rs) => {
          const attrs = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue]));
          return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, service: attrs['service.name'], environment: attrs['deployment.environment'] })));
        });
      });
      const start = cliSpans.find((s) => s.name === `StartWorkflow:${PROVISION_WORKFLOW_TYPE}`);
      expect(start).toMatchObject({ service: 'kafka-crossvpc-cli', environment: 'test' });
      expect(receiver.posts.some((p) => String(p.headers['content-type']).includes('protobuf')), 'nothing from the worker before its shutdown').toBe(false);

      worker.stop();
      const end = await worker.done;
      expect(end.code, end.stderr).toBe(0);
      // The worker's spans (protobuf) arrived on shutdown and continue the CLI's trace (its 16 raw trace-id bytes).
      const workerPosts = receiver.posts.filter((p) => String(p.headers['content-type']).includes('application/x-protobuf'));
      expect(workerPosts.length).toBeGreaterThan(0);
      const body = Buffer.concat(workerPosts.map((p) => p.body));
      expect(body.includes(Buffer.from(start?.traceId ?? '', 'hex')), 'the worker spans carry the CLI trace id').toBe(true);
      for (const text of ['kafka-crossvpc-worker', `RunWorkflow:${PROVISION_WORKFLOW_TYPE}`, 'RunActivity:', 'POST /v1/{id}/vpc-endpoints']) expect(body.includes(text), text).toBe(true);
      for (const secret of secretsOf(suite)) expect(body.includes(secret) || receiver.posts.some((p) => p.body.includes(secret)), 'a secret in the export').toBe(false);
    } finally {
      worker.stop();
      await worker.done;
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tracing in crossvpc dev (client, worker and sandbox in one process)', () => {
  it('a bad OTEL_* value is exit 2 naming it, before anything starts', async () => {
    const r = await cli(['dev', '--json'], undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 30_000);
    expect(r.code, r.stderr).toBe(2);
    expect(r.last).toMatchObject({ status: 'failed', error: { type: 'ConfigError' } });
    expect(String((r.last.error as { message?: string }).message)).toContain('OTEL_EXPORTER_OTLP_PROTOCOL');
    expect(r.stderr).not.toContain('starting the Temporal dev server');
  });

  it('the dev stack traced: one provisioning is one trace of service kafka-crossvpc-dev, from its client to every cloud HTTP call', async () => {
    const config = tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, 'dev');
    if (!config) throw new Error('tracing should be on with an endpoint set');
    const exporter = new InMemorySpanExporter();
    const sdk = startTracing(config, { exporter });
    const stack = await startDevStack({ temporalPort: await freePort(), kafka: false, addressPrefix: await claimAddressPrefix(), taskQueue: uniqueTaskQueue('dev-traced'), tracing: workerTracing(sdk) });
    try {
      const parsed = parseProvisionInput(sandboxRequest(stack.sandbox.ready, { verify: false }));
      if (!parsed.ok) throw new Error(parsed.message);
      const outcome = await awaitAccessOutcome(await startOrJoinAccess(stack.client, stack.taskQueue, parsed.input));
      expect(outcome.error?.type).toBe('Unverified');
      const callsLogged = Object.values(stack.sandbox.callLog.allTime()).reduce((t, byStatus) => t + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
      // Every cloud call the sandbox logged has its HTTP span, in the trace the client's start began.
      await eventually(() => Promise.resolve(exporter.getFinishedSpans().filter(isHttp).length >= callsLogged), 30_000, 'an HTTP span per logged call');
      const spans = exporter.getFinishedSpans();
      const root = spans.find((s) => s.name === `StartWorkflow:${PROVISION_WORKFLOW_TYPE}`);
      if (!root) throw new Error('no client start span');
      expect(root.parentSpanId).toBeUndefined();
      expect(root.resource.attributes['service.name']).toBe('kafka-crossvpc-dev');
      const traceId = root.spanContext().traceId;
      const run = spans.find((s) => s.name === `RunWorkflow:${PROVISION_WORKFLOW_TYPE}`);
      expect(run?.spanContext().traceId).toBe(traceId);
      expect(run?.parentSpanId).toBe(idOf(root));
      const http = spans.filter(isHttp);
      expect(http.length).toBe(callsLogged);
      expect(http.every((h) => h.spanContext().traceId === traceId), 'every HTTP span in the trace').toBe(true);
      expect(spans.filter((s) => s.name.startsWith('RunActivity:')).length).toBeGreaterThan(5);
    } finally {
      await stack.stop();
      await sdk.shutdown();
    }
  });
});
