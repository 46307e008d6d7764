/**
 * Temporal Schedules of the re-verification, one per access: schedule id `crossvpc-reverify-<instanceId>`,
 * action = start `reverifyCrossVpcAccess` with workflow id `crossvpc-reverify-<instanceId>` (the server appends
 * `-<timestamp>` to each run). Overlap policy SKIP (a check never piles up behind a slow one) and the catch-up
 * window are set explicitly. Creating an existing schedule updates it (spec, action, policies; its paused
 * state is kept).
 *
 * Used by the CLI (`crossvpc schedule create|list|pause|unpause|delete`), the typed client and tests.
 */
import type { Client, ScheduleDescription } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError } from './sdk.js';
import { z } from 'zod';
import { parseReverifyInput, REVERIFY_WORKFLOW_TYPE, reverifyScheduleId, reverifyWorkflowId, type ReverifyRequest } from '../../workflows/ops-input.js';
import { CrossVpcHealth, CrossVpcInstanceId } from '../../workflows/search-attributes.js';

export const REVERIFY_SCHEDULE_PREFIX = 'crossvpc-reverify-';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30s`, `15m`, `1h`, `1d` (or `500ms`) → milliseconds; NaN when not such a string. */
export function everyMs(every: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(every);
  if (!m) return Number.NaN;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Milliseconds → the shortest exact `every` text (`3600000` → `1h`). */
export function formatEvery(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const EverySchema = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'every must be an interval like 30s, 15m, 1h or 1d')
  .refine((s) => everyMs(s) >= 1_000, 'every must be at least 1s');

const DurationSchema = z.union([z.number().int().positive(), EverySchema]);

export interface UpsertReverifyScheduleOptions {
  instanceId: string;
  /** Interval between checks: `30s`, `15m`, `1h`, `1d`. */
  every: string;
  /** Task queue of the kafka-crossvpc worker (the verify activity runs on `<taskQueue>-verify`). */
  taskQueue: string;
  /** The re-verification input (instance id optional here: it must match `instanceId` when given). */
  args?: Omit<ReverifyRequest, 'instanceId' | 'heal'> & { instanceId?: string; heal?: boolean };
  /** Repair drift on each run (overrides `args.heal`). */
  heal?: boolean;
  /** How late a missed run (server down) may still start; default = the interval, within [10 s, 24 h]. */
  catchupWindow?: number | string;
  /** Random delay added to each run (spreads many schedules); default none. */
  jitter?: number | string;
  /** Run one check right away when the schedule is created. */
  triggerImmediately?: boolean;
  /** Note shown on the schedule (e.g. who created it). */
  note?: string;
}

export interface UpsertReverifyScheduleResult {
  scheduleId: string;
  /** false when an existing schedule was updated. */
  created: boolean;
}

/** Creates the schedule of one access, or updates it when it exists. Validates the input first (zod). */
export async function upsertReverifySchedule(client: Client, o: UpsertReverifyScheduleOptions): Promise<UpsertReverifyScheduleResult> {
  const every = EverySchema.safeParse(o.every);
  if (!every.success) throw new TypeError(`invalid schedule: every: ${every.error.issues.map((i) => i.message).join('; ')}`);
  for (const [name, v] of [['catchupWindow', o.catchupWindow], ['jitter', o.jitter]] as const) {
    if (v !== undefined && !DurationSchema.safeParse(v).success) throw new TypeError(`invalid schedule: ${name} must be milliseconds or an interval like 10m`);
  }
  if (!o.taskQueue.trim()) throw new TypeError('invalid schedule: taskQueue must not be empty');
  if (o.args?.instanceId !== undefined && o.args.instanceId !== o.instanceId) {
    throw new TypeError(`invalid schedule: args.instanceId (${o.args.instanceId}) differs from instanceId (${o.instanceId})`);
  }
  const request: ReverifyRequest = { ...o.args, instanceId: o.instanceId, ...(o.heal !== undefined ? { heal: o.heal } : {}) };
  const parsed = parseReverifyInput(request);
  if (!parsed.ok) throw new TypeError(parsed.message);

  const intervalMs = everyMs(o.every);
  const catchupWindow = o.catchupWindow ?? Math.min(Math.max(intervalMs, 10_000), 86_400_000);
  const scheduleId = reverifyScheduleId(o.instanceId);
  const heal = parsed.input.heal;
  const spec = { intervals: [{ every: intervalMs }], ...(o.jitter !== undefined ? { jitter: o.jitter } : {}) };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: REVERIFY_WORKFLOW_TYPE,
    workflowId: reverifyWorkflowId(o.instanceId),
    taskQueue: o.taskQueue,
    // The request as given (validated): defaults are filled by the workflow at run time.
    args: [request],
    staticSummary: `Scheduled re-verification of Kafka ${o.instanceId} (every ${o.every}${heal ? ', heal drift' : ''})`,
    typedSearchAttributes: [{ key: CrossVpcInstanceId, value: o.instanceId }],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow, pauseOnFailure: false };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: { paused: false, note: o.note ?? `kafka-crossvpc re-verification of ${o.instanceId}`, ...(o.triggerImmediately ? { triggerImmediately: true } : {}) },
      memo: { instanceId: o.instanceId, createdBy: 'kafka-crossvpc' },
      typedSearchAttributes: [{ key: CrossVpcInstanceId, value: o.instanceId }],
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((prev) => ({
    ...prev,
    spec,
    action,
    policies,
    state: { ...prev.state, ...(o.note !== undefined ? { note: o.note } : {}) },
  }));
  if (o.triggerImmediately) await triggerReverifySchedule(client, o.instanceId);
  return { scheduleId, created: false };
}

export interface ReverifyRun {
  workflowId: string;
  runId: string;
  scheduledAt: string;
  takenAt: string;
}

export interface ReverifyScheduleInfo {
  scheduleId: string;
  instanceId: string;
  paused: boolean;
  note: string | null;
  /** The interval as text (`1h`), or null when the spec is not a single interval. */
  every: string | null;
  heal: boolean;
  taskQueue: string | null;
  overlap: string;
  catchupWindowMs: number;
  nextRunAt: string | null;
  lastRunAt: string | null;
  /** Most recent runs, oldest first (the server keeps the last few). */
  recentRuns: ReverifyRun[];
  /** Runs still going. */
  runningRuns: { workflowId: string; runId: string }[];
  /** `CrossVpcHealth` of the most recent run that recorded one (null when none has finished a check yet). */
  lastHealth: string | null;
}

/** Every re-verification schedule (ids `crossvpc-reverify-*`), described. */
export async function listReverifySchedules(client: Client): Promise<ReverifyScheduleInfo[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(REVERIFY_SCHEDULE_PREFIX)) ids.push(s.scheduleId);
  const out: ReverifyScheduleInfo[] = [];
  for (const id of ids.sort()) {
    try {
      out.push(await describeReverifySchedule(client, id.slice(REVERIFY_SCHEDULE_PREFIX.length)));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err; // deleted meanwhile (listing is eventually consistent)
    }
  }
  return out;
}

/** One schedule, described (throws ScheduleNotFoundError when there is none). */
export async function describeReverifySchedule(client: Client, instanceId: string): Promise<ReverifyScheduleInfo> {
  const scheduleId = reverifyScheduleId(instanceId);
  const d: ScheduleDescription = await client.schedule.getHandle(scheduleId).describe();
  const intervals = d.spec.intervals ?? [];
  const first = intervals[0];
  const args = d.action.type === 'startWorkflow' ? (d.action.args?.[0] as { heal?: unknown } | undefined) : undefined;
  const recentRuns = d.info.recentActions.map((a) => ({
    workflowId: a.action.workflow.workflowId,
    runId: a.action.workflow.firstExecutionRunId,
    scheduledAt: a.scheduledAt.toISOString(),
    takenAt: a.takenAt.toISOString(),
  }));
  let lastHealth: string | null = null;
  for (const run of [...recentRuns].reverse()) {
    try {
      const w = await client.workflow.getHandle(run.workflowId, run.runId).describe();
      const h = w.typedSearchAttributes.get(CrossVpcHealth);
      if (h) {
        lastHealth = h;
        break;
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  const next = d.info.nextActionTimes[0];
  const last = d.info.recentActions[d.info.recentActions.length - 1];
  return {
    scheduleId,
    instanceId,
    paused: d.state.paused,
    note: d.state.note ?? null,
    every: intervals.length === 1 && first ? formatEvery(first.every) : null,
    heal: args?.heal === true,
    taskQueue: d.action.type === 'startWorkflow' ? d.action.taskQueue : null,
    overlap: String(d.policies.overlap),
    catchupWindowMs: d.policies.catchupWindow,
    nextRunAt: next ? next.toISOString() : null,
    lastRunAt: last ? last.takenAt.toISOString() : null,
    recentRuns,
    runningRuns: d.info.runningActions.map((a) => ({ workflowId: a.workflow.workflowId, runId: a.workflow.firstExecutionRunId })),
    lastHealth,
  };
}

export async function pauseReverifySchedule(client: Client, instanceId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(reverifyScheduleId(instanceId)).pause(note ?? 'paused via kafka-crossvpc');
}

export async function unpauseReverifySchedule(client: Client, instanceId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(reverifyScheduleId(instanceId)).unpause(note ?? 'unpaused via kafka-crossvpc');
}

export async function deleteReverifySchedule(client: Client, instanceId: string): Promise<void> {
  await client.schedule.getHandle(reverifyScheduleId(instanceId)).delete();
}

/** Runs one check now (honouring SKIP: nothing happens while a run of this schedule is still going). */
export async function triggerReverifySchedule(client: Client, instanceId: string): Promise<void> {
  await client.schedule.getHandle(reverifyScheduleId(instanceId)).trigger(ScheduleOverlapPolicy.SKIP);
}
