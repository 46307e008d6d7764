/**
 * The holder's side of the operation lock (workflow code): ask, wait for the answer, release. One
 * `LockClient` per workflow run (it installs the answer handler).
 */
import { CancellationScope, condition, getExternalWorkflowHandle, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createWorkflowRunActivities } from '../activities/workflow-runs.js';
import { lockAnswerSignal, lockReleaseSignal, lockWorkflowId, type LockAnswer, type LockHolderInfo, type LockMode, type LockOperation } from './lock-definitions.js';

/** A waiting request is sent again this often (the lock dedups), in case the lock workflow was restarted. */
const RESEND_MS = 60_000;

const { requestLock } = proxyActivities<ReturnType<typeof createWorkflowRunActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

export type Acquired = { granted: true; preempted: NonNullable<LockAnswer['preempted']> } | { granted: false; heldBy?: LockHolderInfo; timedOut?: boolean };

export interface AcquireOptions {
  mode: LockMode;
  /** Give up waiting after this long (`wait`/`preempt`). */
  waitMs: number;
  /** Called when the request has to wait behind a holder. */
  onQueued?: (heldBy: LockHolderInfo | undefined) => void;
}

export interface LockClient {
  acquire(key: string, operation: LockOperation, o: AcquireOptions): Promise<Acquired>;
  /** Releases (or withdraws) — never throws, never cancelled. */
  release(key: string): Promise<void>;
  /** Runs `fn` holding `key` (mode `wait`); releases afterwards whatever happens. */
  withLock<T>(key: string, operation: LockOperation, waitMs: number, fn: () => Promise<T>, onQueued?: AcquireOptions['onQueued']): Promise<T>;
}

export class LockWaitTimeout extends Error {
  override readonly name = 'LockWaitTimeout';
  constructor(
    readonly key: string,
    readonly heldBy: LockHolderInfo | undefined,
  ) {
    super(`the operation lock ${key} was not granted in time${heldBy ? ` (held by ${heldBy.operation} ${heldBy.workflowId})` : ''}`);
  }
}

export function createLockClient(): LockClient {
  const info = workflowInfo();
  const me = { workflowId: info.workflowId, runId: info.runId };
  const answers = new Map<string, LockAnswer>();
  setHandler(lockAnswerSignal, (a) => {
    answers.set(a.key, a);
  });

  const release = async (key: string): Promise<void> => {
    await CancellationScope.nonCancellable(async () => {
      try {
        await getExternalWorkflowHandle(lockWorkflowId(key, info.taskQueue)).signal(lockReleaseSignal, me);
      } catch {
        // The lock has ended (it noticed our close, or was never started): nothing to release.
      }
    });
  };

  const acquire = async (key: string, operation: LockOperation, o: AcquireOptions): Promise<Acquired> => {
    answers.delete(key);
    const deadline = Date.now() + o.waitMs;
    let heldBy: LockHolderInfo | undefined;
    try {
      for (;;) {
        await requestLock({ key, taskQueue: info.taskQueue, request: { holder: me, operation, mode: o.mode } });
        for (;;) {
          const left = deadline - Date.now();
          if (left <= 0) {
            await release(key);
            return { granted: false, ...(heldBy ? { heldBy } : {}), timedOut: true };
          }
          if (!(await condition(() => answers.has(key), Math.min(left, RESEND_MS)))) break; // re-send
          const a = answers.get(key);
          answers.delete(key);
          if (!a) continue;
          if (a.granted) return { granted: true, preempted: a.preempted ?? [] };
          if (a.queued) {
            heldBy = a.heldBy;
            o.onQueued?.(a.heldBy);
            continue;
          }
          return { granted: false, ...(a.heldBy ? { heldBy: a.heldBy } : {}) };
        }
      }
    } catch (err) {
      if (isCancellation(err)) await release(key); // withdraw the request (or release a grant in flight)
      throw err;
    }
  };

  return {
    acquire,
    release,
    async withLock(key, operation, waitMs, fn, onQueued) {
      const a = await acquire(key, operation, { mode: 'wait', waitMs, ...(onQueued ? { onQueued } : {}) });
      if (!a.granted) throw new LockWaitTimeout(key, a.heldBy);
      try {
        return await fn();
      } finally {
        await release(key);
      }
    },
  };
}
