/**
 * Activities on Temporal itself (through the worker's own client, `Context.current().client`): look at a
 * workflow run, ask an operation lock for the instance or security group (signal-with-start), and wait for a
 * lock holder to close. Used by the lock workflow (workflows/lock-workflow.ts) and its holders.
 */
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { instanceLockKey, LOCK_WORKFLOW_TYPE, lockRequestSignal, lockWorkflowId, type LockRequest } from '../workflows/lock-definitions.js';

export interface WorkflowRunState {
  /** `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TERMINATED`, `TIMED_OUT`, `CONTINUED_AS_NEW`, or `NOT_FOUND`. */
  status: string;
  runId?: string;
}

export function createWorkflowRunActivities() {
  return {
    /** The state of the latest run of a workflow id. */
    async describeWorkflowRun(args: { workflowId: string }): Promise<WorkflowRunState> {
      try {
        const d = await Context.current().client.workflow.getHandle(args.workflowId).describe();
        return { status: d.status.name, runId: d.runId };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND' };
        throw err;
      }
    },

    /** Sends a lock request, starting the lock workflow of `key` when none runs (idempotent: the lock dedups). */
    async requestLock(args: { key: string; taskQueue: string; request: LockRequest }): Promise<void> {
      await Context.current().client.workflow.signalWithStart(LOCK_WORKFLOW_TYPE, {
        workflowId: lockWorkflowId(args.key, args.taskQueue),
        taskQueue: args.taskQueue,
        args: [{ key: args.key }],
        signal: lockRequestSignal,
        signalArgs: [args.request],
        staticSummary: `kafka-crossvpc operation lock ${args.key}`,
      });
    },

    /** Returns when the run has closed (any way: completed, failed, cancelled, terminated, timed out). */
    async awaitWorkflowClose(args: { workflowId: string; runId: string }): Promise<{ status: string }> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 2_000);
      try {
        const handle = ctx.client.workflow.getHandle(args.workflowId, args.runId, { followRuns: false });
        // Failed, cancelled, terminated and timed-out runs surface as WorkflowFailedError; anything else (the
        // server unreachable, say) fails the attempt and is retried.
        const closed = handle.result().then(
          () => 'COMPLETED',
          (err: unknown) => {
            if (err instanceof WorkflowFailedError) return 'CLOSED';
            if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
            throw err;
          },
        );
        const aborted = new Promise<never>((_, reject) => ctx.cancellationSignal.addEventListener('abort', () => reject(ctx.cancellationSignal.reason as Error), { once: true }));
        return { status: await Promise.race([closed, aborted]) };
      } finally {
        clearInterval(beat);
      }
    },
  };
}

/** Whether an operation of kafka-crossvpc is running on (or queued for) the instance: its lock workflow runs. */
export async function operationRunning(instanceId: string): Promise<boolean> {
  const ctx = Context.current();
  try {
    const d = await ctx.client.workflow.getHandle(lockWorkflowId(instanceLockKey(instanceId), ctx.info.taskQueue)).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
