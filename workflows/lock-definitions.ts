/**
 * The operation lock: at most one mutating operation (provisioning, teardown, heal) per instance, and one
 * "ensure or remove the shared 9011 rule" per security group, at a time. Shapes, signals and ids. Pure.
 *
 * A lock is a workflow `crossvpc-lock-<key>@<taskQueue>` (type `crossVpcOperationLock`, keys `instance-<instanceId>` and
 * `sg-<securityGroupId>`), started on the first request (signal-with-start) and ending when idle. A holder is a
 * workflow run; it holds the lock until it releases it or closes (the lock watches it), so a terminated
 * holder never blocks the instance. See docs/decisions/operation-lock.md for the per-pair policy.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const LOCK_WORKFLOW_TYPE = 'crossVpcOperationLock';

export type LockOperation = 'provision' | 'teardown' | 'heal' | 'security-group-rule';

/**
 * `wait`: queue until granted. `try`: granted only when free, else refused at once. `preempt`: the teardown's
 * mode — a running or queued provisioning or heal is cancelled (it rolls back) and the teardown goes first.
 */
export type LockMode = 'wait' | 'try' | 'preempt';

export interface LockHolderRef {
  workflowId: string;
  runId: string;
}

export interface LockRequest {
  holder: LockHolderRef;
  operation: LockOperation;
  mode: LockMode;
}

export interface LockHolderInfo extends LockHolderRef {
  operation: LockOperation;
  /** Workflow time (ms) the lock was granted. */
  since: number;
}

/** The lock's answer, signalled to the requesting run. */
export interface LockAnswer {
  key: string;
  granted: boolean;
  /** Not granted yet: the request waits in the queue (`wait`, `preempt`); a grant follows. */
  queued?: boolean;
  /** Who holds the lock when refused (`try`) or queued. */
  heldBy?: LockHolderInfo;
  /** Operations the lock cancelled for a `preempt` request (they roll back before the grant). */
  preempted?: (LockHolderRef & { operation: LockOperation })[];
}

export interface LockState {
  key: string;
  holder: LockHolderInfo | null;
  queue: LockRequest[];
}

export const lockRequestSignal = defineSignal<[LockRequest]>('crossvpcLockRequest');
/** Release (by the holder), or withdraw a queued request. */
export const lockReleaseSignal = defineSignal<[LockHolderRef]>('crossvpcLockRelease');
/** Sent by the lock to a requester: granted, refused, or (preempt) what was cancelled first. */
export const lockAnswerSignal = defineSignal<[LockAnswer]>('crossvpcLockAnswer');
export const lockStateQuery = defineQuery<LockState>('lockState');

/**
 * `crossvpc-lock-<key>@<taskQueue>`: a lock runs on the task queue of the workers that use it (so a lock is
 * never stranded on a queue no worker polls any more). Operations on one instance from workers of another task
 * queue are not serialized by it (a second deployment in the same namespace; the access workflow ids still are).
 */
export function lockWorkflowId(key: string, taskQueue: string): string {
  return `crossvpc-lock-${key}@${taskQueue}`;
}

export function instanceLockKey(instanceId: string): string {
  return `instance-${instanceId}`;
}

export function securityGroupLockKey(securityGroupId: string): string {
  return `sg-${securityGroupId}`;
}
