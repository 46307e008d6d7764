/** Activity proxies with the option sets the workflows use. Workflow code. */
import { ActivityCancellationType, patched, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities, createVerifyActivities } from '../activities/index.js';
import type { Polling } from './polling-input.js';
import type { VerifyOptions } from './input.js';
import { ACTIVITY_SERVICE, CLOUD_SERVICES, cloudTaskQueue, verifyTaskQueue, type CloudService } from './task-queues.js';

/** Patch id: cloud activities run on their service's task queue (runs begun before stay on the main queue). */
export const CLOUD_QUEUES_PATCH = 'cloud-task-queues';

/**
 * Activity proxies whose cloud activities run on their service's queue (`<taskQueue>-cloud-<service>`, where a
 * worker may set a global rate: docs/decisions/rate-limit.md); the others on the workflow's own queue.
 */
function routedProxies<A extends object>(options: ActivityOptions, routed: boolean): ReturnType<typeof proxyActivities<A>> {
  const main = proxyActivities<A>(options);
  if (!routed) return main;
  const tq = workflowInfo().taskQueue;
  const byService = Object.fromEntries(CLOUD_SERVICES.map((s) => [s, proxyActivities<A>({ ...options, taskQueue: cloudTaskQueue(tq, s) })])) as Record<CloudService, typeof main>;
  return new Proxy(main, {
    get(target, name, receiver) {
      const service = typeof name === 'string' ? ACTIVITY_SERVICE[name] : undefined;
      return service ? Reflect.get(byService[service], name, receiver) : Reflect.get(target, name, receiver);
    },
  });
}

export type OtcActivities = ReturnType<typeof createActivities>;
export type VerifyActivities = ReturnType<typeof createVerifyActivities>;


export function otcProxies(t: Polling) {
  const routed = patched(CLOUD_QUEUES_PATCH);
  const base = {
    startToCloseTimeout: t.activityMs,
    heartbeatTimeout: t.heartbeatMs,
  };
  /**
   * Forward (create/modify) steps: wait for a cancelled attempt to really stop before the workflow moves on
   * to its compensation, so an undo never races an in-flight create.
   */
  const forward = routedProxies<OtcActivities>({
    ...base,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000), maximumAttempts: 8 },
  }, routed);
  /** Read-only looks (status polls): harmless to abandon on cancellation. */
  const look = routedProxies<OtcActivities>({
    ...base,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000), maximumAttempts: 8 },
  }, routed);
  /** Compensations: retried until they succeed or the compensation deadline passes. */
  const undo = routedProxies<OtcActivities>({
    ...base,
    scheduleToCloseTimeout: t.compensationDeadlineMs,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000) },
  }, routed);
  /**
   * Waits (`awaitSettled`): one attempt may last the whole wait (its deadline is the activity's own, counted from
   * the wait's start); a retried attempt resumes from its heartbeat details. On a rate-limited worker each look
   * is one attempt, so every look passes the queue's rate.
   */
  const wait = routedProxies<OtcActivities>({
    startToCloseTimeout: t.deadlineMs + t.activityMs,
    // Attempts are unbounded in number (on a rate-limited worker each look is an attempt), bounded in time.
    scheduleToCloseTimeout: t.deadlineMs + t.activityMs,
    heartbeatTimeout: t.heartbeatMs,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: t.retryInitialMs, backoffCoefficient: 2, maximumInterval: Math.max(t.retryInitialMs, 30_000) },
  }, routed);
  return { forward, look, undo, wait };
}

/** `taskQueue`: another verify queue than `<taskQueue>-verify` (a named access verifies per client VPC). */
export function verifyProxy(v: VerifyOptions, t: Polling, taskQueue?: string) {
  return proxyActivities<VerifyActivities>({
    taskQueue: taskQueue ?? verifyTaskQueue(workflowInfo().taskQueue),
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
