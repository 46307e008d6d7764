/**
 * Where the wall time of one access goes: the histories of the access and its port children as one timeline
 * (milliseconds since the access started), and a summary of the gaps between the cloud's own work and ours.
 * Used by bench/provisioning-scale.ts (`--timeline`); a diagnostic, not a figure of its own.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface TimelineLine {
  atMs: number;
  workflow: string;
  what: string;
}

export interface WorkflowSpan {
  workflow: string;
  startMs: number;
  endMs: number;
  /** Per activity (scheduled order): scheduled, started and closed offsets and the attempt. */
  activities: { name: string; scheduledMs: number; startedMs: number | null; closedMs: number | null; attempt: number }[];
  /** Time workflow tasks spent scheduled but not started (in the task queue, until a worker's poll took them). */
  taskQueueWaitMs: number;
  /** Time workflow tasks spent started but not completed (the worker running the activation and answering). */
  taskRunMs: number;
  workflowTasks: number;
}

const ms = (e: HistoryEvent): number => {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;
};

function spanOf(workflow: string, events: HistoryEvent[], origin: number): { span: WorkflowSpan; lines: TimelineLine[] } {
  const lines: TimelineLine[] = [];
  const activities: WorkflowSpan['activities'] = [];
  const byScheduled = new Map<string, WorkflowSpan['activities'][number]>();
  const wftScheduled = new Map<string, number>();
  const wftStarted = new Map<string, number>();
  let taskQueueWaitMs = 0;
  let taskRunMs = 0;
  let workflowTasks = 0;
  const at = (e: HistoryEvent): number => ms(e) - origin;
  for (const e of events) {
    const id = String(e.eventId ?? '');
    const type = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
    if (e.workflowTaskScheduledEventAttributes) wftScheduled.set(id, at(e));
    if (e.workflowTaskStartedEventAttributes) {
      workflowTasks += 1;
      taskQueueWaitMs += at(e) - (wftScheduled.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId ?? '')) ?? at(e));
      wftStarted.set(id, at(e));
    }
    const wftDone = e.workflowTaskCompletedEventAttributes ?? e.workflowTaskFailedEventAttributes ?? e.workflowTaskTimedOutEventAttributes;
    if (wftDone) taskRunMs += at(e) - (wftStarted.get(String(wftDone.startedEventId ?? '')) ?? at(e));
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched) {
      const a = { name: sched.activityType?.name ?? '?', scheduledMs: at(e), startedMs: null, closedMs: null, attempt: 1 };
      activities.push(a);
      byScheduled.set(id, a);
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const a = byScheduled.get(String(started.scheduledEventId ?? ''));
      if (a) {
        a.startedMs = at(e);
        a.attempt = started.attempt ?? 1;
      }
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) {
      const a = byScheduled.get(String(closed.scheduledEventId ?? ''));
      if (a) a.closedMs = at(e);
    }
    if (!type.startsWith('EVENT_TYPE_WORKFLOW_TASK')) lines.push({ atMs: at(e), workflow, what: `${type.replace('EVENT_TYPE_', '')}${sched ? ` ${sched.activityType?.name}` : ''}${started && (started.attempt ?? 1) > 1 ? ` attempt ${started.attempt}` : ''}` });
  }
  const first = events[0];
  const last = events.at(-1);
  return { span: { workflow, startMs: first ? at(first) : 0, endMs: last ? at(last) : 0, activities, taskQueueWaitMs, taskRunMs, workflowTasks }, lines };
}

/**
 * The timeline of an access (parent `workflowId`) and the given port children, in ms since `originMs` (epoch ms;
 * default: the access's start).
 */
export async function accessTimeline(client: Client, workflowId: string, childIds: string[], originMs?: number): Promise<{ spans: WorkflowSpan[]; lines: TimelineLine[] }> {
  const parent = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const origin = originMs ?? (parent[0] ? ms(parent[0]) : 0);
  const all = [spanOf('access', parent, origin)];
  for (const id of childIds) all.push(spanOf(id.slice(id.lastIndexOf('/') + 1), (await client.workflow.getHandle(id).fetchHistory()).events ?? [], origin));
  return { spans: all.map((x) => x.span), lines: all.flatMap((x) => x.lines).sort((a, b) => a.atMs - b.atMs) };
}

/** A short text: per workflow, its span and activities (scheduled → started → closed). */
export function renderTimeline(spans: WorkflowSpan[]): string {
  return spans
    .map((s) => {
      const acts = s.activities.map((a) => `${a.name}@${a.scheduledMs}→${a.startedMs ?? '-'}→${a.closedMs ?? '-'}${a.attempt > 1 ? `#${a.attempt}` : ''}`).join(' ');
      return `${s.workflow}: ${s.startMs}–${s.endMs} ms, ${s.workflowTasks} tasks, in the task queue ${s.taskQueueWaitMs} ms, running ${s.taskRunMs} ms | ${acts}`;
    })
    .join('\n');
}
