/**
 * Worker wiring. Two workers on two task queues:
 *  - `<taskQueue>`: the workflows and the OTC activities (cloud API calls);
 *  - `<taskQueue>-verify`: only the Kafka verification, so a worker inside the client network can run it.
 * One process may run both (the default) or either (`crossvpc worker --only main|verify`).
 */
import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, createVerifyActivities, type ActivityDeps, type OtcClientSet, type VerifyDeps } from '../activities/index.js';
import { CALLS_PER_TASK } from '../activities/cloud-call.js';
import { credentialSet, type AppConfig } from '../src/config/env-config.js';
import { createOtcClients, type CreateOtcClientsOptions } from '../src/otc/otc-clients.js';
import { currentWorkflowBundle } from '../src/devtools/build-state.js';
import { CLOUD_SERVICES, cloudTaskQueue, verifyTaskQueue, vpcVerifyTaskQueue, type CloudService } from '../workflows/task-queues.js';
import { activityLogIds } from './logging.js';
import type { WorkerTracing } from './tracing.js';
import { workflowBundleOptions } from './workflow-bundle.js';

export { verifyTaskQueue };

export type WorkerRole = 'main' | 'verify';

export interface CrossVpcWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** Which workers to create (default both). */
  roles?: readonly WorkerRole[];
  /** Required for the main worker. */
  activityDeps?: ActivityDeps;
  verifyDeps?: VerifyDeps;
  /** Named access: the verify worker serves this client VPC (`<taskQueue>-verify-<clientVpcId>`) instead. */
  clientVpcId?: string;
  /**
   * Prebundled workflow code (tests bundle once per file); default {@link defaultWorkflowSource}. With
   * `tracing`, it must have been bundled with the tracing interceptor module (worker/workflow-bundle.ts: `workflowBundleOptions('traced')`) among its interceptor modules.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tracing on (worker/tracing.ts): activity and workflow interceptors and the span sink. Unset: none installed. */
  tracing?: WorkerTracing;
  /** How long in-flight activities may finish on shutdown (default 30 s; the SDK default is 0). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Server-side rate limit of the activities on the main queue (per second, all workers). */
  maxTaskQueueActivitiesPerSecond?: number;
  /**
   * Global cloud-API rate limits, calls per second per service (OTC throttles per tenant and service): set on the
   * service's task queue as the server-enforced activity rate, divided by {@link CALLS_PER_TASK} × {@link TASK_BURST_FACTOR}. Unset: no limit.
   * docs/decisions/rate-limit.md.
   */
  cloudRates?: Partial<Record<CloudService, number>>;
  /** Workflow runs kept in the main worker's cache (SDK default: from the heap size, ≈ 2,300 here). docs/decisions/worker-tuning.md. */
  maxCachedWorkflows?: number;
  /** Workflow tasks the main worker runs at once (SDK default {@link SDK_WORKFLOW_TASK_SLOTS}). */
  workflowTaskSlots?: number;
  identity?: string;
}


/**
 * The server's task-queue limiter is a token bucket whose burst is one second's worth of its rate: within any
 * one second it may hand out up to twice the rate. The queue's rate is therefore the call rate divided by
 * CALLS_PER_TASK × TASK_BURST_FACTOR (measured: test/workflow/rate-limit.test.ts).
 */
export const TASK_BURST_FACTOR = 3;

/** The SDK's own `maxConcurrentWorkflowTaskExecutions` (1.24), what the main worker runs unless given: said in the CLI's help. */
export const SDK_WORKFLOW_TASK_SLOTS = 40;

/** Activity slots of the main queue's worker: one per lock held (idle waits) plus the short Temporal-side calls. */
export const MAIN_ACTIVITY_SLOTS = 2_000;

/** The main worker's slots, cache and rate, as the SDK takes them (docs/decisions/worker-tuning.md). */
export function mainWorkerTuning(
  o: Pick<CrossVpcWorkerOptions, 'maxCachedWorkflows' | 'workflowTaskSlots' | 'maxTaskQueueActivitiesPerSecond'>,
): Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxTaskQueueActivitiesPerSecond'> {
  return {
    maxConcurrentActivityTaskExecutions: MAIN_ACTIVITY_SLOTS,
    ...(o.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
    ...(o.workflowTaskSlots !== undefined ? { maxConcurrentWorkflowTaskExecutions: o.workflowTaskSlots } : {}),
    ...(o.maxTaskQueueActivitiesPerSecond ? { maxTaskQueueActivitiesPerSecond: o.maxTaskQueueActivitiesPerSecond } : {}),
  };
}

export interface CrossVpcWorkers {
  main?: Worker;
  verify?: Worker;
  /** The workers of the cloud services' queues (`<taskQueue>-cloud-<service>`), with the main worker. */
  cloud?: Worker[];
  /**
   * Runs every created worker until shutdown. When one fails, the others are shut down (gracefully, within
   * shutdownGraceTime) and, once every worker has stopped, the promise rejects with a {@link WorkerFailure}
   * naming the worker that failed — so the caller may close the connection afterwards.
   */
  run(): Promise<void>;
  /** Runs the workers until `fn` settles, then shuts them down. */
  runUntil<T>(fn: () => Promise<T>): Promise<T>;
  shutdown(): void;
}

/** One worker of the pair failed; the other(s) were shut down and have stopped. */
export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
  constructor(
    readonly role: WorkerRole,
    readonly taskQueue: string,
    /** The roles shut down because of it. */
    readonly stopped: readonly WorkerRole[],
    cause: unknown,
  ) {
    super(`the ${role} worker (task queue ${taskQueue}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** What {@link runWorkers} needs of a worker (a `Worker`, or a stand-in in tests). */
export interface RunnableWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): string;
}

/**
 * Runs the workers together. When one fails, every other one still RUNNING is shut down; the promise
 * settles only once all have stopped, then rejects with a {@link WorkerFailure} naming the first failure.
 */
export async function runWorkers(entries: readonly { role: WorkerRole; taskQueue: string; worker: RunnableWorker }[]): Promise<void> {
  let failure: WorkerFailure | undefined;
  await Promise.all(
    entries.map(({ role, taskQueue, worker }) =>
      worker.run().catch((err: unknown) => {
        if (failure) return;
        const others = entries.filter((e) => e.role !== role && e.worker.getState() === 'RUNNING');
        failure = new WorkerFailure(role, taskQueue, others.map((e) => e.role), err);
        for (const e of others) e.worker.shutdown();
      }),
    ),
  );
  if (failure) throw failure;
}

/**
 * The workflow code of the main worker: the prebuilt bundle of the build (dist/workflow-bundle.js, or with
 * tracing dist/workflow-bundle-traced.js) when it is current with workflows/, else bundled from source at start
 * (a checkout being edited, tests), with the tracing interceptor module when `traced`.
 */
export function defaultWorkflowSource(traced = false): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors' | 'bundlerOptions'> {
  const codePath = currentWorkflowBundle(traced ? 'traced' : 'plain');
  if (codePath) return { workflowBundle: { codePath } };
  const { workflowsPath, workflowInterceptorModules, preloadModules, webpackConfigHook } = workflowBundleOptions(traced ? 'traced' : 'plain');
  return { workflowsPath, bundlerOptions: { preloadModules, webpackConfigHook }, ...(workflowInterceptorModules.length ? { interceptors: { workflowModules: workflowInterceptorModules } } : {}) };
}

export async function createCrossVpcWorkers(o: CrossVpcWorkerOptions): Promise<CrossVpcWorkers> {
  const roles = new Set(o.roles ?? ['main', 'verify']);
  const common = {
    connection: o.connection,
    namespace: o.namespace ?? 'default',
    shutdownGraceTime: o.shutdownGraceTime ?? '30s',
    ...(o.identity ? { identity: o.identity } : {}),
    // instanceId / portId of each activity's input on its log entries (worker/logging.ts); with tracing, the
    // activity's span around it (worker/tracing.ts).
    interceptors: { activity: [...(o.tracing?.activity ?? []), activityLogIds], ...(o.tracing ? { client: o.tracing.client } : {}) },
  };
  const workers: CrossVpcWorkers = {
    async run() {
      await runWorkers([
        ...(['main', 'verify'] as const).flatMap((role) => {
          const worker = workers[role];
          return worker ? [{ role, taskQueue: worker.options.taskQueue, worker }] : [];
        }),
        ...(workers.cloud ?? []).map((worker) => ({ role: 'main' as const, taskQueue: worker.options.taskQueue, worker })),
      ]);
    },
    async runUntil<T>(fn: () => Promise<T>): Promise<T> {
      const list = [workers.main, ...(workers.cloud ?? []), workers.verify].filter((w): w is Worker => w !== undefined);
      const [first, ...rest] = list;
      if (!first) return fn();
      // Nest runUntil so that every worker runs while fn runs and all are drained afterwards.
      const nest = (i: number): Promise<T> => {
        const w = i === 0 ? first : rest[i - 1];
        if (!w) return fn();
        return w.runUntil(() => nest(i + 1));
      };
      return nest(0);
    },
    shutdown() {
      for (const w of [workers.main, ...(workers.cloud ?? []), workers.verify]) {
        if (w && w.getState() === 'RUNNING') w.shutdown();
      }
    },
  };
  if (roles.has('main')) {
    if (!o.activityDeps) throw new TypeError('createCrossVpcWorkers: the main worker needs activityDeps');
    const limited = Object.values(o.cloudRates ?? {}).some((r) => r !== undefined && r > 0);
    // One set of activities for every queue of this worker: the waits share what they learn of the cloud.
    const activities = createActivities({ ...o.activityDeps, rateLimited: limited });
    workers.cloud = [];
    for (const service of CLOUD_SERVICES) {
      const rate = o.cloudRates?.[service];
      workers.cloud.push(
        await Worker.create({
          ...common,
          taskQueue: cloudTaskQueue(o.taskQueue, service),
          activities,
          ...(rate ? { maxTaskQueueActivitiesPerSecond: rate / (CALLS_PER_TASK * TASK_BURST_FACTOR) } : {}),
        }),
      );
    }
    const source = o.workflowBundle ? { workflowBundle: o.workflowBundle } : defaultWorkflowSource(o.tracing !== undefined);
    workers.main = await Worker.create({
      ...common,
      taskQueue: o.taskQueue,
      ...source,
      interceptors: { ...common.interceptors, ...('interceptors' in source ? source.interceptors : {}) },
      ...(o.tracing ? { sinks: o.tracing.sinks } : {}),
      // Provisioning, teardown and re-verification activities (the latter's `describeWorkflowRun` uses this
      // worker's own Temporal client through the activity context).
      activities,
      // The main queue's activities are Temporal-side: each lock held keeps one `awaitWorkflowClose` (an idle,
      // heartbeating wait) running, so the SDK's default of 100 slots starved `requestLock` once 100 accesses held
      // locks (measured: 200 accesses at once stalled at their first step). Cloud calls have their own workers.
      ...mainWorkerTuning(o),
    });
  }
  if (roles.has('verify')) {
    try {
      workers.verify = await Worker.create({
        ...common,
        taskQueue: o.clientVpcId ? vpcVerifyTaskQueue(o.taskQueue, o.clientVpcId) : verifyTaskQueue(o.taskQueue),
        activities: createVerifyActivities(o.verifyDeps ?? {}),
      });
    } catch (err) {
      // A created worker holds the connection until it has run: let it start and stop, so the caller can close it.
      for (const w of [workers.main, ...(workers.cloud ?? [])]) await w?.runUntil(Promise.resolve()).catch(() => undefined);
      throw err;
    }
  }
  return workers;
}

/**
 * `deps.clients(name)` from the environment configuration: `default` is the OTC_* set, other names the
 * OTC_CREDENTIALS_<NAME>_* sets. Clients are built once per set.
 */
export function clientsFromConfig(config: AppConfig, options: CreateOtcClientsOptions = {}): (name: string) => OtcClientSet {
  const cache = new Map<string, OtcClientSet>();
  return (name: string) => {
    const key = name.toLowerCase();
    let c = cache.get(key);
    if (!c) {
      c = createOtcClients(credentialSet(config, key), options);
      cache.set(key, c);
    }
    return c;
  };
}
