/**
 * Holding the instance for a provisioning (workflow code), shared by the IP access and the named access, so
 * both queue and refuse in the same words.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AccessProgressTracker } from './access-progress.js';
import { ErrorTypes } from './errors.js';
import type { LockClient } from './lock.js';
import { instanceLockKey } from './lock-definitions.js';

/**
 * Waits (at most `waitMs`) for the instance's lock as a provisioning; while queued the progress says who holds it.
 * Throws `AccessBusy` when the wait ends without the lock: nothing was created.
 */
export async function holdTheInstance(locks: LockClient, instanceId: string, waitMs: number, progress: AccessProgressTracker): Promise<true> {
  const a = await locks.acquire(instanceLockKey(instanceId), 'provision', {
    mode: 'wait',
    waitMs,
    onQueued: (h) => {
      progress.set('waitingFor', h ? `${h.operation} ${h.workflowId} holds it` : 'another operation holds it');
      progress.phase('waiting-for-lock');
    },
  });
  if (!a.granted) {
    throw ApplicationFailure.create({
      type: ErrorTypes.AccessBusy,
      nonRetryable: true,
      message: `instance ${instanceId} is busy${a.heldBy ? ` (${a.heldBy.operation} ${a.heldBy.workflowId})` : ''} for more than ${waitMs} ms; nothing was created`,
    });
  }
  return true;
}
