/**
 * Provisioning at scale, against the sandbox without Kafka (verification off), one worker on its own Temporal dev
 * server (one partition per task queue). The worker is the product's own `crossvpc worker` from dist/ (built
 * first), in a process of its own configured by OTC_* variables from the sandbox's ready line, so its peak RSS
 * (VmHWM) and CPU time are its own; `--inline` runs it in this process instead (the earlier way).
 * The worker process gets the deployed worker's environment (worker/process-settings.ts, as the Dockerfile sets
 * it); `BENCH_WORKER_PLAIN=1` starts it without. `BENCH_WORKER_NODE_ARGS` adds node flags to the worker process
 * (e.g. `--cpu-prof`), `BENCH_WORKER_ARGS` flags to
 * its `crossvpc worker` command (e.g. `--max-cached-workflows 500`), `BENCH_WORKER_LOG=<file>`
 * keeps its stderr, `BENCH_NO_BUILD=1` skips the build (dist/ as it is; a worker is refused when a source is newer). Parts (`--part`):
 *   ratio      wall time of one access ÷ the cloud's critical path (service settle + endpoint settle), at 3, 12
 *              and 30 brokers, short delays (1.5 s + 1.5 s); a cold worker and a warm one (second access). For
 *              the warm access also the CPU seconds of the dev server, the worker and this process, and the share
 *              of the machine's cores they kept busy over its wall time.
 *   realistic  60 s + 60 s settles, 3 brokers, `--side` accesses side by side (started 2 s apart): ratio, API
 *              calls and history events per access. `--polling fixed-1s`: the accesses ask for a look every second.
 *   scale      N accesses at once (3 brokers each, 2 s + 2 s), N from `--n 50,200,500`: throughput, peak RSS of
 *              the worker, API calls and history events per access, failures, throttling; CPU seconds per access
 *              of the dev server, the worker and this process (sandbox + client), and the throughput the
 *              machine's cores could give at that cost (cores × 60 s ÷ CPU-s per access: the run's ceiling here).
 * Prints a table and writes JSON to bench-results/ (git-ignored).
 *   one        one access (3 brokers, 2 s + 2 s): the worker's peak RSS for it.
 *   cli        `crossvpc provision --wait` against the default scenario with Kafka (1.5 s + 1.5 s, 3 brokers,
 *              verification on, product default timings): the command's wall time ÷ the critical path
 *              (settles + the `crossvpc/modify` call + the verification's produce/consume); a cold worker, then
 *              `--runs` more on the warm one (median and range), `crossvpc teardown` between runs.
 * `--timeline` prints where the warm access's time went (ratio part; cli part: its last run) (bench/access-timeline.ts).
 *   npx tsx bench/provisioning-scale.ts --part ratio,realistic,scale,one,cli [--n 50,200,500] [--side 4] [--runs 3] [--brokers 3,12,30] [--polling default|fixed-1s] [--inline] [--timeline]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { OtcClientSet } from '../activities/index.js';
import { accessTimeline, renderTimeline } from './access-timeline.js';
import { createOtcClients } from '../src/otc/otc-clients.js';
import { scaleScenario } from '../src/sandbox/scenario/scale-scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/start-sandbox.js';
import { buildIsCurrent } from '../src/devtools/build-state.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { awaitAccessOutcome, startOrJoinAccess } from '../src/temporal/access-client.js';
import { sandboxEnv, sandboxRequest } from '../src/cli/dev/stack.js';
import { WORKER_PROCESS_ENV } from '../worker/process-settings.js';
import { createCrossVpcWorkers } from '../worker/worker.js';
import { workflowBundleOptions } from '../worker/workflow-bundle.js';
import { parseProvisionInput, portWorkflowId } from '../workflows/input.js';
import { searchAttributeRegistrations } from '../workflows/search-attributes.js';

const { values } = parseArgs({ options: { part: { type: 'string', default: 'ratio,realistic,scale' }, n: { type: 'string', default: '50,200,500' }, side: { type: 'string', default: '4' }, runs: { type: 'string', default: '3' }, inline: { type: 'boolean', default: false }, timeline: { type: 'boolean', default: false }, brokers: { type: 'string', default: '3,12,30' }, polling: { type: 'string', default: 'default' } } });
const parts = new Set(values.part.split(','));
/** `--polling fixed-1s`: the accesses' own schedule a look every second (issue 12's "best a user can set" row), else the product's. */
const POLLING = { default: {}, 'fixed-1s': { firstPollMs: 1_000, maxPollMs: 1_000, backoffCoefficient: 1 } } as const;
if (!(values.polling in POLLING)) throw new Error(`--polling must be ${Object.keys(POLLING).join(' or ')}`);
const polling = POLLING[values.polling as keyof typeof POLLING];

Runtime.install({ logger: new DefaultLogger('ERROR') });
const server = await startDevServer({ searchAttributes: [...searchAttributeRegistrations] });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
const native = await NativeConnection.connect({ address: server.address });
const inline = values.inline;
let bundled: Awaited<ReturnType<typeof bundleWorkflowCode>> | undefined;
const bundle = async (): Promise<Awaited<ReturnType<typeof bundleWorkflowCode>>> => (bundled ??= await bundleWorkflowCode(workflowBundleOptions()));
if (!inline) {
  // The worker process runs dist/ and its prebuilt workflow bundle.
  const built = process.env.BENCH_NO_BUILD ? { status: 0 } : spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('build failed');
}
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

interface AccessFigures { ok: boolean; wallMs: number; events: number | undefined; workflowId: string; childIds: string[] }

/** Runs accesses of `instances` (indexes) on one worker; `delayBetweenMs` between starts. */
async function runAccesses(sb: Sandbox, taskQueue: string, indexes: number[], delayBetweenMs: number, countEvents: number): Promise<AccessFigures[]> {
  const net = sb.ready.clientNetworks.find((n) => n.account === 'A');
  if (!net) throw new Error('client network expected');
  return Promise.all(
    indexes.map(async (i, k) => {
      await new Promise((r) => setTimeout(r, k * delayBetweenMs));
      const inst = sb.ready.instances[i];
      if (!inst) throw new Error(`instance ${i}`);
      const parsed = parseProvisionInput({ instanceId: inst.instanceId, clientVpcId: net.vpcId, clientSubnetId: net.subnetId, clientSubnetCidr: net.cidr, verify: { enabled: false }, timeouts: { deadlineMs: 30 * 60_000, ...polling } });
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
      return { ok, wallMs, events, workflowId: handle.workflowId, childIds: outcome.ports.map((p) => portWorkflowId(handle.workflowId, p.portId)) };
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
// What the figures were measured on: cores and the load average when the run started (a busy machine moves them).
/** The deployed worker's process environment (worker/process-settings.ts) unless `BENCH_WORKER_PLAIN=1`. */
const workerProcessEnv: Record<string, string> = process.env.BENCH_WORKER_PLAIN === '1' ? {} : { ...WORKER_PROCESS_ENV };
const results: Record<string, unknown> = { machine: { cores: cpus().length, loadAverage1m: loadavg()[0], node: process.version }, startedAt: new Date().toISOString(), polling: values.polling, workerProcessEnv };
const rows: string[] = [];
let block = Number(process.env.BENCH_BLOCK ?? 60);

/** CPU time (user + system, ms) of a process so far, from /proc (USER_HZ = 100). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(stat[11]) + Number(stat[12])) * 1000) / 100;
}

interface CpuReading { serverMs: number; workerMs: number; benchMs: number }

/** CPU time (ms) of the dev server, the worker (NaN inline) and this process (sandbox, client; the worker too inline). */
function cpuNow(worker: WorkerProcess | undefined): CpuReading {
  const own = process.cpuUsage();
  return { serverMs: processCpuMs(server.process.pid ?? 0), workerMs: worker ? worker.usage().cpuMs : NaN, benchMs: (own.user + own.system) / 1000 };
}

/** CPU seconds spent between two readings, per process and in all (an inline worker's is in `bench`), ÷ `per`. */
function cpuSpent(a: CpuReading, b: CpuReading, per = 1): { server: number; worker: number; bench: number; total: number } {
  const s = (ms: number): number => ms / per / 1000;
  const spent = { server: s(b.serverMs - a.serverMs), worker: s(b.workerMs - a.workerMs), bench: s(b.benchMs - a.benchMs) };
  return { ...spent, total: spent.server + (Number.isNaN(spent.worker) ? 0 : spent.worker) + spent.bench };
}

/** A `crossvpc worker` process of the product (dist/), configured from the sandbox's ready line. */
interface WorkerProcess {
  /** Peak RSS (VmHWM) and CPU time (user + system) so far, read from /proc. */
  usage(): { peakRssMb: number; cpuMs: number };
  stop(): Promise<void>;
}

async function startWorkerProcess(sb: Sandbox, taskQueue: string): Promise<WorkerProcess> {
  // The launcher runs the sources through tsx when dist/ is older than them: figures of another program.
  if (!buildIsCurrent()) throw new Error('dist/ is older than the sources (a .ts edited since the build): the worker would run from sources; rebuild (npm run build) or run without BENCH_NO_BUILD');
  const env = { ...process.env, ...workerProcessEnv, ...sandboxEnv(sb.ready, { address: server.address, namespace: 'default', taskQueue }), OTC_TIMEOUT_MS: '30000' };
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const workerArgs = (process.env.BENCH_WORKER_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'src/cli/crossvpc.mjs', 'worker', ...workerArgs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      if (process.env.BENCH_WORKER_LOG) writeFileSync(process.env.BENCH_WORKER_LOG, d, { flag: 'a' });
      err += d.toString();
      if (err.includes('main on ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling: ${err}`)));
  });
  const pid = child.pid ?? 0;
  return {
    usage() {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return { peakRssMb: Math.round(Number(hwm?.[1] ?? 0) / 1024), cpuMs: processCpuMs(pid) };
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `crossvpc <args>` as its own process (asynchronously: the sandbox answers from this process meanwhile). */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['src/cli/crossvpc.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.on('exit', (status) => resolve({ status, stdout })));
}

/** The worker's figures of the last {@link withSandbox} run (process mode), else this process's peak RSS. */
let lastWorker: { peakRssMb: number; cpuMs: number } | undefined;

async function withSandbox<T>(instances: number, brokers: number, settleMs: number, fn: (sb: Sandbox, tq: string, worker?: WorkerProcess) => Promise<T>): Promise<T> {
  return withStartedSandbox(await startSandbox({ scenario: scaleScenario({ instances, brokers, delays: { serviceCreate: settleMs, endpointCreate: settleMs } }), kafka: false, addressPrefix: `127.${block++}`, log: () => undefined }), fn);
}

async function withStartedSandbox<T>(sb: Sandbox, fn: (sb: Sandbox, tq: string, worker?: WorkerProcess) => Promise<T>): Promise<T> {
  const taskQueue = `bench-${Date.now()}-${block}`;
  try {
    if (!inline) {
      const worker = await startWorkerProcess(sb, taskQueue);
      try {
        const r = await fn(sb, taskQueue, worker);
        lastWorker = worker.usage();
        return r;
      } finally {
        await worker.stop();
      }
    }
    const workers = await createCrossVpcWorkers({ connection: native, taskQueue, activityDeps: { clients: clientsOf(sb) }, workflowBundle: { code: (await bundle()).code }, shutdownGraceTime: '2s' });
    const r = await workers.runUntil(() => fn(sb, taskQueue));
    lastWorker = { peakRssMb: Math.round(peakRss / 2 ** 20), cpuMs: NaN };
    return r;
  } finally {
    await sb.stop();
  }
}

try {
  if (parts.has('ratio')) {
    const out = [];
    for (const brokers of values.brokers.split(',').map(Number)) {
      const r = await withSandbox(2, brokers, 1_500, async (sb, tq, worker) => {
        const [cold] = await runAccesses(sb, tq, [0], 0, 1);
        sb.callLog.clear();
        const cpu0 = cpuNow(worker);
        const [warm] = await runAccesses(sb, tq, [1], 0, 1);
        const cpu1 = cpuNow(worker);
        // The warm access's CPU seconds by process (its history read included), and how busy that kept the cores.
        const warmCpu = cpuSpent(cpu0, cpu1);
        const warmCoresBusy = warmCpu.total / (((warm?.wallMs ?? NaN) / 1000) * cpus().length);
        const calls = apiCalls(sb);
        if (values.timeline && warm) process.stderr.write(`\n--- timeline, warm access, ${brokers} brokers (${warm.wallMs} ms)\n${renderTimeline((await accessTimeline(client, warm.workflowId, warm.childIds)).spans)}\n`);
        return { brokers, coldRatio: (cold?.wallMs ?? NaN) / 3_000, warmRatio: (warm?.wallMs ?? NaN) / 3_000, warmWallMs: warm?.wallMs, warmApiCalls: calls.total, warmByOperation: calls.byOperation, warmEvents: warm?.events, warmCpu, warmCoresBusy, ok: cold?.ok === true && warm?.ok === true };
      });
      out.push(r);
      rows.push(`| ratio, ${brokers} brokers, 1.5 s + 1.5 s, no Kafka | cold ${r.coldRatio.toFixed(3)} / warm ${r.warmRatio.toFixed(3)}; warm CPU-s: server ${r.warmCpu.server.toFixed(2)}, worker ${r.warmCpu.worker.toFixed(2)}, sandbox+client ${r.warmCpu.bench.toFixed(2)} (cores ${(r.warmCoresBusy * 100).toFixed(0)} % busy) | ${r.warmApiCalls} calls, ${r.warmEvents} events (warm) | ${r.ok ? 'ok' : 'FAILED'} |`);
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
    const pollingLabel = values.polling === 'default' ? '' : `, ${values.polling} polling`;
    rows.push(`| realistic 60 s + 60 s, 3 brokers${pollingLabel}, ${side} side by side | ratios ${r.ratios.map((x) => x.toFixed(3)).join(' / ')} (learning) | ${r.apiCallsPerAccess.toFixed(1)} calls, ${r.eventsPerAccess} events per access | ${r.failures} failed |`);
    rows.push(`| realistic 60 s + 60 s, 3 brokers${pollingLabel}, then one on the warm worker | ratio ${r.warm.ratio.toFixed(3)} | ${r.warm.apiCalls} calls, ${r.warm.events} events | |`);
  }
  if (parts.has('one')) {
    const r = await withSandbox(1, 3, 2_000, async (sb, tq) => {
      const [one] = await runAccesses(sb, tq, [0], 0, 1);
      return { ok: one?.ok === true, wallMs: one?.wallMs, events: one?.events };
    });
    results.one = { ...r, worker: lastWorker };
    rows.push(`| one access, 3 brokers, 2 s + 2 s | worker peak RSS ${lastWorker?.peakRssMb} MB, worker CPU ${((lastWorker?.cpuMs ?? NaN) / 1000).toFixed(1)} s (start included) | ${r.events} events | ${r.ok ? 'ok' : 'FAILED'} |`);
  }
  if (parts.has('cli')) {
    // The default scenario (3 brokers, service 1.5 s + endpoint 1.5 s) with real Kafka, product default timings.
    const sb = await startSandbox({ addressPrefix: `127.${block++}`, log: () => undefined });
    const r = await withStartedSandbox(sb, async (_sb, tq) => {
      const { timeouts: _sandboxTimings, ...request } = sandboxRequest(sb.ready, { verify: true });
      const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
      const inputFile = join(dir, 'request.json');
      writeFileSync(inputFile, JSON.stringify(request));
      const env = { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: tq };
      const settleMs = sb.scenario.delays.serviceCreate + sb.scenario.delays.endpointCreate;
      const runs = [];
      for (let i = 0; i <= Number(values.runs); i++) {
        // Between runs the access is removed the product's way. (Not spawnSync: the sandbox runs in this process.)
        if (i > 0) {
          const down = await run(['teardown', '--instance-id', request.instanceId, '--wait', '--json'], env);
          if (down.status !== 0) throw new Error(`teardown failed: ${down.stdout}`);
        }
        sb.callLog.clear();
        const t0 = performance.now();
        const startedAt = Date.now();
        const cli = await run(['provision', '--wait', '--json', '--input', inputFile], env);
        const wallMs = performance.now() - t0;
        const line = JSON.parse(cli.stdout.trim().split('\n').pop() ?? '{}') as { status?: string; workflowId?: string; runId?: string };
        const outcome = line.workflowId ? await awaitAccessOutcome(client.workflow.getHandle(line.workflowId, line.runId), line.runId) : undefined;
        const modifyMs = sb.callLog.all().filter((c) => c.operation === 'dms.modifyCrossVpc').reduce((t, c) => t + c.durationMs, 0);
        const verifyMs = outcome?.result?.verification?.elapsedMs ?? NaN;
        const criticalMs = settleMs + modifyMs + verifyMs;
        if (values.timeline && i === Number(values.runs) && line.workflowId && outcome) {
          const { spans } = await accessTimeline(client, line.workflowId, outcome.ports.map((p) => portWorkflowId(line.workflowId ?? '', p.portId)), startedAt);
          process.stderr.write(`\n--- timeline, crossvpc provision --wait, warm (${Math.round(wallMs)} ms from the command's start)\n${renderTimeline(spans)}\n`);
        }
        runs.push({ warm: i > 0, exit: cli.status, status: line.status, wallMs, criticalMs, settleMs, modifyMs, verifyMs, ratio: wallMs / criticalMs, apiCalls: apiCalls(sb).total });
      }
      rmSync(dir, { recursive: true, force: true });
      return runs;
    });
    const warm = r.filter((x) => x.warm);
    const ratios = warm.map((x) => x.ratio).sort((a, b) => a - b);
    results.cli = { runs: r, worker: lastWorker };
    const cold = r[0];
    rows.push(`| \`crossvpc provision --wait\`, default scenario, Kafka, 1.5 s + 1.5 s, product defaults | cold ${cold?.ratio.toFixed(3)} (${((cold?.wallMs ?? NaN) / 1000).toFixed(2)} s); warm median ${median(ratios).toFixed(3)} [${ratios[0]?.toFixed(3)}–${ratios.at(-1)?.toFixed(3)}] (${(median(warm.map((x) => x.wallMs)) / 1000).toFixed(2)} s against ${(median(warm.map((x) => x.criticalMs)) / 1000).toFixed(2)} s) | ${median(warm.map((x) => x.apiCalls))} calls (warm) | ${r.every((x) => x.exit === 0 && x.status === 'verified') ? 'ok' : 'FAILED'} |`);
  }
  if (parts.has('scale')) {
    const out = [];
    for (const n of values.n.split(',').map(Number)) {
      peakRss = process.memoryUsage().rss;
      const r = await withSandbox(n, 3, 2_000, async (sb, tq, worker) => {
        const cpu0 = cpuNow(worker);
        const t0 = Date.now();
        const figures = await runAccesses(sb, tq, Array.from({ length: n }, (_, i) => i), 0, 10);
        const wallMs = Date.now() - t0;
        const cpu1 = cpuNow(worker);
        // CPU seconds per access by process, and the throughput the machine's cores could give at that cost
        // (every core busy, nothing waiting): the ceiling of this run on this machine.
        const { total: cpuTotalPerAccess, ...cpuPerAccess } = cpuSpent(cpu0, cpu1, n);
        const cpuCeilingPerMin = (cpus().length * 60) / cpuTotalPerAccess;
        const calls = apiCalls(sb);
        const sampled = figures.filter((f) => f.events !== undefined).map((f) => f.events ?? 0);
        return { n, byOperation: calls.byOperation, wallMs, accessesPerMin: (n / wallMs) * 60_000, cpuPerAccess, cpuTotalPerAccess, cpuCeilingPerMin, apiCallsPerAccess: calls.total / n, eventsPerAccess: median(sampled), failures: figures.filter((f) => !f.ok).length, throttled: calls.throttled, medianAccessMs: median(figures.map((f) => f.wallMs)) };
      });
      const row = { ...r, worker: lastWorker, benchProcessPeakRssMb: Math.round(peakRss / 2 ** 20) };
      out.push(row);
      process.stderr.write(`scale N=${n} done: ${JSON.stringify(row)}\n`);
      rows.push(`| scale N=${n}, 3 brokers, 2 s + 2 s | ${(r.wallMs / 1000).toFixed(1)} s, ${r.accessesPerMin.toFixed(0)} accesses/min, worker peak RSS ${lastWorker?.peakRssMb} MB, worker CPU ${((lastWorker?.cpuMs ?? NaN) / 1000).toFixed(1)} s; CPU-s per access: server ${r.cpuPerAccess.server.toFixed(3)}, worker ${r.cpuPerAccess.worker.toFixed(3)}, sandbox+client ${r.cpuPerAccess.bench.toFixed(3)} → at most ${r.cpuCeilingPerMin.toFixed(0)}/min on ${cpus().length} cores | ${r.apiCallsPerAccess.toFixed(1)} calls, ${r.eventsPerAccess} events per access | ${r.failures} failed, ${r.throttled} throttled |`);
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
