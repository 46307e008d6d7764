/**
 * The embedded development stack of `crossvpc dev` (and the browser test): a Temporal dev server, the
 * sandbox (OTC emulator + Kafka), and a worker pair (main + verify) configured from the sandbox's ready line
 * exactly as an operator would configure it with OTC_* variables (account A = the default credential set,
 * account B = credential set `client`, for the cross-account path).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Client, Connection } from '../../temporal/sdk.js';
import { bundleWorkflowCode, NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { loadConfig, type Env } from '../../config/env-config.js';
import { startSandbox, type ReadyLine, type Sandbox } from '../../sandbox/start-sandbox.js';
import { startDevServer, type RunningDevServer } from '../../temporal/dev-server.js';
import type { ProvisionRequest } from '../../../workflows/input.js';
import { searchAttributeRegistrations } from '../../../workflows/search-attributes.js';
import { clientsFromConfig, createCrossVpcWorkers, defaultWorkflowSource, type CrossVpcWorkers } from '../../../worker/worker.js';
import { workflowBundleOptions } from '../../../worker/workflow-bundle.js';
import type { WorkerTracing } from '../../../worker/tracing.js';

export interface DevStackOptions {
  /** Interface of the Temporal frontend and UI (loopback). */
  ip?: string;
  temporalPort: number;
  /** Web UI port; undefined = headless. */
  uiPort?: number;
  /** SQLite file of the dev server; undefined = in memory. */
  dbFilename?: string;
  /** Delete the SQLite file first. */
  fresh?: boolean;
  namespace?: string;
  taskQueue?: string;
  /** Real Kafka brokers (default true). */
  kafka?: boolean;
  /** The sandbox's loopback block `127.A` (default the sandbox's own, 127.10). */
  addressPrefix?: string;
  /** Sandbox diagnostics (default: dropped). */
  log?: (line: string) => void;
  /** Progress of the start-up (`temporal dev server ready at …`). */
  onStep?: (line: string) => void;
  /**
   * Tracing on (worker/tracing.ts): the worker runs the traced workflow bundle with the activity interceptors and
   * the span sink, its OTC clients trace each HTTP call, and the stack's client starts each trace. Unset: none.
   */
  tracing?: WorkerTracing;
}

export interface DevStack {
  server: RunningDevServer;
  sandbox: Sandbox;
  workers: CrossVpcWorkers;
  client: Client;
  namespace: string;
  taskQueue: string;
  /** The OTC_* / TEMPORAL_* variables the worker was configured from (what another terminal would export). */
  env: Record<string, string>;
  uiUrl?: string;
  /** Stops the worker, the sandbox (Kafka JVMs) and the dev server; idempotent, never throws. */
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly flag: string,
  ) {
    super(`port ${port} (${what}) is already in use on 127.0.0.1 — is another \`npm start\` / Temporal dev server running? Stop it, or pick another port with ${flag} N`);
    this.name = 'PortInUseError';
  }
}

/** Resolves true when `port` can be bound on `ip`. */
export async function portIsFree(port: number, ip = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: ip, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * OTC_* and TEMPORAL_* variables equivalent to the sandbox's ready line: account A is the default set
 * (it owns the Kafka instance), account B the `client` set.
 */
export function sandboxEnv(ready: ReadyLine, temporal: { address: string; namespace: string; taskQueue: string }): Record<string, string> {
  const a = ready.accounts.find((x) => x.name === 'A');
  const b = ready.accounts.find((x) => x.name === 'B');
  if (!a) throw new Error(`sandbox scenario ${ready.scenario} has no account A`);
  const env: Record<string, string> = {
    OTC_REGION: ready.region,
    OTC_PROJECT_ID: a.projectId,
    OTC_DOMAIN_ID: a.domainId,
    OTC_AK: a.ak,
    OTC_SK: a.sk,
    OTC_ENDPOINT_IAM: ready.endpoints.iam,
    OTC_ENDPOINT_VPCEP: ready.endpoints.vpcep,
    OTC_ENDPOINT_DMS: ready.endpoints.dms,
    OTC_ENDPOINT_VPC: ready.endpoints.vpc,
    OTC_TIMEOUT_MS: '5000',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_TASK_QUEUE: temporal.taskQueue,
  };
  if (b) {
    env.OTC_CREDENTIALS_CLIENT_AK = b.ak;
    env.OTC_CREDENTIALS_CLIENT_SK = b.sk;
    env.OTC_CREDENTIALS_CLIENT_PROJECT_ID = b.projectId;
    env.OTC_CREDENTIALS_CLIENT_DOMAIN_ID = b.domainId;
  }
  return env;
}

/** Timings for the sandbox, whose resources settle within 1–2 s: look often, give up after a minute. */
export const SANDBOX_TIMEOUTS = {
  firstPollMs: 300,
  maxPollMs: 1_000,
  backoffCoefficient: 1.5,
  deadlineMs: 60_000,
  compensationDeadlineMs: 60_000,
  activityMs: 15_000,
  heartbeatMs: 2_000,
  retryInitialMs: 200,
} as const;

/** The access request for the sandbox's (first) instance: client network of account A, or B with crossAccount. */
export function sandboxRequest(ready: ReadyLine, options: { crossAccount?: boolean; verify?: boolean } = {}): ProvisionRequest {
  const inst = ready.instances[0];
  if (!inst) throw new Error(`sandbox scenario ${ready.scenario} has no Kafka instance`);
  const account = options.crossAccount ? 'B' : inst.account;
  const net = ready.clientNetworks.find((n) => n.account === account);
  if (!net) throw new Error(`sandbox scenario ${ready.scenario} has no client network in account ${account}`);
  const b = ready.accounts.find((x) => x.name === account);
  return {
    instanceId: inst.instanceId,
    clientVpcId: net.vpcId,
    clientSubnetId: net.subnetId,
    clientSubnetCidr: net.cidr,
    ...(options.crossAccount && b ? { clientDomainId: b.domainId, clientCredentials: 'client' } : {}),
    timeouts: { ...SANDBOX_TIMEOUTS },
    verify: options.verify === false ? { enabled: false } : { timeoutMs: 30_000, attempts: 3 },
  };
}

function noop(): void {
  // dropped
}

/** Removes the SQLite file and its journal files. */
export function removeDb(dbFilename: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${dbFilename}${suffix}`, { force: true });
}

async function stopServer(server: RunningDevServer): Promise<void> {
  // A Ctrl-C in the terminal reaches the CLI child too: it may already be gone (signalCode set, exitCode null).
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  await server.stop();
}

/**
 * Starts dev server, sandbox and workflow bundle in parallel, then the workers. On any failure everything
 * already started is stopped before the error is rethrown.
 */
export async function startDevStack(o: DevStackOptions): Promise<DevStack> {
  const ip = o.ip ?? '127.0.0.1';
  const namespace = o.namespace ?? 'default';
  const taskQueue = o.taskQueue ?? 'kafka-crossvpc';
  const step = o.onStep ?? noop;
  if (!(await portIsFree(o.temporalPort, ip))) throw new PortInUseError(o.temporalPort, 'Temporal frontend', '--temporal-port');
  if (o.uiPort !== undefined && !(await portIsFree(o.uiPort, ip))) throw new PortInUseError(o.uiPort, 'Temporal UI', '--ui-port');
  if (o.dbFilename) {
    mkdirSync(dirname(o.dbFilename), { recursive: true });
    if (o.fresh && existsSync(o.dbFilename)) removeDb(o.dbFilename);
  }

  const started: { server?: RunningDevServer; sandbox?: Sandbox } = {};
  const t0 = Date.now();
  const secs = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const serverP = startDevServer({
    ip,
    port: o.temporalPort,
    namespace,
    searchAttributes: [...searchAttributeRegistrations],
    ...(o.uiPort !== undefined ? { uiPort: o.uiPort } : {}),
    ...(o.dbFilename ? { dbFilename: o.dbFilename } : {}),
  }).then((s) => {
    started.server = s;
    step(`Temporal dev server ready at ${s.address}${s.uiUrl ? ` (UI ${s.uiUrl})` : ''} after ${secs()}`);
    return s;
  });
  const sandboxP = startSandbox({
    scenario: 'default',
    kafka: o.kafka ?? true,
    log: o.log ?? noop,
    ...(o.addressPrefix ? { addressPrefix: o.addressPrefix } : {}),
  }).then((s) => {
    started.sandbox = s;
    const inst = s.ready.instances[0];
    step(`sandbox ready (${s.ready.scenario} scenario${inst ? `: Kafka ${inst.name} with ${inst.brokers} brokers` : ''}${s.ready.kafka.enabled ? '' : ', no Kafka'}) after ${secs()}`);
    return s;
  });
  // The build's prebuilt bundle when it is current with workflows/, else bundled now (in parallel); traced or not.
  const traced = o.tracing !== undefined;
  const prebuilt = defaultWorkflowSource(traced).workflowBundle;
  const bundleP: Promise<NonNullable<WorkerOptions['workflowBundle']>> = prebuilt ? Promise.resolve(prebuilt) : bundleWorkflowCode(workflowBundleOptions(traced ? 'traced' : 'plain')).then((b) => ({ code: b.code }));
  const settled = await Promise.allSettled([serverP, sandboxP, bundleP]);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const cleanupStarted = async (): Promise<void> => {
    await Promise.allSettled([started.sandbox?.stop(), started.server ? stopServer(started.server) : undefined]);
  };
  if (failure) {
    await cleanupStarted();
    throw failure.reason;
  }
  const server = (settled[0] as PromiseFulfilledResult<RunningDevServer>).value;
  const sandbox = (settled[1] as PromiseFulfilledResult<Sandbox>).value;
  const bundle = (settled[2] as PromiseFulfilledResult<Awaited<typeof bundleP>>).value;

  const env = sandboxEnv(sandbox.ready, { address: server.address, namespace, taskQueue });
  let nativeConnection: NativeConnection | undefined;
  let connection: Connection | undefined;
  try {
    const config = loadConfig(env as Env);
    nativeConnection = await NativeConnection.connect({ address: server.address });
    connection = await Connection.connect({ address: server.address });
    const workers = await createCrossVpcWorkers({
      connection: nativeConnection,
      namespace,
      taskQueue,
      activityDeps: { clients: clientsFromConfig(config, o.tracing ? { tracer: o.tracing.tracer } : {}), serviceInUseRetryMs: 300 },
      workflowBundle: bundle,
      ...(o.tracing ? { tracing: o.tracing } : {}),
      shutdownGraceTime: '5s',
      identity: `crossvpc-dev@${process.pid}`,
    });
    const running = workers.run();
    running.catch(noop);
    step(`worker polling ${taskQueue} and ${taskQueue}-verify after ${secs()}`);
    const client = new Client({ connection, namespace, ...(o.tracing ? { interceptors: o.tracing.client } : {}) });
    const native = nativeConnection;
    const conn = connection;
    let stopped: Promise<void> | undefined;
    return {
      server,
      sandbox,
      workers,
      client,
      namespace,
      taskQueue,
      env,
      ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}),
      stop: () =>
        (stopped ??= (async () => {
          workers.shutdown();
          await running.catch(noop);
          await conn.close().catch(noop);
          await native.close().catch(noop);
          await cleanupStarted();
        })()),
    };
  } catch (err) {
    await connection?.close().catch(noop);
    await nativeConnection?.close().catch(noop);
    await cleanupStarted();
    throw err;
  }
}
