/**
 * Provisioning at scale, against the sandbox without Kafka (verification off), one in-process worker on its own
 * Temporal dev server (one partition per task queue). Three parts (`--part`):
 *   ratio      wall time of one access ÷ the cloud's critical path (service settle + endpoint settle), at 3, 12
 *              and 30 brokers, short delays (1.5 s + 1.5 s); a cold worker and a warm one (second access).
 *   realistic  60 s + 60 s settles, 3 brokers, `--side` accesses side by side (started 2 s apart): ratio, API
 *              calls and history events per access.
 *   scale      N accesses at once (3 brokers each, 2 s + 2 s), N from `--n 50,200,500`: throughput, peak RSS of
 *              this process (worker + sandbox + client), API calls and history events per access, failures,
 *              throttling.
 * Prints a table and writes JSON to bench-results/ (git-ignored).
 *   npx tsx bench/provisioning-scale.ts --part ratio,realistic,scale [--n 50,200,500] [--side 4]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { OtcClientSet } from '../activities/index.js';
import { createOtcClients } from '../src/otc/otc-clients.js';
import { scaleScenario } from '../src/sandbox/scenario/scale-scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/start-sandbox.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { awaitAccessOutcome, startOrJoinAccess } from '../src/temporal/access-client.js';
import { createCrossVpcWorkers, workflowsPath } from '../worker/worker.js';
import { parseProvisionInput, portWorkflowId } from '../workflows/input.js';
import { searchAttributeRegistrations } from '../workflows/search-attributes.js';

const { values } = parseArgs({ options: { part: { type: 'string', default: 'ratio,realistic,scale' }, n: { type: 'string', default: '50,200,500' }, side: { type: 'string', default: '4' } } });
const parts = new Set(values.part.split(','));

Runtime.install({ logger: new DefaultLogger('ERROR') });
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const server = await startDevServer({ searchAttributes: [...searchAttributeRegistrations] });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
const native = await NativeConnection.connect({ address: server.address });
const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);

function clientsOf(sb: Sandbox): (name: string) => OtcClientSet {
  const ready = sb.ready;
  const a = ready.accounts.find((x) => x.name === 'A');
  if (!a) throw new Error('account A expected');
  const c = createOtcClients({ name: 'default', region: ready.region, projectId: a.projectId, domainId: a.domainId, credentials: { kind: 'aksk', ak: a.ak, sk: a.sk }, endpoints: { ...ready.endpoints }, timeoutMs: 30_000 });
  return () => c;
}

interface AccessFigures { ok: boolean; wallMs: number; events: number | undefined }

/** Runs accesses of `instances` (indexes) on one worker; `delayBetweenMs` between starts. */
async function runAccesses(sb: Sandbox, taskQueue: string, indexes: number[], delayBetweenMs: number, countEvents: number): Promise<AccessFigures[]> {
  const net = sb.ready.clientNetworks.find((n) => n.account === 'A');
  if (!net) throw new Error('client network expected');
  return Promise.all(
    indexes.map(async (i, k) => {
      await new Promise((r) => setTimeout(r, k * delayBetweenMs));
      const inst = sb.ready.instances[i];
      if (!inst) throw new Error(`instance ${i}`);
      const parsed = parseProvisionInput({ instanceId: inst.instanceId, clientVpcId: net.vpcId, clientSubnetId: net.subnetId, clientSubnetCidr: net.cidr, verify: { enabled: false }, timeouts: { deadlineMs: 30 * 60_000 } });
      if (!parsed.ok) throw new Error(parsed.message);
      const t0 = Date.now();
      const handle = await startOrJoinAccess(client, taskQueue, parsed.input);
      const outcome = await awaitAccessOutcome(handle);
      const wallMs = Date.now() - t0;
      const ok = outcome.error?.type === 'Unverified' && outcome.ports.length === inst.brokers;
      let events: number | undefined;
      if (k < countEvents) {
        events = (await handle.fetchHistory()).events?.length ?? 0;
        for (const p of outcome.ports) events += (await client.workflow.getHandle(portWorkflowId(handle.workflowId, p.portId)).fetchHistory()).events?.length ?? 0;
      }
      return { ok, wallMs, events };
    }),
  );
}

function apiCalls(sb: Sandbox): { total: number; throttled: number; byOperation: Record<string, number> } {
  const counts = sb.callLog.allTime();
  const byOperation: Record<string, number> = {};
  let total = 0;
  let throttled = 0;
  for (const [op, byStatus] of Object.entries(counts)) {
    if (op.startsWith('iam.')) continue; // token/catalog: once per client, not per access
    for (const [status, n] of Object.entries(byStatus)) {
      total += n;
      byOperation[op] = (byOperation[op] ?? 0) + n;
      if (status === '429') throttled += n;
    }
  }
  return { total, throttled, byOperation };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const results: Record<string, unknown> = { machine: 'shared 2-core machine, loaded by other agents', startedAt: new Date().toISOString() };
const rows: string[] = [];
let block = Number(process.env.BENCH_BLOCK ?? 60);

async function withSandbox<T>(instances: number, brokers: number, settleMs: number, fn: (sb: Sandbox, tq: string) => Promise<T>): Promise<T> {
  const sb = await startSandbox({ scenario: scaleScenario({ instances, brokers, delays: { serviceCreate: settleMs, endpointCreate: settleMs } }), kafka: false, addressPrefix: `127.${block++}`, log: () => undefined });
  const taskQueue = `bench-${Date.now()}-${block}`;
  const workers = await createCrossVpcWorkers({ connection: native, taskQueue, activityDeps: { clients: clientsOf(sb) }, workflowBundle: { code: bundle.code }, shutdownGraceTime: '2s' });
  try {
    return await workers.runUntil(() => fn(sb, taskQueue));
  } finally {
    await sb.stop();
  }
}

try {
  if (parts.has('ratio')) {
    const out = [];
    for (const brokers of [3, 12, 30]) {
      const r = await withSandbox(2, brokers, 1_500, async (sb, tq) => {
        const [cold] = await runAccesses(sb, tq, [0], 0, 1);
        sb.callLog.clear();
        const [warm] = await runAccesses(sb, tq, [1], 0, 1);
        const calls = apiCalls(sb);
        return { brokers, coldRatio: (cold?.wallMs ?? NaN) / 3_000, warmRatio: (warm?.wallMs ?? NaN) / 3_000, warmWallMs: warm?.wallMs, warmApiCalls: calls.total, warmByOperation: calls.byOperation, warmEvents: warm?.events, ok: cold?.ok === true && warm?.ok === true };
      });
      out.push(r);
      rows.push(`| ratio, ${brokers} brokers, 1.5 s + 1.5 s, no Kafka | cold ${r.coldRatio.toFixed(3)} / warm ${r.warmRatio.toFixed(3)} | ${r.warmApiCalls} calls, ${r.warmEvents} events (warm) | ${r.ok ? 'ok' : 'FAILED'} |`);
    }
    results.ratio = out;
  }
  if (parts.has('realistic')) {
    const side = Number(values.side);
    const r = await withSandbox(side + 1, 3, 60_000, async (sb, tq) => {
      const figures = await runAccesses(sb, tq, Array.from({ length: side }, (_, i) => i), 2_000, side);
      const calls = apiCalls(sb);
      // Then one access on the now warm worker (it has seen these settle times).
      sb.callLog.clear();
      const [warm] = await runAccesses(sb, tq, [side], 0, 1);
      const warmCalls = apiCalls(sb);
      return {
        side,
        byOperation: calls.byOperation,
        ratios: figures.map((f) => f.wallMs / 120_000),
        apiCallsPerAccess: calls.total / side,
        eventsPerAccess: median(figures.map((f) => f.events ?? 0)),
        failures: figures.filter((f) => !f.ok).length + (warm?.ok ? 0 : 1),
        warm: { ratio: (warm?.wallMs ?? NaN) / 120_000, apiCalls: warmCalls.total, byOperation: warmCalls.byOperation, events: warm?.events },
      };
    });
    results.realistic = r;
    rows.push(`| realistic 60 s + 60 s, 3 brokers, ${side} side by side | ratios ${r.ratios.map((x) => x.toFixed(3)).join(' / ')} (learning) | ${r.apiCallsPerAccess.toFixed(1)} calls, ${r.eventsPerAccess} events per access | ${r.failures} failed |`);
    rows.push(`| realistic 60 s + 60 s, 3 brokers, then one on the warm worker | ratio ${r.warm.ratio.toFixed(3)} | ${r.warm.apiCalls} calls, ${r.warm.events} events | |`);
  }
  if (parts.has('scale')) {
    const out = [];
    for (const n of values.n.split(',').map(Number)) {
      peakRss = process.memoryUsage().rss;
      const r = await withSandbox(n, 3, 2_000, async (sb, tq) => {
        const t0 = Date.now();
        const figures = await runAccesses(sb, tq, Array.from({ length: n }, (_, i) => i), 0, 10);
        const wallMs = Date.now() - t0;
        const calls = apiCalls(sb);
        const sampled = figures.filter((f) => f.events !== undefined).map((f) => f.events ?? 0);
        return { n, byOperation: calls.byOperation, wallMs, accessesPerMin: (n / wallMs) * 60_000, peakRssMb: Math.round(peakRss / 2 ** 20), apiCallsPerAccess: calls.total / n, eventsPerAccess: median(sampled), failures: figures.filter((f) => !f.ok).length, throttled: calls.throttled, medianAccessMs: median(figures.map((f) => f.wallMs)) };
      });
      out.push(r);
      process.stderr.write(`scale N=${n} done: ${JSON.stringify(r)}\n`);
      rows.push(`| scale N=${n}, 3 brokers, 2 s + 2 s | ${(r.wallMs / 1000).toFixed(1)} s, ${r.accessesPerMin.toFixed(0)} accesses/min, peak RSS ${r.peakRssMb} MB | ${r.apiCallsPerAccess.toFixed(1)} calls, ${r.eventsPerAccess} events per access | ${r.failures} failed, ${r.throttled} throttled |`);
    }
    results.scale = out;
  }
} finally {
  clearInterval(rssTimer);
  await native.close();
  await connection.close();
  await server.stop();
}
process.stdout.write(`\n| case | figure | calls / history | outcome |\n|---|---|---|---|\n${rows.join('\n')}\n`);
mkdirSync('bench-results', { recursive: true });
const file = `bench-results/provisioning-scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify({ ...results, rows }, null, 2)}\n`);
process.stdout.write(`JSON: ${file}\n`);
