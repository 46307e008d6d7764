/**
 * Shared set-up of the workflow tests: the suite's real Temporal dev server, one sandbox per test file
 * (reset between tests through its admin API), the workflow bundle built once per file, and a fresh worker
 * pair (main + verify) per test on a unique task queue.
 */
import { claimAddressPrefix } from '../support/address-block.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { startSandbox, type Sandbox, type StartSandboxOptions } from '../../src/sandbox/start-sandbox.js';
import type { OtcConfig } from '../../src/otc/otc-config.js';
import { createOtcClients } from '../../src/otc/otc-clients.js';
import type { OtcClientSet, VerifyDeps } from '../../activities/index.js';
import { createCrossVpcWorkers, type CrossVpcWorkerOptions, type CrossVpcWorkers } from '../../worker/worker.js';
import { awaitAccessOutcome, startOrJoinAccess, type ProvisionOutcome } from '../../src/temporal/access-client.js';
import { parseProvisionInput, type ProvisionRequest } from '../../workflows/input.js';
import { connectTestEnv, testWorkflowBundle, uniqueTaskQueue } from '../support/temporal-env.js';
import { sandboxAdmin, sandboxOtcConfig, type CallCounts, type SandboxAdmin, type StateDump } from '../support/sandbox-access.js';


/** Short timings: the sandbox's delays are ~1–2 s, so look often and give up early. */
export const FAST_TIMEOUTS = {
  firstPollMs: 300,
  maxPollMs: 1_000,
  backoffCoefficient: 1.5,
  deadlineMs: 60_000,
  compensationDeadlineMs: 60_000,
  activityMs: 15_000,
  heartbeatMs: 2_000,
  retryInitialMs: 200,
};

export interface Suite {
  env: TestWorkflowEnvironment;
  /** The running sandbox (a new one after {@link restartSandbox}). */
  sandbox: Sandbox;
  /** The workflow code (test/support/temporal-env.ts testWorkflowBundle). */
  bundle: { code: string };
  /** Credential sets: `default` = account A (instance owner), `client` = account B. */
  otcConfig(name: string): OtcConfig;
  clients(name: string): OtcClientSet;
  stop(): Promise<void>;
}

export async function startSuite(options: Pick<StartSandboxOptions, 'kafka' | 'scenario' | 'addressPrefix' | 'stateFile'> = {}): Promise<Suite> {
  const [env, bundle, sandbox] = await Promise.all([
    connectTestEnv(),
    testWorkflowBundle(),
    // A seed of its own: instance ids (hence workflow ids `crossvpc-<instanceId>`) never collide with a
    // sandbox of another test file on the shared Temporal server.
    startSandbox({ addressPrefix: options.addressPrefix ?? (await claimAddressPrefix()), log: () => undefined, seed: 1 + Math.floor(Math.random() * 2 ** 30), ...options }),
  ]);
  // Credential sets: `default` = account A (instance owner), `client` = account B.
  const otcConfig = (name: string): OtcConfig => sandboxOtcConfig(suite.sandbox.ready, name === 'default' ? 'A' : name === 'client' ? 'B' : `(no credential set ${name})`, { name });
  const cache = new Map<string, OtcClientSet>();
  const clients = (name: string): OtcClientSet => {
    let c = cache.get(name);
    if (!c) {
      c = createOtcClients(otcConfig(name));
      cache.set(name, c);
    }
    return c;
  };
  const suite: Suite = {
    env,
    sandbox,
    bundle,
    otcConfig,
    clients,
    async stop() {
      await suite.sandbox.stop();
      await env.teardown();
    },
  };
  return suite;
}

/**
 * Stops the suite's sandbox (the cloud is unreachable: connections are refused), waits `downMs`, and starts it
 * again from its state file — the same cloud on the same addresses and ports, so workers and clients carry on.
 */
export async function restartSandbox(suite: Suite, downMs: number): Promise<void> {
  const stateFile = suite.sandbox.stateFile?.path;
  if (!stateFile) throw new Error('restartSandbox needs a suite started with a stateFile');
  const kafka = suite.sandbox.ready.kafka.enabled;
  const urls = { ...suite.sandbox.urls };
  await suite.sandbox.stop();
  await new Promise((r) => setTimeout(r, downMs));
  suite.sandbox = await startSandbox({ stateFile, kafka, log: () => undefined });
  if (JSON.stringify(suite.sandbox.urls) !== JSON.stringify(urls)) throw new Error('the restarted sandbox came back on other addresses');
}


export interface WorkerOverrides {
  /** E.g. a probe that fails (a verification failure of our own making). */
  verifyDeps?: VerifyDeps;
  /** Global cloud-API rates (calls per second per service) the workers set on the service queues. */
  cloudRates?: CrossVpcWorkerOptions['cloudRates'];
  /** The task queue to poll (default a new unique one): a second fleet on the same queue, as in a deploy. */
  taskQueue?: string;
  /** The workflow code to run (default the suite's bundle): e.g. a changed workflow being deployed. */
  workflowBundle?: { code: string };
}

export async function withWorkers<T>(suite: Suite, fn: (taskQueue: string, workers: CrossVpcWorkers) => Promise<T>, prefix = 'crossvpc', overrides: WorkerOverrides = {}): Promise<T> {
  const taskQueue = overrides.taskQueue ?? uniqueTaskQueue(prefix);
  const workers = await createCrossVpcWorkers({
    connection: suite.env.nativeConnection,
    taskQueue,
    activityDeps: { clients: suite.clients, serviceInUseRetryMs: 300, instancePollMs: 250 },
    ...(overrides.verifyDeps ? { verifyDeps: overrides.verifyDeps } : {}),
    ...(overrides.cloudRates ? { cloudRates: overrides.cloudRates } : {}),
    workflowBundle: overrides.workflowBundle ?? { code: suite.bundle.code },
    shutdownGraceTime: '2s',
  });
  return workers.runUntil(() => fn(taskQueue, workers));
}

/** Request for the default scenario's instance, same account, with test timings. */
export function defaultRequest(suite: Suite, overrides: Partial<ProvisionRequest> = {}): ProvisionRequest {
  const ready = suite.sandbox.ready;
  const inst = ready.instances[0];
  const net = ready.clientNetworks.find((n) => n.account === 'A');
  if (!inst || !net) throw new Error('default scenario expected');
  return {
    instanceId: inst.instanceId,
    clientVpcId: net.vpcId,
    clientSubnetId: net.subnetId,
    clientSubnetCidr: net.cidr,
    timeouts: FAST_TIMEOUTS,
    verify: { timeoutMs: 30_000, attempts: 2 },
    ...overrides,
  };
}

export function crossAccountRequest(suite: Suite, overrides: Partial<ProvisionRequest> = {}): ProvisionRequest {
  const ready = suite.sandbox.ready;
  const net = ready.clientNetworks.find((n) => n.account === 'B');
  const b = ready.accounts.find((a) => a.name === 'B');
  if (!net || !b) throw new Error('account B expected');
  return defaultRequest(suite, {
    clientVpcId: net.vpcId,
    clientSubnetId: net.subnetId,
    clientSubnetCidr: net.cidr,
    clientDomainId: b.domainId,
    clientCredentials: 'client',
    ...overrides,
  });
}

export async function start(suite: Suite, taskQueue: string, request: ProvisionRequest): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const parsed = parseProvisionInput(request);
  if (!parsed.ok) throw new Error(parsed.message);
  return startOrJoinAccess(suite.env.client, taskQueue, parsed.input);
}

export async function provision(suite: Suite, taskQueue: string, request: ProvisionRequest): Promise<ProvisionOutcome> {
  return awaitAccessOutcome(await start(suite, taskQueue, request));
}

// ---- admin API (HTTP, as an operator would use it) ----------------------------------------------------

export type { StateDump } from '../support/sandbox-access.js';
export { count } from '../support/sandbox-access.js';

/** The admin API of the suite's current sandbox (test/support/sandbox-access.ts). */
export function adminOf(suite: Suite): SandboxAdmin {
  return sandboxAdmin(() => suite.sandbox.adminUrl);
}

export async function admin<T = unknown>(suite: Suite, method: string, path: string, body?: unknown): Promise<T> {
  return adminOf(suite).call<T>(method, path, body);
}

export async function resetSandbox(suite: Suite): Promise<void> {
  await adminOf(suite).reset();
}

export async function stateDump(suite: Suite): Promise<StateDump> {
  return adminOf(suite).state();
}

/** Every VPCEP resource in every account, and the SG rules on 9011. */
export async function resources(suite: Suite): Promise<{ services: StateDump['accounts'][number]['projects'][number]['endpointServices']; endpoints: StateDump['accounts'][number]['projects'][number]['endpoints']; sgRules9011: number; advertised: Record<string, string> }> {
  const s = await stateDump(suite);
  const projects = s.accounts.flatMap((a) => a.projects);
  const advertised: Record<string, string> = {};
  for (const p of projects) for (const i of p.kafkaInstances) for (const [k, v] of Object.entries(i.cross_vpc_info)) advertised[k] = v.advertised_ip;
  return {
    services: projects.flatMap((p) => p.endpointServices),
    endpoints: projects.flatMap((p) => p.endpoints),
    sgRules9011: projects.flatMap((p) => p.securityGroups.flatMap((g) => g.rules)).filter((r) => r.port_range_min === 9011).length,
    advertised,
  };
}

export async function callCounts(suite: Suite): Promise<CallCounts> {
  return adminOf(suite).callCounts();
}

export async function addFault(suite: Suite, fault: unknown): Promise<void> {
  await adminOf(suite).addFault(fault);
}

/** Polls `predicate` every 100 ms until it holds (or throws after `ms`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 30_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ids of a history's patch markers (`patched()` calls that recorded one), in order. */
export function patchIds(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    const data = m?.markerName === 'core_patch' ? m.details?.['patch-data']?.payloads?.[0] : undefined;
    return data ? [defaultPayloadConverter.fromPayload<{ id: string }>(data).id] : [];
  });
}

/**
 * Saves a closed run's history as a replay fixture (`{ workflowId, history }` under test/workflow/histories/)
 * when it is missing or when UPDATE_HISTORIES=1: committed fixtures then guard against non-determinism.
 */
export async function saveHistory(handle: Pick<WorkflowHandle, 'workflowId' | 'fetchHistory'>, name: string): Promise<void> {
  const dir = new URL('./histories/', import.meta.url);
  if (existsSync(new URL(`${name}.json`, dir)) && process.env.UPDATE_HISTORIES !== '1') return;
  mkdirSync(dir, { recursive: true });
  const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify({ workflowId: handle.workflowId, history })}\n`);
}

// ---- named access (one verify worker per client VPC, each resolving through its VPC's resolver) ----------

/**
 * Main + verify workers, plus one verify worker per client VPC on `<taskQueue>-verify-<vpcId>` whose lookups go
 * to that VPC's resolver (the sandbox's `clientNetworks[].dnsServer`), as a worker inside that VPC would.
 * `env`: the verify workers' secrets (`CROSSVPC_SECRET_<REF>_*`, for a SASL_SSL verification).
 */
export async function withVpcWorkers<T>(suite: Suite, fn: (taskQueue: string) => Promise<T>, prefix = 'named', env?: Readonly<Record<string, string>>): Promise<T> {
  const { Worker } = await import('@temporalio/worker');
  const { createVerifyActivities } = await import('../../activities/index.js');
  const { vpcVerifyTaskQueue } = await import('../../workflows/task-queues.js');
  return withWorkers(
    suite,
    async (taskQueue) => {
      const vpcWorkers = await Promise.all(
        suite.sandbox.ready.clientNetworks.map((n) =>
          Worker.create({
            connection: suite.env.nativeConnection,
            taskQueue: vpcVerifyTaskQueue(taskQueue, n.vpcId),
            activities: createVerifyActivities({ dnsServer: n.dnsServer, ...(env ? { env } : {}) }),
            shutdownGraceTime: '2s',
          }),
        ),
      );
      let run: () => Promise<T> = () => fn(taskQueue);
      for (const w of vpcWorkers) {
        const inner = run;
        run = () => w.runUntil(inner);
      }
      return run();
    },
    prefix,
    env ? { verifyDeps: { env } } : {},
  );
}

/** A named-access request for one client network of the sandbox (`account` A or B; `index` among its networks). */
export function namedRequest(suite: Suite, account: 'A' | 'B', index = 0, overrides: Partial<ProvisionRequest> = {}): ProvisionRequest {
  const ready = suite.sandbox.ready;
  const net = ready.clientNetworks.filter((n) => n.account === account)[index];
  const b = ready.accounts.find((a) => a.name === 'B');
  if (!net || !b) throw new Error(`no client network ${account}[${index}]`);
  return defaultRequest(suite, {
    clientVpcId: net.vpcId,
    clientSubnetId: net.subnetId,
    clientSubnetCidr: net.cidr,
    ...(account === 'B' ? { clientDomainId: b.domainId, clientCredentials: 'client' } : {}),
    access: { mode: 'named' },
    ...overrides,
  });
}
