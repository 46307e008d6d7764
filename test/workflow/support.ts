/**
 * Shared set-up of the workflow tests: the suite's real Temporal dev server, one sandbox per test file
 * (reset between tests through its admin API), the workflow bundle built once per file, and a fresh worker
 * pair (main + verify) per test on a unique task queue.
 */
import { claimAddressPrefix } from '../support/address-block.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { startSandbox, type Sandbox, type StartSandboxOptions } from '../../src/sandbox/start-sandbox.js';
import type { OtcConfig } from '../../src/otc/otc-config.js';
import { createOtcClients } from '../../src/otc/otc-clients.js';
import type { OtcClientSet, VerifyDeps } from '../../activities/index.js';
import { createCrossVpcWorkers, workflowsPath, type CrossVpcWorkerOptions, type CrossVpcWorkers } from '../../worker/worker.js';
import { awaitAccessOutcome, startOrJoinAccess, type ProvisionOutcome } from '../../src/temporal/access-client.js';
import { parseProvisionInput, type ProvisionRequest } from '../../workflows/input.js';
import { connectTestEnv, uniqueTaskQueue } from '../support/temporal-env.js';


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
  bundle: WorkflowBundleWithSourceMap;
  /** Credential sets: `default` = account A (instance owner), `client` = account B. */
  otcConfig(name: string): OtcConfig;
  clients(name: string): OtcClientSet;
  stop(): Promise<void>;
}

export async function startSuite(options: Pick<StartSandboxOptions, 'kafka' | 'scenario' | 'addressPrefix' | 'stateFile'> = {}): Promise<Suite> {
  const [env, bundle, sandbox] = await Promise.all([
    connectTestEnv(),
    bundleWorkflowCode({ workflowsPath, logger: quietLogger }),
    // A seed of its own: instance ids (hence workflow ids `crossvpc-<instanceId>`) never collide with a
    // sandbox of another test file on the shared Temporal server.
    startSandbox({ addressPrefix: options.addressPrefix ?? (await claimAddressPrefix()), log: () => undefined, seed: 1 + Math.floor(Math.random() * 2 ** 30), ...options }),
  ]);
  const ready = sandbox.ready;
  const otcConfig = (name: string): OtcConfig => {
    const accountName = name === 'default' ? 'A' : name === 'client' ? 'B' : undefined;
    const a = ready.accounts.find((x) => x.name === accountName);
    if (!a) throw new Error(`no credential set ${name}`);
    return {
      name,
      region: ready.region,
      projectId: a.projectId,
      domainId: a.domainId,
      credentials: { kind: 'aksk', ak: a.ak, sk: a.sk },
      endpoints: { ...ready.endpoints },
      timeoutMs: 5_000,
    };
  };
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

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface WorkerOverrides {
  /** E.g. a probe that fails (a verification failure of our own making). */
  verifyDeps?: VerifyDeps;
  /** Global cloud-API rates (calls per second per service) the workers set on the service queues. */
  cloudRates?: CrossVpcWorkerOptions['cloudRates'];
}

export async function withWorkers<T>(suite: Suite, fn: (taskQueue: string, workers: CrossVpcWorkers) => Promise<T>, prefix = 'crossvpc', overrides: WorkerOverrides = {}): Promise<T> {
  const taskQueue = uniqueTaskQueue(prefix);
  const workers = await createCrossVpcWorkers({
    connection: suite.env.nativeConnection,
    taskQueue,
    activityDeps: { clients: suite.clients, serviceInUseRetryMs: 300, instancePollMs: 250 },
    ...(overrides.verifyDeps ? { verifyDeps: overrides.verifyDeps } : {}),
    ...(overrides.cloudRates ? { cloudRates: overrides.cloudRates } : {}),
    workflowBundle: { code: suite.bundle.code },
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

export interface StateDump {
  accounts: {
    name: string;
    projects: {
      securityGroups: { id: string; rules: { id: string; description?: string | null; remote_ip_prefix?: string | null; port_range_min?: number | null }[] }[];
      networkAcls: unknown[];
      kafkaInstances: { instance_id: string; cross_vpc_info: Record<string, { advertised_ip: string; port_id: string }> }[];
      endpointServices: { id: string; status: string; tags?: { key: string; value: string }[] }[];
      endpoints: { id: string; status: string; ip?: string; tags?: { key: string; value: string }[] }[];
    }[];
  }[];
}

export async function admin<T = unknown>(suite: Suite, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${suite.sandbox.adminUrl}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function resetSandbox(suite: Suite): Promise<void> {
  await admin(suite, 'POST', '/admin/reset');
}

export async function stateDump(suite: Suite): Promise<StateDump> {
  const s = await admin<StateDump & { state?: StateDump }>(suite, 'GET', '/admin/state');
  return s.state ?? s;
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

export async function callCounts(suite: Suite): Promise<Record<string, Record<string, number>>> {
  const r = await admin<{ counts: Record<string, Record<string, number>> }>(suite, 'GET', '/admin/calls?limit=1');
  return r.counts;
}

export function count(counts: Record<string, Record<string, number>>, operation: string): number {
  return Object.values(counts[operation] ?? {}).reduce((a, b) => a + b, 0);
}

export async function addFault(suite: Suite, fault: unknown): Promise<void> {
  await admin(suite, 'POST', '/admin/faults', fault);
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
