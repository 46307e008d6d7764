/** Activity proxies with the option sets the workflows use. Workflow code. */
import { ActivityCancellationType, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities, createVerifyActivities } from '../activities/index.js';
import type { Polling, VerifyOptions } from './input.js';
import { verifyTaskQueue } from './task-queues.js';

export type OtcActivities = ReturnType<typeof createActivities>;
export type VerifyActivities = ReturnType<typeof createVerifyActivities>;


export function otcProxies(t: Polling) {
  const base = {
    startToCloseTimeout: t.activityMs,
    heartbeatTimeout: t.heartbeatMs,
  };
  /**
   * Forward (create/modify) steps: wait for a cancelled attempt to really stop before the workflow moves on
   * to its compensation, so an undo never races an in-flight create.
   */
  const forward = proxyActivities<OtcActivities>({
    ...base,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000), maximumAttempts: 8 },
  });
  /** Read-only looks (status polls): harmless to abandon on cancellation. */
  const look = proxyActivities<OtcActivities>({
    ...base,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000), maximumAttempts: 8 },
  });
  /** Compensations: retried until they succeed or the compensation deadline passes. */
  const undo = proxyActivities<OtcActivities>({
    ...base,
    scheduleToCloseTimeout: t.compensationDeadlineMs,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000) },
  });
  /**
   * Waits (`awaitSettled`): one attempt may last the whole wait (its deadline is the activity's own, counted from
   * the wait's start); a retried attempt resumes from its heartbeat details.
   */
  const wait = proxyActivities<OtcActivities>({
    startToCloseTimeout: t.deadlineMs + t.activityMs,
    heartbeatTimeout: t.heartbeatMs,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000), maximumAttempts: 8 },
  });
  return { forward, look, undo, wait };
}

export function verifyProxy(v: VerifyOptions, t: Polling) {
  return proxyActivities<VerifyActivities>({
    taskQueue: verifyTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: v.timeoutMs + 30_000,
    // The verify worker may not run yet: allow it some time to pick the task up.
    scheduleToStartTimeout: Math.max(60_000, t.activityMs),
    heartbeatTimeout: Math.max(t.heartbeatMs, 5_000),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 10_000, maximumAttempts: v.attempts },
  });
}

/** A proxied set of the OTC activities (what workflow code calls). */
export type OtcProxy = ReturnType<typeof otcProxies>['undo'];
