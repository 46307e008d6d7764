/**
 * Inventory and audit trail of accesses, read only from what Temporal keeps: visibility (search attributes
 * `CrossVpcInstanceId`, `CrossVpcPhase`, `CrossVpcHealth`, the memo) for `list`, and the event histories of
 * the runs of one instance for `history` (who: the `identity` Temporal records on starts, signals and cancel
 * requests; when: event times; what: the input, secrets excluded; how it ended: the close event).
 *
 * Used by the typed client (`listAccesses`, `accessHistory`) and through it by `crossvpc list|history`.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ApplicationFailure } from './sdk.js';
import { ACCESS_REPORT_MEMO } from '../../workflows/definitions.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { accessWorkflowId } from '../../workflows/input.js';
import { REVERIFY_WORKFLOW_TYPE, TEARDOWN_WORKFLOW_TYPE, reverifyWorkflowId, type Health, type ReverifyResult, type TeardownResult } from '../../workflows/ops-input.js';
import { CrossVpcHealth, CrossVpcInstanceId, CrossVpcPhase } from '../../workflows/search-attributes.js';
import { ACCESS_INPUT_MEMO, ACCESS_STARTED_BY_MEMO, PROVISION_WORKFLOW_TYPE } from './access-client.js';

/** Phases `list` adds to the access's own: after a teardown (running / completed). */
export type InventoryPhase = string;

export interface InventoryPort {
  portId: string;
  listenerIp: string;
  endpointId: string | null;
  endpointIp: string | null;
}

export interface AccessListEntry {
  instanceId: string;
  workflowId: string;
  runId: string;
  /** Temporal status of the latest provisioning run: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, … */
  workflowStatus: string;
  /** The access's phase (`verified`, `rolled_back`, `awaiting-approval`, …), or `tearing-down` / `torn-down`. */
  phase: InventoryPhase;
  clientVpcId: string | null;
  clientSubnetId: string | null;
  /** Health of the latest finished re-verification after the provisioning (null: none yet, or torn down). */
  health: Health | null;
  /** When the access was last found working: the latest healthy re-verification, or the verified provisioning. */
  lastVerifiedAt: string | null;
  ports: InventoryPort[];
  startedAt: string;
  closedAt: string | null;
  startedBy: string | null;
  tornDownAt: string | null;
}

export interface ListFilters {
  instanceId?: string;
  phase?: string;
  health?: Health;
  clientVpcId?: string;
  /** `running`: a provisioning or teardown still going; `closed`: the rest. */
  status?: 'running' | 'closed';
}

const TYPES = [PROVISION_WORKFLOW_TYPE, TEARDOWN_WORKFLOW_TYPE, REVERIFY_WORKFLOW_TYPE];
const quote = (s: string): string => `'${s.replace(/['\\]/g, '')}'`;

async function listAll(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const w of client.workflow.list({ query })) out.push(w);
  return out;
}

/** The latest run (by start time) per key. */
function latestBy(runs: readonly WorkflowExecutionInfo[], key: (w: WorkflowExecutionInfo) => string | undefined): Map<string, WorkflowExecutionInfo> {
  const m = new Map<string, WorkflowExecutionInfo>();
  for (const w of runs) {
    const k = key(w);
    if (!k) continue;
    const prev = m.get(k);
    if (!prev || prev.startTime < w.startTime) m.set(k, w);
  }
  return m;
}

const instanceOf = (w: WorkflowExecutionInfo): string | undefined => w.typedSearchAttributes.get(CrossVpcInstanceId);

/** Runs `fn` over `items`, at most `limit` at a time. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

interface PortLike {
  portId?: unknown;
  listenerIp?: unknown;
  endpointId?: unknown;
  endpointIp?: unknown;
}
function portsOf(list: unknown): InventoryPort[] {
  if (!Array.isArray(list)) return [];
  return (list as PortLike[])
    .filter((p) => typeof p.portId === 'string' && typeof p.listenerIp === 'string')
    .map((p) => ({
      portId: p.portId as string,
      listenerIp: p.listenerIp as string,
      endpointId: typeof p.endpointId === 'string' && p.endpointId ? p.endpointId : null,
      endpointIp: typeof p.endpointIp === 'string' && p.endpointIp ? p.endpointIp : null,
    }));
}

/**
 * Every access (the latest provisioning run per instance), with its phase, client VPC, health, last
 * verification and ports. Three visibility listings plus, per completed access, one read of its close event.
 */
export async function listAccesses(client: Client, filters: ListFilters = {}): Promise<AccessListEntry[]> {
  const only = filters.instanceId ? ` AND ${CrossVpcInstanceId.name} = ${quote(filters.instanceId)}` : '';
  const [accessRuns, teardownRuns, reverifyRuns] = await Promise.all(
    TYPES.map((t) => listAll(client, `WorkflowType = ${quote(t)}${only}`)),
  );
  const accesses = [...latestBy(accessRuns ?? [], (w) => (w.workflowId.startsWith('crossvpc-') ? instanceOf(w) : undefined)).entries()]
    // only the access workflow itself (`crossvpc-<instanceId>`), not a second provisioning started by hand
    .filter(([id, w]) => w.workflowId === accessWorkflowId(id));
  const teardowns = latestBy(teardownRuns ?? [], instanceOf);
  const checks = latestBy((reverifyRuns ?? []).filter((w) => w.closeTime && w.typedSearchAttributes.get(CrossVpcHealth)), instanceOf);
  const healthyChecks = latestBy((reverifyRuns ?? []).filter((w) => w.closeTime && w.typedSearchAttributes.get(CrossVpcHealth) === 'healthy'), instanceOf);

  const entries = await mapLimit(accesses, 8, async ([instanceId, w]): Promise<AccessListEntry> => {
    const input = (w.memo?.[ACCESS_INPUT_MEMO] ?? {}) as { clientVpcId?: string; clientSubnetId?: string };
    let phase: string = w.typedSearchAttributes.get(CrossVpcPhase) ?? (w.status.name === 'RUNNING' ? 'validating' : w.status.name.toLowerCase());
    let ports: InventoryPort[] = [];
    if (w.status.name === 'COMPLETED') {
      const r = (await client.workflow.getHandle(w.workflowId, w.runId).result().catch(() => undefined)) as { ports?: unknown; status?: string } | undefined;
      ports = portsOf(r?.ports);
      if (r?.status) phase = r.status;
    } else {
      ports = portsOf((w.memo?.[ACCESS_REPORT_MEMO] as { ports?: unknown } | undefined)?.ports);
    }
    const td = teardowns.get(instanceId);
    let tornDownAt: string | null = null;
    if (td && td.startTime > w.startTime) {
      if (td.status.name === 'RUNNING') phase = 'tearing-down';
      else if (td.status.name === 'COMPLETED') {
        phase = 'torn-down';
        tornDownAt = td.closeTime?.toISOString() ?? null;
        ports = [];
      }
    }
    const check = checks.get(instanceId);
    const after = (x: WorkflowExecutionInfo | undefined): WorkflowExecutionInfo | undefined => (x && x.startTime > w.startTime && !tornDownAt ? x : undefined);
    const health = (after(check)?.typedSearchAttributes.get(CrossVpcHealth) as Health | undefined) ?? null;
    const lastHealthy = after(healthyChecks.get(instanceId))?.closeTime;
    const verifiedAt = phase === 'verified' && w.closeTime ? w.closeTime : undefined;
    const last = [lastHealthy, verifiedAt].filter((d): d is Date => d instanceof Date).sort((a, b) => b.getTime() - a.getTime())[0];
    return {
      instanceId,
      workflowId: w.workflowId,
      runId: w.runId,
      workflowStatus: w.status.name,
      phase,
      clientVpcId: input.clientVpcId ?? null,
      clientSubnetId: input.clientSubnetId ?? null,
      health,
      lastVerifiedAt: last ? last.toISOString() : null,
      ports,
      startedAt: w.startTime.toISOString(),
      closedAt: w.closeTime?.toISOString() ?? null,
      startedBy: typeof w.memo?.[ACCESS_STARTED_BY_MEMO] === 'string' ? (w.memo[ACCESS_STARTED_BY_MEMO] as string) : null,
      tornDownAt,
    };
  });
  const running = (e: AccessListEntry): boolean => e.workflowStatus === 'RUNNING' || e.phase === 'tearing-down';
  return entries
    .filter((e) => (filters.phase ? e.phase === filters.phase : true))
    .filter((e) => (filters.health ? e.health === filters.health : true))
    .filter((e) => (filters.clientVpcId ? e.clientVpcId === filters.clientVpcId : true))
    .filter((e) => (filters.status ? running(e) === (filters.status === 'running') : true))
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

// ---- history --------------------------------------------------------------------------------------------

export type HistoryAction = 'provision' | 'approve' | 'cancel' | 'terminate' | 'teardown' | 'verify' | 'heal' | 'ended';

export interface HistoryEntry {
  at: string;
  action: HistoryAction;
  /** The caller's identity as Temporal recorded it (a schedule or another workflow when it was not a person). */
  by: string | null;
  workflowId: string;
  runId: string;
  /** On the start entries: the run's input, secrets excluded. */
  input?: unknown;
  /** On `ended`: how the run ended. */
  outcome?: { status: string; type?: string; message?: string };
  /** Extra words (a cancel's reason, the schedule that started a check). */
  note?: string;
}

/** Keys whose values would be secrets (credential-set names such as `instanceCredentials` and `secretRef` are names, not secrets). */
const SECRET_KEY = /(password|passwd|passphrase|secret$|secretkey|token|private|^sk$|^ak$)/i;

/** A copy of `v` with every value under a key that names a secret replaced (inputs carry none by design). */
export function withoutSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutSecrets);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, SECRET_KEY.test(k) ? '[redacted]' : withoutSecrets(x)]));
  }
  return v;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every start, approval, cancellation, termination and end of the provisioning, teardown and re-verification runs of one instance, oldest first. */
export async function accessHistory(client: Client, instanceId: string): Promise<HistoryEntry[]> {
  const query = `${CrossVpcInstanceId.name} = ${quote(instanceId)} AND WorkflowType IN (${TYPES.map(quote).join(', ')})`;
  const runs = (await listAll(client, query)).filter(
    (w) => w.workflowId === accessWorkflowId(instanceId) || w.type !== PROVISION_WORKFLOW_TYPE, // not a hand-started second provisioning's lock or children
  );
  const { payloadConverter, failureConverter } = client.options.loadedDataConverter;
  const decode = (p: temporal.api.common.v1.IPayload | null | undefined): unknown => (p ? payloadConverter.fromPayload(p) : undefined);
  const perRun = await mapLimit(runs, 8, async (w): Promise<HistoryEntry[]> => {
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const base = { workflowId: w.workflowId, runId: w.runId };
    const out: HistoryEntry[] = [];
    const at = (e: HistoryEvent): string => (e.eventTime?.seconds != null ? new Date(Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6)).toISOString() : '');
    let input: { heal?: boolean } | undefined;
    for (const e of history.events ?? []) {
      const started = e.workflowExecutionStartedEventAttributes;
      if (started) {
        input = decode(started.input?.payloads?.[0]) as { heal?: boolean } | undefined;
        const action: HistoryAction = w.type === PROVISION_WORKFLOW_TYPE ? 'provision' : w.type === TEARDOWN_WORKFLOW_TYPE ? 'teardown' : input?.heal ? 'heal' : 'verify';
        const scheduled = w.type === REVERIFY_WORKFLOW_TYPE && w.workflowId.startsWith(`${reverifyWorkflowId(instanceId)}-`);
        const parent = started.parentWorkflowExecution?.workflowId;
        out.push({
          at: at(e),
          action,
          by: started.identity || (parent ? `workflow ${parent}` : null),
          ...base,
          input: withoutSecrets(input),
          ...(scheduled ? { note: `started by the schedule ${reverifyWorkflowId(instanceId)}` } : {}),
        });
        continue;
      }
      const signaled = e.workflowExecutionSignaledEventAttributes;
      if (signaled?.signalName === 'approve') out.push({ at: at(e), action: 'approve', by: signaled.identity || null, ...base });
      const cancel = e.workflowExecutionCancelRequestedEventAttributes;
      if (cancel) {
        const ext = cancel.externalWorkflowExecution?.workflowId;
        out.push({ at: at(e), action: 'cancel', by: cancel.identity || (ext ? `workflow ${ext}` : null), ...base, ...(cancel.cause ? { note: cancel.cause } : {}) });
      }
      const terminated = e.workflowExecutionTerminatedEventAttributes;
      if (terminated) out.push({ at: at(e), action: 'terminate', by: terminated.identity || null, ...base, ...(terminated.reason ? { note: terminated.reason } : {}) });
      const ended = endOf(e, w.type, decode, (f) => failureConverter.failureToError(f, payloadConverter), w.memo?.[ACCESS_REPORT_MEMO]);
      if (ended) out.push({ at: at(e), action: 'ended', by: null, ...base, outcome: ended });
    }
    return out;
  });
  return perRun.flat().sort((a, b) => a.at.localeCompare(b.at) || order(a.action) - order(b.action));
}

const order = (a: HistoryAction): number => (a === 'ended' ? 1 : 0);

function endOf(
  e: HistoryEvent,
  type: string,
  decode: (p: temporal.api.common.v1.IPayload | null | undefined) => unknown,
  toError: (f: temporal.api.failure.v1.IFailure) => Error,
  /** The access's final report in its memo (a cancelled run's details are not in its close event). */
  report: unknown,
): HistoryEntry['outcome'] | undefined {
  const completed = e.workflowExecutionCompletedEventAttributes;
  if (completed) {
    const r = decode(completed.result?.payloads?.[0]);
    if (type === PROVISION_WORKFLOW_TYPE) return { status: String((r as { status?: string } | undefined)?.status ?? 'completed') };
    if (type === TEARDOWN_WORKFLOW_TYPE) {
      const t = r as TeardownResult | undefined;
      return { status: t?.alreadyClean ? 'already clean' : 'torn down' };
    }
    const v = r as ReverifyResult | undefined;
    return { status: v?.healed ? 'healed' : (v?.health ?? 'completed') };
  }
  const failed = e.workflowExecutionFailedEventAttributes;
  if (failed?.failure) {
    const err = toError(failed.failure);
    const app = err instanceof ApplicationFailure ? err : err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const d = app?.details?.[0] as { status?: string; health?: string } | undefined;
    const status = app?.type === ErrorTypes.AccessUnhealthy ? (d?.health ?? 'unhealthy') : (d?.status ?? 'failed');
    return { status, ...(app?.type ? { type: app.type } : {}), message: err.message };
  }
  const canceled = e.workflowExecutionCanceledEventAttributes;
  if (canceled) {
    // A cancelled provisioning rolls back first and says so in its details (AccessFailureDetails).
    const d = (decode(canceled.details?.payloads?.[0]) ?? report) as { status?: string } | undefined;
    return { status: d?.status ?? 'cancelled', type: 'Cancelled' };
  }
  if (e.workflowExecutionTerminatedEventAttributes) return { status: 'terminated', ...(e.workflowExecutionTerminatedEventAttributes.reason ? { message: e.workflowExecutionTerminatedEventAttributes.reason } : {}) };
  if (e.workflowExecutionTimedOutEventAttributes) return { status: 'timed out' };
  return undefined;
}
