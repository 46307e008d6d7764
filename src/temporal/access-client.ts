/**
 * Client side of an access: start (or join) `crossvpc-<instanceId>` and turn its end into one outcome
 * object, shared by the CLI and the tests.
 */
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from './sdk.js';
import { z } from 'zod';
import { cancelledMessage, type AccessFailureDetails, type AccessResult } from '../../workflows/access-outcome.js';
import { ACCESS_REPORT_MEMO, type Leftover } from '../../workflows/definitions.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { accessWorkflowId, namedAccessWorkflowId, removeClientWorkflowId, type ProvisionInput } from '../../workflows/input.js';
import { CrossVpcInstanceId, CrossVpcPhase } from '../../workflows/search-attributes.js';

export const PROVISION_WORKFLOW_TYPE = 'provisionCrossVpcAccess';

export type OutcomeStatus = 'verified' | 'rolled_back' | 'failed';

export interface PortOutcome {
  portId: string;
  listenerIp: string;
  serviceId?: string;
  serviceName?: string;
  endpointId?: string;
  endpointIp?: string;
  status?: string;
  /** Why this port failed (failed / rolled-back accesses). */
  error?: string;
}

export interface ProvisionOutcome {
  status: OutcomeStatus;
  workflowId: string;
  runId: string;
  bootstrapServers: string | null;
  ports: PortOutcome[];
  error?: {
    type: string;
    message: string;
    failedStep?: string;
    /** Error type/code of the underlying cause (e.g. the cloud API's error code). */
    causeType?: string;
    undone?: string[];
    /** Resources left in place because they were there before this run. */
    kept?: string[];
    leftovers?: Leftover[];
    /** listener IP → advertised IP as read after the undo. */
    advertisedAfter?: Record<string, string>;
  };
  result?: AccessResult;
}

const TemporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'TEMPORAL_ADDRESS: expected host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, 'TEMPORAL_NAMESPACE: expected a namespace name').default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1, 'TEMPORAL_TASK_QUEUE: expected a non-empty task queue').default('kafka-crossvpc'),
});

export interface TemporalEnv {
  address: string;
  namespace: string;
  taskQueue: string;
}

/** TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TASK_QUEUE, validated (empty counts as unset). */
export function temporalEnv(env: Readonly<Record<string, string | undefined>> = process.env): TemporalEnv {
  const pick = (k: string): string | undefined => (env[k] === '' ? undefined : env[k]);
  const r = TemporalEnvSchema.safeParse({
    TEMPORAL_ADDRESS: pick('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: pick('TEMPORAL_NAMESPACE'),
    TEMPORAL_TASK_QUEUE: pick('TEMPORAL_TASK_QUEUE'),
  });
  if (!r.success) throw new Error(`invalid Temporal configuration: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return { address: r.data.TEMPORAL_ADDRESS, namespace: r.data.TEMPORAL_NAMESPACE, taskQueue: r.data.TEMPORAL_TASK_QUEUE };
}

export async function connectClient(cfg: TemporalEnv): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: cfg.address });
  return { client: new Client({ connection, namespace: cfg.namespace }), close: () => connection.close() };
}

/** Memo key holding the (normalised, secret-free) input a run was started with: what a second start compares. */
export const ACCESS_INPUT_MEMO = 'crossvpcInput';

/** Memo key holding the identity of the caller that started the run (also in the start event; for `list`). */
export const ACCESS_STARTED_BY_MEMO = 'crossvpcStartedBy';

/** A second start of a running access with another input (never a silent join). */
export class AccessInputConflictError extends Error {
  override readonly name = 'AccessInputConflictError';
  constructor(
    readonly workflowId: string,
    readonly runId: string,
    /** Input fields (dotted paths) whose values differ from the running run's. */
    readonly fields: string[],
  ) {
    super(`access ${workflowId} is already running (run ${runId}) with a different ${fields.join(', ')}; wait for it to end, or cancel it, before starting it with other input`);
  }
}

/** Dotted paths where two JSON values differ (objects compared key by key; arrays and scalars as a whole). */
export function differingFields(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingFields(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(input)'];
}

/** The run of an access: started by this call (`joined: false`) or already running with the same input. */
export type AccessRunHandle = WorkflowHandleWithFirstExecutionRunId & { joined: boolean };

/**
 * Starts the access for `input.instanceId`, or joins the run already going when it runs with the **same** input;
 * a running access with another input is refused (`AccessInputConflictError`, nothing is started). A closed run
 * with the same id may be started again (a re-run creates nothing new and re-verifies).
 */
export async function startOrJoinAccess(client: Client, taskQueue: string, input: ProvisionInput): Promise<AccessRunHandle> {
  const workflowId = accessWorkflowId(input.instanceId);
  for (let attempt = 0; ; attempt += 1) {
    const started = await tryStart();
    if (started) return Object.assign(started, { joined: false });
    // Running: join it when it was started with the same input.
    const running = client.workflow.getHandle(workflowId);
    const d = await running.describe();
    if (d.status.name !== 'RUNNING' && attempt < 3) continue; // it closed meanwhile: start a new run
    let theirs: unknown = d.memo?.[ACCESS_INPUT_MEMO];
    if (theirs === undefined) {
      // Started without our client (raw): its input is the first event of its history.
      const history = await running.fetchHistory();
      const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      theirs = payload ? client.options.loadedDataConverter.payloadConverter.fromPayload(payload) : undefined;
    }
    const differ = differingFields(theirs, input);
    if (differ.length > 0) throw new AccessInputConflictError(workflowId, d.runId, differ);
    return Object.assign(client.workflow.getHandle(workflowId, d.runId), { firstExecutionRunId: d.runId, joined: true }) as AccessRunHandle;
  }

  async function tryStart(): Promise<WorkflowHandleWithFirstExecutionRunId | undefined> {
    try {
      return await client.workflow.start(PROVISION_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      memo: { [ACCESS_INPUT_MEMO]: input, [ACCESS_STARTED_BY_MEMO]: client.options.identity },
      staticSummary: `Cross-VPC access to Kafka ${input.instanceId} from VPC ${input.clientVpcId}`,
      staticDetails: [
        `instance \`${input.instanceId}\``,
        `client VPC \`${input.clientVpcId}\`, subnet \`${input.clientSubnetId}\``,
        input.clientDomainId ? `client account \`${input.clientDomainId}\` (cross-account, credential set \`${input.clientCredentials ?? 'client'}\`)` : 'same account',
      ].join('\n\n'),
      typedSearchAttributes: [
        { key: CrossVpcInstanceId, value: input.instanceId },
        { key: CrossVpcPhase, value: 'starting' },
      ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
      throw err;
    }
  }
}

/**
 * Waits for the run to close and maps it to one outcome (never throws for a workflow failure).
 * `runId` defaults to the handle's first execution run id (or the one `describe` reports).
 */
export async function awaitAccessOutcome(handle: WorkflowHandle & { firstExecutionRunId?: string }, runIdHint?: string): Promise<ProvisionOutcome> {
  const runId = runIdHint ?? handle.firstExecutionRunId ?? (await handle.describe()).runId;
  const base = { workflowId: handle.workflowId, runId };
  try {
    const result = (await handle.result()) as AccessResult;
    const verified = result.status === 'verified';
    return {
      ...base,
      status: verified ? 'verified' : 'failed',
      bootstrapServers: result.bootstrapServers,
      ports: result.ports.map((p) => ({ ...p })),
      ...(verified ? {} : { error: { type: ErrorTypes.Unverified, message: 'provisioned but not verified (verify.enabled = false)' } }),
      result,
    };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    let details = failureDetails(err.cause);
    if (!details) {
      // A cancelled run's CancelledFailure carries no details across the server: read the run's own report (memo).
      const memo = (await handle.describe().catch(() => undefined))?.memo?.[ACCESS_REPORT_MEMO] as AccessFailureDetails | undefined;
      if (memo && typeof memo === 'object' && Array.isArray(memo.undone)) details = memo;
    }
    return { ...base, ...outcomeOfFailure(err.cause, details) };
  }
}

function failureDetails(cause: Error | undefined): AccessFailureDetails | undefined {
  const d = (cause instanceof ApplicationFailure || cause instanceof CancelledFailure ? cause.details?.[0] : undefined) as AccessFailureDetails | undefined;
  return d && typeof d === 'object' && Array.isArray(d.undone) ? d : undefined;
}

export function outcomeOfFailure(cause: Error | undefined, d: AccessFailureDetails | undefined): Omit<ProvisionOutcome, 'workflowId' | 'runId'> {
  const ports: PortOutcome[] = (d?.ports ?? []).map((p) => ({
    portId: p.portId,
    listenerIp: p.listenerIp,
    status: p.status,
    ...(p.serviceId ? { serviceId: p.serviceId } : {}),
    ...(p.endpointId ? { endpointId: p.endpointId } : {}),
    ...(p.endpointIp ? { endpointIp: p.endpointIp } : {}),
    ...(p.error ? { error: p.error } : {}),
  }));
  const error = (type: string, message: string): NonNullable<ProvisionOutcome['error']> => ({
    type,
    message,
    ...(d?.failedStep ? { failedStep: d.failedStep } : {}),
    ...(d?.causeType ? { causeType: d.causeType } : {}),
    ...(d?.undone ? { undone: d.undone } : {}),
    ...(d?.kept ? { kept: d.kept } : {}),
    ...(d?.leftovers?.length ? { leftovers: d.leftovers } : {}),
    ...(d?.advertisedAfter ? { advertisedAfter: d.advertisedAfter } : {}),
  });
  if (cause instanceof CancelledFailure) {
    // The server keeps no message of a cancellation ("Workflow canceled"): the run's report says what it was doing.
    return { status: d?.status === 'failed' ? 'failed' : 'rolled_back', bootstrapServers: null, ports, error: error(ErrorTypes.Cancelled, d ? cancelledMessage(d.failedStep, d.undone) : cause.message || 'cancelled') };
  }
  if (cause instanceof ApplicationFailure) {
    const type = cause.type ?? 'Error';
    const status: OutcomeStatus = type === ErrorTypes.ProvisioningRolledBack ? 'rolled_back' : 'failed';
    return { status, bootstrapServers: null, ports, error: error(type, cause.message) };
  }
  if (cause instanceof TerminatedFailure) return { status: 'failed', bootstrapServers: null, ports, error: error(ErrorTypes.Terminated, 'terminated: no compensation ran') };
  if (cause instanceof TimeoutFailure) return { status: 'failed', bootstrapServers: null, ports, error: error(ErrorTypes.Timeout, cause.message) };
  return { status: 'failed', bootstrapServers: null, ports, error: error(cause?.name ?? 'Error', cause?.message ?? 'workflow failed') };
}

// ---- named access: one workflow per client VPC (docs/decisions/named-access.md) ---------------------------

export const NAMED_CLIENT_VPC_WORKFLOW_TYPE = 'provisionNamedClientVpc';
export const REMOVE_CLIENT_WORKFLOW_TYPE = 'removeNamedClientVpc';

/**
 * Starts the saga adding one client VPC to a named access (`crossvpc-<instanceId>-vpc-<clientVpcId>`), or joins
 * the run of that id already going on.
 */
export async function startOrJoinClientVpc(client: Client, taskQueue: string, input: ProvisionInput): Promise<WorkflowHandle> {
  const workflowId = namedAccessWorkflowId(input.instanceId, input.clientVpcId);
  try {
    return await client.workflow.start(NAMED_CLIENT_VPC_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      memo: { [ACCESS_INPUT_MEMO]: input },
      staticSummary: `Named access to Kafka ${input.instanceId} from VPC ${input.clientVpcId}`,
      typedSearchAttributes: [
        { key: CrossVpcInstanceId, value: input.instanceId },
        { key: CrossVpcPhase, value: 'starting' },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId);
    throw err;
  }
}

/** Starts (or joins) the removal of one client VPC from a named access. */
export async function startOrJoinRemoveClient(client: Client, taskQueue: string, input: { instanceId: string; clientVpcId: string } & Record<string, unknown>): Promise<WorkflowHandle> {
  const workflowId = removeClientWorkflowId(input.instanceId, input.clientVpcId);
  try {
    return await client.workflow.start(REMOVE_CLIENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `Remove VPC ${input.clientVpcId} from the named access to Kafka ${input.instanceId}`,
      typedSearchAttributes: [{ key: CrossVpcInstanceId, value: input.instanceId }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId);
    throw err;
  }
}
