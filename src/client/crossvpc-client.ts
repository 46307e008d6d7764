/**
 * Typed client of kafka-crossvpc for other services: start (or join) an access, read and follow its
 * progress, approve, cancel (→ rollback), tear it down, re-verify it once or on a schedule.
 *
 * A thin layer over `@temporalio/client` and src/temporal/access-client.ts: inputs are validated with zod
 * (the workflows' own schemas) before anything is sent, and every Temporal error surfaces as a
 * `CrossVpcError` (code, field, API code, hint).
 *
 *   const cv = await CrossVpcClient.connect({ address: '127.0.0.1:7233' });
 *   const access = await cv.startAccess({ instanceId, clientVpcId, clientSubnetId });
 *   const outcome = await cv.followProgress(instanceId, (p) => console.log(p.phase));
 *   await cv.close();
 */
import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { ClientInterceptors, WorkflowExecutionStatusName, WorkflowHandle } from '@temporalio/client';
import { Client, Connection, WorkflowFailedError, ApplicationFailure, CancelledFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '../temporal/sdk.js';
import { approveSignal, progressQuery, type AccessPhase, type AccessProgress, type PortProgressEntry } from '../../workflows/definitions.js';
import { accessWorkflowId, namedAccessWorkflowId, namedReverifyWorkflowId, parseProvisionInput, removeClientWorkflowId, type ProvisionInput, type ProvisionRequest } from '../../workflows/input.js';
import type { NamedAccessResult } from '../../workflows/named-access-workflow.js';
import type { NamedReverifyResult } from '../../workflows/named-reverify-workflow.js';
import { RemoveClientInputSchema, type RemoveClientRequest, type RemoveClientResult } from '../../workflows/remove-client-input.js';
import {
  REVERIFY_WORKFLOW_TYPE,
  TEARDOWN_WORKFLOW_TYPE,
  parseReverifyInput,
  parseTeardownInput,
  reverifyScheduleId,
  teardownWorkflowId,
  type ReverifyRequest,
  type ReverifyResult,
  type TeardownRequest,
  type TeardownResult,
} from '../../workflows/ops-input.js';
import { CrossVpcInstanceId, CrossVpcPhase } from '../../workflows/search-attributes.js';
import type { Leftover } from '../../workflows/definitions.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { PLAN_WORKFLOW_TYPE, planWorkflowId, type AccessPlan } from '../../workflows/plan.js';
import { awaitAccessOutcome, NAMED_CLIENT_VPC_WORKFLOW_TYPE, REMOVE_CLIENT_WORKFLOW_TYPE, startOrJoinAccess, temporalEnv, type ProvisionOutcome } from '../temporal/access-client.js';
import { NamespaceSetupError, setupNamespace, type NamespaceSetupResult } from '../temporal/namespace-setup.js';
import {
  deleteReverifySchedule,
  listReverifySchedules,
  pauseReverifySchedule,
  triggerReverifySchedule,
  unpauseReverifySchedule,
  upsertReverifySchedule,
  type ReverifyScheduleInfo,
} from '../temporal/reverify-schedule.js';
import { CrossVpcError, toCrossVpcError } from './errors.js';
import { defaultIdentity, isValidIdentity } from '../temporal/identity.js';
import { InstanceIdSchema, ListFiltersSchema, ScheduleRequestSchema, validate, type ListFilters, type ScheduleRequest } from './schemas.js';
import { accessHistory, listAccesses, type AccessListEntry, type HistoryEntry } from '../temporal/inventory.js';

export { REVERIFY_WORKFLOW_TYPE, TEARDOWN_WORKFLOW_TYPE, reverifyScheduleId, teardownWorkflowId };

/** Workflow id of a one-off re-verification (`verify`); scheduled runs are `crossvpc-reverify-<id>-<time>`. */
export function verifyWorkflowId(instanceId: string): string {
  return `crossvpc-verify-${instanceId}`;
}

export interface ConnectOptions {
  /** host:port of the Temporal frontend (default TEMPORAL_ADDRESS, else 127.0.0.1:7233). */
  address?: string;
  /** Default TEMPORAL_NAMESPACE, else `default`. */
  namespace?: string;
  /** Task queue of the kafka-crossvpc worker (default TEMPORAL_TASK_QUEUE, else `kafka-crossvpc`). */
  taskQueue?: string;
  /**
   * Who is calling: Temporal records it on every start, signal (approve) and cancel request this client
   * makes, and `accessHistory` reports it. Default: the OS user and host (`alice@build-7`).
   */
  identity?: string;
  /** Where the defaults come from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Tracing: with a tracer, every workflow start, signal, update, query, cancel and terminate of this client is a
   * span whose context travels to the workflow in its headers (`@temporalio/interceptors-opentelemetry`), so
   * a provisioning is one trace from here to each cloud HTTP call. Needs a registered context manager and W3C
   * propagator (your OpenTelemetry SDK's, or `crossvpc`'s own, src/telemetry/tracing.ts). Unset: no interceptor.
   */
  tracer?: Tracer;
}

export interface FromClientOptions {
  taskQueue: string;
}

/** Which access run: the instance's (IP mode, default) or, with `clientVpcId`, that client VPC's of a named access. */
export interface AccessTarget {
  clientVpcId?: string;
}

/** Temporal's view of the removal of one client VPC from a named access, and its outcome once closed. */
export interface RemovalStatus {
  instanceId: string;
  clientVpcId: string;
  workflowId: string;
  runId: string;
  workflowStatus: WorkflowExecutionStatusName;
  startTime: string;
  closeTime: string | null;
  /** Set once the run has closed: `removed` (everything found is gone) or `incomplete` (leftovers named). */
  outcome?: { status: 'removed' | 'incomplete'; removed: RemoveClientResult['removed']; alreadyClean: boolean; leftovers: Leftover[]; error?: { type: string; message: string } };
}

/** Temporal's view of a run plus the access's own progress. */
export interface AccessStatus {
  instanceId: string;
  /** Named access: the client VPC whose run this is. */
  clientVpcId?: string;
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, … */
  workflowStatus: WorkflowExecutionStatusName;
  startTime: string;
  closeTime: string | null;
  /** Phase and per-port status (queried while running; derived from the result once closed). */
  progress: AccessProgress;
  /** Set once the run has closed. */
  outcome?: ProvisionOutcome;
}

export interface AccessHandle {
  instanceId: string;
  workflowId: string;
  /** Run id of the run started or joined. */
  runId: string;
  /** True when an access already running was joined instead of starting a new run. */
  joined: boolean;
  workflow: WorkflowHandle;
}

export interface FollowOptions {
  /** How often to query the progress (default 1000 ms). */
  intervalMs?: number;
  /** Stops following (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface ApproveResult {
  instanceId: string;
  workflowId: string;
  runId: string;
  /** Whether the run was already waiting at the gate (else the approval is remembered for when it gets there). */
  wasAwaitingApproval: boolean;
}

export interface TeardownOutcome {
  status: 'completed' | 'failed' | 'started';
  instanceId: string;
  workflowId: string;
  runId: string;
  result?: TeardownResult;
  error?: { type: string; message: string };
}

export interface VerifyOutcome {
  /** `started`: with `wait: false` (no result yet). */
  status: 'completed' | 'failed' | 'started';
  instanceId: string;
  workflowId: string;
  runId: string;
  result?: ReverifyResult;
  error?: { type: string; message: string };
}

/** One re-verification schedule as listed (src/temporal/reverify-schedule.ts). */
export type ScheduleSummary = ReverifyScheduleInfo;

/** The OpenTelemetry client interceptor, loaded only when a tracer is given. */
async function tracingInterceptors(tracer: Tracer): Promise<ClientInterceptors> {
  const { OpenTelemetryWorkflowClientInterceptor } = await import('@temporalio/interceptors-opentelemetry/lib/client/index.js');
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] };
}

export class CrossVpcClient {
  private constructor(
    /** The underlying Temporal client (for anything this API does not cover). */
    readonly temporal: Client,
    readonly taskQueue: string,
    private readonly closeConnection: (() => Promise<void>) | undefined,
  ) {}

  /** Connects to Temporal; options override TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TASK_QUEUE. */
  static async connect(options: ConnectOptions = {}): Promise<CrossVpcClient> {
    // An option given is a value, never "unset": an empty one is an error naming it (env vars may be empty).
    for (const k of ['address', 'namespace', 'taskQueue'] as const) {
      const v = options[k];
      if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) {
        throw new CrossVpcError('InvalidInput', `${k} must not be empty`, { field: k, hint: `pass a ${k} or leave it out (default from TEMPORAL_${k === 'taskQueue' ? 'TASK_QUEUE' : k.toUpperCase()})` });
      }
    }
    if (options.identity !== undefined && (typeof options.identity !== 'string' || !isValidIdentity(options.identity))) {
      throw new CrossVpcError('InvalidInput', 'identity must be 1 to 200 printable characters', { field: 'identity', hint: 'e.g. alice@ops or ci-pipeline-42; leave it out for user@host' });
    }
    const identity = options.identity ?? defaultIdentity(options.env ?? process.env);
    const env = { ...(options.env ?? process.env) };
    if (options.address !== undefined) env.TEMPORAL_ADDRESS = options.address;
    if (options.namespace !== undefined) env.TEMPORAL_NAMESPACE = options.namespace;
    if (options.taskQueue !== undefined) env.TEMPORAL_TASK_QUEUE = options.taskQueue;
    let cfg;
    try {
      cfg = temporalEnv(env);
    } catch (err) {
      const message = (err as Error).message;
      const field = /TEMPORAL_[A-Z_]+/.exec(message)?.[0] ?? 'TEMPORAL_ADDRESS';
      throw new CrossVpcError('ConfigError', message, { field, hint: `set ${field} (or pass it as an option / flag)` });
    }
    let connection: Connection;
    try {
      connection = await Connection.connect({ address: cfg.address, connectTimeout: '5s' });
    } catch (err) {
      throw new CrossVpcError('Unavailable', `cannot connect to Temporal at ${cfg.address}: ${(err as Error).message}`, {
        field: 'TEMPORAL_ADDRESS',
        apiCode: 'UNAVAILABLE',
        hint: 'check TEMPORAL_ADDRESS (host:port of the Temporal frontend) and that the server is running',
        cause: err,
      });
    }
    const interceptors = options.tracer ? await tracingInterceptors(options.tracer) : undefined;
    return new CrossVpcClient(new Client({ connection, namespace: cfg.namespace, identity, ...(interceptors ? { interceptors } : {}) }), cfg.taskQueue, () => connection.close());
  }

  /** Wraps an existing Temporal client (its connection stays yours to close). */
  static fromClient(client: Client, options: FromClientOptions): CrossVpcClient {
    return new CrossVpcClient(client, options.taskQueue, undefined);
  }

  get namespace(): string {
    return this.temporal.options.namespace;
  }

  /** The identity Temporal records for this client's starts, approvals and cancellations. */
  get identity(): string {
    return this.temporal.options.identity;
  }

  async close(): Promise<void> {
    await this.closeConnection?.();
  }

  // ---- provisioning ---------------------------------------------------------------------------------

  /**
   * Validates a provisioning request exactly as `startAccess` and the workflow do, without contacting
   * anything: the input with its defaults filled in, or an InvalidInput CrossVpcError naming every field.
   */
  static validateAccessRequest(request: unknown): ProvisionInput {
    const parsed = parseProvisionInput(request);
    if (!parsed.ok) return invalidInput(parsed);
    return parsed.input;
  }

  /** Starts the access `crossvpc-<instanceId>`, or joins the run already going. */
  async startAccess(request: ProvisionRequest, options: { taskQueue?: string } = {}): Promise<AccessHandle> {
    const input = CrossVpcClient.validateAccessRequest(request);
    const taskQueue = this.taskQueueOf(options);
    const workflowId = accessWorkflowId(input.instanceId);
    try {
      // No describe first: the start says whether it started a run or joined the running one.
      const handle = await startOrJoinAccess(this.temporal, taskQueue, input);
      const runId = handle.firstExecutionRunId;
      return { instanceId: input.instanceId, workflowId, runId, joined: handle.joined, workflow: this.temporal.workflow.getHandle(workflowId, runId) };
    } catch (err) {
      throw this.err(err, `access ${workflowId}`);
    }
  }

  /**
   * Named access of one client VPC → IP access (docs/decisions/named-access.md, "Migration"): `startAccess` with
   * `access.mode: "ip"` for that VPC. The brokers go back to advertising its endpoint IPs (verified), then its
   * private zone is deleted; afterwards `crossvpc-<instanceId>` is an ordinary IP access. With other client VPCs
   * attached the run fails its preflight (`PreflightFailed`, field `access.mode`) before changing anything.
   */
  async migrateToIp(request: ProvisionRequest, options: { taskQueue?: string } = {}): Promise<AccessHandle> {
    if (request.access?.mode === 'named') throw new CrossVpcError('InvalidInput', 'access.mode must be "ip" (or absent) to migrate back to IPs', { field: 'access.mode', hint: 'leave access.mode out, or give "ip"' });
    return this.startAccess({ ...request, access: { ...request.access, mode: 'ip' } }, options);
  }

  /**
   * What provisioning would do with this request, read-only: the preflight (client network, credentials, quotas,
   * advertised-IP ownership) and per broker port the resources to create or adopt and the advertised-IP change.
   * Runs on a worker (it holds the cloud credentials); creates nothing.
   */
  async plan(request: ProvisionRequest, options: { taskQueue?: string } = {}): Promise<AccessPlan> {
    const input = CrossVpcClient.validateAccessRequest(request);
    const taskQueue = this.taskQueueOf(options);
    const workflowId = planWorkflowId(input.instanceId, randomUUID().slice(0, 8));
    try {
      return (await this.temporal.workflow.execute(PLAN_WORKFLOW_TYPE, {
        taskQueue,
        workflowId,
        args: [input],
        staticSummary: `Plan of the cross-VPC access to Kafka ${input.instanceId} (read-only)`,
        typedSearchAttributes: [{ key: CrossVpcInstanceId, value: input.instanceId }],
      })) as AccessPlan;
    } catch (err) {
      throw this.err(err, `plan ${workflowId}`);
    }
  }

  /**
   * Status of the access: Temporal's run status plus progress (running) or outcome (closed). With `clientVpcId`:
   * the named access's run of that client VPC (`crossvpc-<instanceId>-vpc-<clientVpcId>`).
   */
  async describeAccess(instanceId: string, target: AccessTarget = {}): Promise<AccessStatus> {
    const { id, workflowId } = this.accessRun(instanceId, target);
    const handle = this.temporal.workflow.getHandle(workflowId);
    try {
      const d = await handle.describe();
      const base = {
        instanceId: id,
        ...(target.clientVpcId ? { clientVpcId: target.clientVpcId } : {}),
        workflowId,
        runId: d.runId,
        workflowStatus: d.status.name,
        startTime: d.startTime.toISOString(),
        closeTime: d.closeTime ? d.closeTime.toISOString() : null,
      };
      if (d.status.name === 'RUNNING') {
        let progress: AccessProgress;
        try {
          progress = await withTimeout(handle.query(progressQuery), 10_000, 'progress query');
        } catch {
          // No worker answering (yet): the phase search attribute is the next best thing.
          const phase = (d.typedSearchAttributes.get(CrossVpcPhase) ?? 'validating') as AccessPhase;
          progress = { instanceId: id, phase, ports: [], awaitingApproval: phase === 'awaiting-approval' };
        }
        return { ...base, progress };
      }
      const outcome = await awaitAccessOutcome(this.temporal.workflow.getHandle(workflowId, d.runId), d.runId);
      return { ...base, progress: progressFromOutcome(id, outcome), outcome };
    } catch (err) {
      throw this.err(err, `access ${workflowId}`);
    }
  }

  /** The `progress` query of a running (or closed, with a worker up) access. */
  async getProgress(instanceId: string, target: AccessTarget = {}): Promise<AccessProgress> {
    const { workflowId } = this.accessRun(instanceId, target);
    try {
      return await this.temporal.workflow.getHandle(workflowId).query(progressQuery);
    } catch (err) {
      throw this.err(err, `access ${workflowId}`);
    }
  }

  /** Waits until the access's current run closes and returns its outcome (verified, rolled_back, failed). */
  async waitForOutcome(instanceId: string, target: AccessTarget = {}): Promise<ProvisionOutcome> {
    const { workflowId } = this.accessRun(instanceId, target);
    try {
      const d = await this.temporal.workflow.getHandle(workflowId).describe();
      return await awaitAccessOutcome(this.temporal.workflow.getHandle(workflowId, d.runId), d.runId);
    } catch (err) {
      throw this.err(err, `access ${workflowId}`);
    }
  }

  /**
   * Polls the `progress` query every `intervalMs` until the run closes, calling `onUpdate` for every
   * change (and once with the final progress); resolves with the outcome.
   */
  async followProgress(instanceId: string, onUpdate: (progress: AccessProgress) => void, options: FollowOptions & AccessTarget = {}): Promise<ProvisionOutcome> {
    const { id, workflowId } = this.accessRun(instanceId, options);
    const intervalMs = options.intervalMs ?? 1_000;
    let runId: string;
    try {
      runId = (await this.temporal.workflow.getHandle(workflowId).describe()).runId;
    } catch (err) {
      throw this.err(err, `access ${workflowId}`);
    }
    const handle = this.temporal.workflow.getHandle(workflowId, runId);
    let closed = false;
    const outcomeP = awaitAccessOutcome(handle, runId).finally(() => {
      closed = true;
    });
    const settled = outcomeP.then(
      () => undefined,
      () => undefined,
    );
    let last = '';
    const emit = (p: AccessProgress): void => {
      const key = JSON.stringify(p);
      if (key === last) return;
      last = key;
      onUpdate(p);
    };
    while (!closed) {
      options.signal?.throwIfAborted();
      try {
        const p = await Promise.race([handle.query(progressQuery), settled]);
        if (p && !closed) emit(p);
      } catch {
        // not answerable yet (first workflow task pending, worker restarting): try again next tick
      }
      if (closed) break;
      await Promise.race([sleep(intervalMs, options.signal), settled]);
    }
    options.signal?.throwIfAborted();
    let outcome: ProvisionOutcome;
    try {
      outcome = await outcomeP;
    } catch (err) {
      throw this.err(err, `access ${workflowId}`);
    }
    try {
      emit(await withTimeout(handle.query(progressQuery), 5_000, 'final progress query'));
    } catch {
      emit(progressFromOutcome(id, outcome));
    }
    return outcome;
  }

  /** Releases the approval gate (sends `approve`). Fails with NotRunning when the run has closed. */
  async approve(instanceId: string, target: AccessTarget = {}): Promise<ApproveResult> {
    const id = this.instanceId(instanceId);
    const status = await this.describeAccess(id, target);
    if (status.workflowStatus !== 'RUNNING') {
      throw new CrossVpcError('NotRunning', `access ${status.workflowId} is not running (${status.workflowStatus}, ${status.progress.phase}): nothing to approve`, {
        field: 'instanceId',
        apiCode: status.workflowStatus,
        hint: 'start it again with crossvpc provision --approval-gate, or check the instance id',
      });
    }
    try {
      await this.temporal.workflow.getHandle(status.workflowId, status.runId).signal(approveSignal);
    } catch (err) {
      throw this.err(err, `access ${status.workflowId}`);
    }
    return { instanceId: id, workflowId: status.workflowId, runId: status.runId, wasAwaitingApproval: status.progress.awaitingApproval };
  }

  /**
   * Requests cancellation of a running access: it undoes what it created (rollback). With `wait`,
   * resolves with the outcome (normally `rolled_back`).
   */
  async cancel(instanceId: string, options: { wait?: boolean } & AccessTarget = {}): Promise<{ instanceId: string; workflowId: string; runId: string; outcome?: ProvisionOutcome }> {
    const id = this.instanceId(instanceId);
    const status = await this.describeAccess(id, options);
    if (status.workflowStatus !== 'RUNNING') {
      throw new CrossVpcError('NotRunning', `access ${status.workflowId} is not running (${status.workflowStatus}, ${status.progress.phase}): nothing to cancel`, {
        field: 'instanceId',
        apiCode: status.workflowStatus,
        hint: 'to remove a finished access use crossvpc teardown',
      });
    }
    const handle = this.temporal.workflow.getHandle(status.workflowId, status.runId);
    try {
      await handle.cancel();
      const base = { instanceId: id, workflowId: status.workflowId, runId: status.runId };
      return options.wait ? { ...base, outcome: await awaitAccessOutcome(handle, status.runId) } : base;
    } catch (err) {
      throw this.err(err, `access ${status.workflowId}`);
    }
  }

  // ---- teardown and re-verification -----------------------------------------------------------------

  /**
   * Starts (or joins) `crossvpc-teardown-<instanceId>`; unless `wait: false`, waits for its result. A
   * provisioning run still going is cancelled by the teardown workflow (it rolls back first).
   */
  /**
   * Named access: adds (or joins the adding of) one client VPC — `crossvpc-<instanceId>-vpc-<clientVpcId>`, a saga
   * of its own (docs/decisions/named-access.md). The request must have `access.mode: "named"`.
   */
  async addClientVpc(request: ProvisionRequest, options: { wait?: boolean; taskQueue?: string } = {}) {
    const input = CrossVpcClient.validateAccessRequest(request);
    if (input.access?.mode !== 'named') throw new CrossVpcError('InvalidInput', 'access.mode must be "named" to add a client VPC to a named access', { field: 'access.mode', hint: 'pass --access-mode named' });
    const workflowId = namedAccessWorkflowId(input.instanceId, input.clientVpcId);
    const r = await this.runOnce<NamedAccessResult>(NAMED_CLIENT_VPC_WORKFLOW_TYPE, workflowId, input.instanceId, input, options, `Named access to Kafka ${input.instanceId} from VPC ${input.clientVpcId}`);
    return { ...r, instanceId: input.instanceId, clientVpcId: input.clientVpcId };
  }

  /**
   * Named access: the latest removal run of one client VPC (`crossvpc-<instanceId>-vpc-<clientVpcId>-remove`) —
   * Temporal's run status and, once closed (or after waiting with `wait`), what it removed or left behind.
   */
  async describeRemoval(instanceId: string, clientVpcId: string, options: { wait?: boolean } = {}): Promise<RemovalStatus> {
    const id = this.instanceId(instanceId);
    const vpc = validate(InstanceIdSchema, clientVpcId, 'client VPC id');
    const workflowId = removeClientWorkflowId(id, vpc);
    try {
      let d = await this.temporal.workflow.getHandle(workflowId).describe();
      const handle = this.temporal.workflow.getHandle(workflowId, d.runId);
      const outcome = async (): Promise<RemovalStatus['outcome']> => {
        try {
          const result = (await handle.result()) as RemoveClientResult;
          return { status: 'removed', removed: result.removed, alreadyClean: result.alreadyClean, leftovers: [] };
        } catch (err) {
          if (!(err instanceof WorkflowFailedError)) throw err;
          const cause = err.cause;
          const type = cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : (cause?.name ?? 'Error');
          const details = (cause instanceof ApplicationFailure ? cause.details?.[0] : undefined) as { leftovers?: Leftover[]; removed?: RemoveClientResult['removed'] } | undefined;
          return {
            status: 'incomplete',
            removed: details?.removed ?? { zones: [], endpoints: [] },
            alreadyClean: false,
            leftovers: details?.leftovers ?? [],
            error: { type, message: cause?.message ?? err.message },
          };
        }
      };
      let closed: RemovalStatus['outcome'] | undefined;
      if (d.status.name !== 'RUNNING' || options.wait) {
        closed = await outcome();
        d = await handle.describe();
      }
      return {
        instanceId: id,
        clientVpcId: vpc,
        workflowId,
        runId: d.runId,
        workflowStatus: d.status.name,
        startTime: d.startTime.toISOString(),
        closeTime: d.closeTime ? d.closeTime.toISOString() : null,
        ...(closed ? { outcome: closed } : {}),
      };
    } catch (err) {
      throw this.err(err, `removal ${workflowId}`, 'check the instance and client VPC ids, or start the removal with crossvpc remove-client');
    }
  }

  /** Named access: removes one client VPC (its zone and endpoints; the other VPCs untouched). Idempotent. */
  async removeClientVpc(request: RemoveClientRequest, options: { wait?: boolean; taskQueue?: string } = {}) {
    const r0 = RemoveClientInputSchema.safeParse(request);
    if (!r0.success) {
      return invalidInput({
        message: `invalid remove-client input: ${r0.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ')}`,
        fields: r0.error.issues.map((i) => i.path.map(String).join('.') || '(input)'),
      });
    }
    const input = r0.data;
    const workflowId = removeClientWorkflowId(input.instanceId, input.clientVpcId);
    const r = await this.runOnce<RemoveClientResult>(REMOVE_CLIENT_WORKFLOW_TYPE, workflowId, input.instanceId, input, options, `Remove VPC ${input.clientVpcId} from the named access to Kafka ${input.instanceId}`);
    return { ...r, instanceId: input.instanceId, clientVpcId: input.clientVpcId };
  }

  /**
   * Named access: one re-verification of one client VPC now (its zone and records against its endpoints, the
   * names on the brokers, then produce/consume from the VPC); `heal` rewrites records and re-creates the zone.
   * The workflow validates the request (InvalidInput names the field).
   */
  async reverifyClientVpc(
    request: { instanceId: string; clientVpcId: string; instanceCredentials?: string; clientCredentials?: string; zone?: string; heal?: boolean; verify?: Record<string, unknown> },
    options: { wait?: boolean; taskQueue?: string } = {},
  ) {
    const workflowId = namedReverifyWorkflowId(request.instanceId, request.clientVpcId);
    const r = await this.runOnce<NamedReverifyResult>('reverifyNamedClientVpc', workflowId, request.instanceId, request, { ...options, wait: options.wait !== false }, `Re-verify VPC ${request.clientVpcId} of the named access to Kafka ${request.instanceId}`);
    return { ...r, instanceId: request.instanceId, clientVpcId: request.clientVpcId };
  }

  async teardown(request: TeardownRequest, options: { wait?: boolean; taskQueue?: string } = {}): Promise<TeardownOutcome> {
    const parsed = parseTeardownInput(request);
    if (!parsed.ok) return invalidInput(parsed);
    const input = parsed.input;
    const workflowId = teardownWorkflowId(input.instanceId);
    const r = await this.runOnce<TeardownResult>(TEARDOWN_WORKFLOW_TYPE, workflowId, input.instanceId, input, options, `Tear down cross-VPC access to Kafka ${input.instanceId}`);
    return { ...r, instanceId: input.instanceId };
  }

  /**
   * Runs one re-verification of the access now (joins a check already running) and returns its result;
   * with `wait: false` returns once it has started (`status: 'started'`, no result).
   */
  async verify(request: ReverifyRequest, options: { wait?: boolean; taskQueue?: string } = {}): Promise<VerifyOutcome> {
    const parsed = parseReverifyInput(request);
    if (!parsed.ok) return invalidInput(parsed);
    const input = parsed.input;
    const workflowId = verifyWorkflowId(input.instanceId);
    const r = await this.runOnce<ReverifyResult>(REVERIFY_WORKFLOW_TYPE, workflowId, input.instanceId, input, { ...options, wait: options.wait !== false }, `Re-verify cross-VPC access to Kafka ${input.instanceId}${input.heal ? ' (heal drift)' : ''}`);
    // An unhealthy access fails the run with AccessUnhealthy (red in the UI and schedules); its report is the result.
    const { details, ...rest } = r;
    if (r.status === 'failed' && r.error?.type === ErrorTypes.AccessUnhealthy && details?.[0]) {
      const { error: _unhealthy, ...base } = rest;
      return { ...base, status: 'completed', result: details[0] as ReverifyResult, instanceId: input.instanceId };
    }
    return { ...rest, instanceId: input.instanceId };
  }

  // ---- inventory and audit ----------------------------------------------------------------------------

  /**
   * Every access in the namespace (the latest provisioning run per instance): phase (`torn-down` after a
   * teardown), client VPC, health of the latest re-verification, when it was last found working, ports.
   * Read from Temporal's visibility and memo (plus the close event of completed runs for their ports).
   */
  async listAccesses(filters: ListFilters = {}): Promise<AccessListEntry[]> {
    const f = validate(ListFiltersSchema, filters, 'list filters');
    try {
      return await listAccesses(this.temporal, {
        ...(f.instanceId ? { instanceId: f.instanceId } : {}),
        ...(f.phase ? { phase: f.phase } : {}),
        ...(f.health ? { health: f.health } : {}),
        ...(f.clientVpcId ? { clientVpcId: f.clientVpcId } : {}),
        ...(f.status ? { status: f.status } : {}),
      });
    } catch (err) {
      throw this.err(err, 'access list');
    }
  }

  /**
   * The audit trail of one instance, oldest first: who started (provision, teardown, verify/heal), approved,
   * cancelled or terminated which run and when, each start's input (secrets excluded) and how each run ended.
   * From the event histories Temporal keeps (within the namespace's retention). NotFound when there is none.
   */
  async accessHistory(instanceId: string): Promise<HistoryEntry[]> {
    const id = this.instanceId(instanceId);
    let entries: HistoryEntry[];
    try {
      entries = await accessHistory(this.temporal, id);
    } catch (err) {
      throw this.err(err, `history of ${id}`);
    }
    if (entries.length === 0) {
      throw new CrossVpcError('NotFound', `no provisioning, teardown or re-verification of ${id} is recorded in namespace ${this.namespace}`, {
        field: 'instanceId',
        hint: 'check the instance id and TEMPORAL_NAMESPACE; runs older than the namespace retention are gone',
      });
    }
    return entries;
  }

  // ---- namespace setup --------------------------------------------------------------------------------

  /**
   * Makes the client's namespace ready for kafka-crossvpc (src/temporal/namespace-setup.ts): creates it when
   * `createNamespace` is set and it does not exist, registers the search attributes that are missing
   * (idempotent). Where the server does not permit it, or the namespace is missing, fails with
   * SetupRequired naming the fix; `check: true` changes nothing and reports what is missing.
   */
  async setup(options: { createNamespace?: boolean; retentionMs?: number; check?: boolean } = {}): Promise<NamespaceSetupResult> {
    if (options.retentionMs !== undefined && (!Number.isInteger(options.retentionMs) || options.retentionMs < 3_600_000)) {
      throw new CrossVpcError('InvalidInput', 'retentionMs must be a whole number of milliseconds, at least 1 hour', { field: 'retentionMs', hint: 'e.g. 259200000 (72 h)' });
    }
    try {
      return await setupNamespace(this.temporal.connection, {
        namespace: this.namespace,
        ...(options.createNamespace ? { createNamespace: true } : {}),
        ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}),
        ...(options.check ? { register: false } : {}),
      });
    } catch (err) {
      if (err instanceof NamespaceSetupError) {
        const field = err.problem === 'invalid' ? 'retentionMs' : 'TEMPORAL_NAMESPACE';
        throw new CrossVpcError(err.problem === 'invalid' ? 'InvalidInput' : 'SetupRequired', err.message, {
          field,
          ...(err.apiCode ? { apiCode: err.apiCode } : {}),
          hint: err.fix,
          cause: err,
        });
      }
      throw this.err(err, `namespace ${this.namespace}`);
    }
  }

  private async runOnce<R>(
    type: string,
    workflowId: string,
    instanceId: string,
    input: unknown,
    options: { wait?: boolean; taskQueue?: string },
    summary: string,
  ): Promise<{ status: 'completed' | 'failed' | 'started'; workflowId: string; runId: string; result?: R; error?: { type: string; message: string }; details?: unknown[] }> {
    let handle;
    try {
      handle = await this.temporal.workflow.start(type, {
        taskQueue: this.taskQueueOf(options),
        workflowId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        staticSummary: summary,
        typedSearchAttributes: [{ key: CrossVpcInstanceId, value: instanceId }],
      });
    } catch (err) {
      throw this.err(err, `workflow ${workflowId}`);
    }
    const runId = handle.firstExecutionRunId;
    if (options.wait === false) return { status: 'started', workflowId, runId };
    try {
      const result = (await handle.result()) as R;
      return { status: 'completed', workflowId, runId, result };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw this.err(err, `workflow ${workflowId}`);
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : cause instanceof CancelledFailure ? 'Cancelled' : (cause?.name ?? 'Error');
      const details = cause instanceof ApplicationFailure && cause.details?.length ? { details: [...cause.details] } : {};
      return { status: 'failed', workflowId, runId, error: { type, message: cause?.message ?? err.message }, ...details };
    }
  }

  // ---- schedules --------------------------------------------------------------------------------------

  /**
   * Creates (or updates: `created: false`) the re-verification schedule `crossvpc-reverify-<instanceId>`:
   * every `every`, one `reverifyCrossVpcAccess` run with `reverify` as input (overlap SKIP).
   */
  async scheduleReverification(request: ScheduleRequest): Promise<{ scheduleId: string; instanceId: string; every: string; created: boolean }> {
    const r = validate(ScheduleRequestSchema, request, 'schedule input');
    const { heal, instanceId, ...args } = request.reverify;
    try {
      const res = await upsertReverifySchedule(this.temporal, {
        instanceId,
        every: r.every,
        taskQueue: r.taskQueue ?? this.taskQueue,
        args,
        ...(heal !== undefined ? { heal } : {}),
        ...(r.note !== undefined ? { note: r.note } : {}),
        ...(r.triggerImmediately ? { triggerImmediately: true } : {}),
      });
      return { scheduleId: res.scheduleId, instanceId, every: r.every, created: res.created };
    } catch (err) {
      throw this.err(err, `schedule ${reverifyScheduleId(instanceId)}`);
    }
  }

  /** Every re-verification schedule of the namespace, described (interval, paused, next/last run, last health). */
  async listSchedules(): Promise<ScheduleSummary[]> {
    try {
      return await listReverifySchedules(this.temporal);
    } catch (err) {
      throw this.err(err, 'schedule list');
    }
  }

  async pauseSchedule(instanceId: string, note?: string): Promise<{ scheduleId: string }> {
    return this.onSchedule(instanceId, (id) => pauseReverifySchedule(this.temporal, id, note));
  }

  async unpauseSchedule(instanceId: string, note?: string): Promise<{ scheduleId: string }> {
    return this.onSchedule(instanceId, (id) => unpauseReverifySchedule(this.temporal, id, note));
  }

  async deleteSchedule(instanceId: string): Promise<{ scheduleId: string }> {
    return this.onSchedule(instanceId, (id) => deleteReverifySchedule(this.temporal, id));
  }

  /** Runs the schedule's check now (in addition to its interval). */
  async triggerSchedule(instanceId: string): Promise<{ scheduleId: string }> {
    return this.onSchedule(instanceId, (id) => triggerReverifySchedule(this.temporal, id));
  }

  private async onSchedule(instanceId: string, op: (instanceId: string) => Promise<unknown>): Promise<{ scheduleId: string }> {
    const id = this.instanceId(instanceId);
    const scheduleId = reverifyScheduleId(id);
    try {
      await op(id);
    } catch (err) {
      throw this.err(err, `schedule ${scheduleId}`, 'create it with crossvpc schedule create (or check the instance id and TEMPORAL_NAMESPACE)');
    }
    return { scheduleId };
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  /** The task queue of one call: the option when given (never empty), else the client's. */
  private taskQueueOf(options: { taskQueue?: string | undefined }): string {
    if (options.taskQueue === undefined) return this.taskQueue;
    if (typeof options.taskQueue !== 'string' || options.taskQueue.trim() === '') {
      throw new CrossVpcError('InvalidInput', 'taskQueue must not be empty', { field: 'taskQueue', hint: "pass the kafka-crossvpc worker's task queue, or leave it out (the client's default)" });
    }
    return options.taskQueue;
  }

  private instanceId(raw: string): string {
    return validate(InstanceIdSchema, raw, 'instance id', 'instanceId');
  }

  /** The workflow id of an access run: the instance's (IP mode) or one client VPC's of a named access. */
  private accessRun(instanceId: string, target: AccessTarget): { id: string; workflowId: string } {
    const id = this.instanceId(instanceId);
    if (target.clientVpcId === undefined) return { id, workflowId: accessWorkflowId(id) };
    return { id, workflowId: namedAccessWorkflowId(id, validate(InstanceIdSchema, target.clientVpcId, 'client VPC id')) };
  }

  private err(err: unknown, what: string, notFoundHint?: string): CrossVpcError {
    return toCrossVpcError(err, {
      what,
      namespace: this.namespace,
      notFoundHint: notFoundHint ?? 'check the instance id and TEMPORAL_NAMESPACE, or start the access with crossvpc provision',
    });
  }
}

function invalidInput(p: { message: string; fields: string[] }): never {
  const fields = [...new Set(p.fields)];
  throw new CrossVpcError('InvalidInput', p.message, { field: fields.join(','), hint: `fix ${fields.join(', ')} and retry` });
}

/** Progress of a closed run, derived from its outcome (no worker needed). */
export function progressFromOutcome(instanceId: string, outcome: ProvisionOutcome): AccessProgress {
  const phase: AccessPhase = outcome.result ? outcome.result.status : outcome.status === 'rolled_back' ? 'rolled_back' : 'failed';
  const ports: PortProgressEntry[] = outcome.ports.map((p) => ({
    portId: p.portId,
    listenerIp: p.listenerIp,
    status: (p.status as PortProgressEntry['status'] | undefined) ?? (outcome.result ? 'ready' : 'failed'),
    workflowId: `${outcome.workflowId}-port-${p.portId}`,
    ...(p.serviceId ? { serviceId: p.serviceId } : {}),
    ...(p.endpointId ? { endpointId: p.endpointId } : {}),
    ...(p.endpointIp ? { endpointIp: p.endpointIp } : {}),
    ...(p.error ? { error: p.error } : {}),
  }));
  return {
    instanceId,
    phase,
    ports,
    awaitingApproval: false,
    ...(outcome.bootstrapServers ? { bootstrapServers: outcome.bootstrapServers } : {}),
    ...(outcome.error ? { error: outcome.error.message } : {}),
    ...(outcome.error?.undone?.length ? { undone: outcome.error.undone } : {}),
    ...(outcome.error?.kept?.length ? { kept: outcome.error.kept } : {}),
    ...(outcome.error?.leftovers?.length ? { leftovers: outcome.error.leftovers } : {}),
    ...(outcome.error?.advertisedAfter ? { advertisedAfter: outcome.error.advertisedAfter } : {}),
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}
