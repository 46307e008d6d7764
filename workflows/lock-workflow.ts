/**
 * `crossVpcOperationLock` (workflow id `crossvpc-lock-<key>`): a FIFO lock whose holders are workflow runs.
 *
 *  - requests arrive by signal-with-start (activities/workflow-runs.ts `requestLock`); a request already queued
 *    or holding is not queued twice (requests are re-sent while waiting, in case the lock was restarted);
 *  - the head of the queue is granted by a signal to its run; the lock then watches the holder
 *    (`awaitWorkflowClose`), so a holder that is terminated or crashes out releases it by closing;
 *  - `try` requests are refused at once when the lock is held or queued; `preempt` (teardown) cancels a
 *    holding or queued provisioning/heal and goes to the front;
 *  - the workflow ends when idle (a new request starts a new run) and continues-as-new on long histories.
 */
import {
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createWorkflowRunActivities } from '../activities/workflow-runs.js';
import {
  lockAnswerSignal,
  lockReleaseSignal,
  lockRequestSignal,
  lockStateQuery,
  type LockAnswer,
  type LockHolderInfo,
  type LockHolderRef,
  type LockOperation,
  type LockRequest,
} from './lock-definitions.js';

export interface LockInput {
  key: string;
  /** Carried over by continue-as-new. */
  carried?: { holder: LockHolderInfo | null; queue: LockRequest[] };
}

const { awaitWorkflowClose } = proxyActivities<ReturnType<typeof createWorkflowRunActivities>>({
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

const same = (a: LockHolderRef, b: LockHolderRef): boolean => a.workflowId === b.workflowId && a.runId === b.runId;
const preemptible = (op: LockOperation): boolean => op === 'provision' || op === 'heal';

export async function crossVpcOperationLock(input: LockInput): Promise<void> {
  const { key } = input;
  let holder: LockHolderInfo | null = input.carried?.holder ?? null;
  const queue: LockRequest[] = [...(input.carried?.queue ?? [])];
  const outbox: { to: LockHolderRef; answer: LockAnswer }[] = [];
  const toCancel: LockHolderRef[] = [];
  const preemptedFor = new Map<string, NonNullable<LockAnswer['preempted']>>();
  let released = false;
  let closed = false;
  let watcher: CancellationScope | undefined;
  const refKey = (r: LockHolderRef): string => `${r.workflowId}\u0000${r.runId}`;

  setHandler(lockStateQuery, () => ({ key, holder, queue }));

  setHandler(lockRequestSignal, (r) => {
    if (holder && same(holder, r.holder)) {
      outbox.push({ to: r.holder, answer: { key, granted: true } }); // a re-sent request: grant again
      return;
    }
    if (queue.some((q) => same(q.holder, r.holder))) return;
    const busy = holder ?? undefined;
    if (r.mode === 'try' && (holder || queue.length > 0)) {
      outbox.push({ to: r.holder, answer: { key, granted: false, ...(busy ? { heldBy: busy } : {}) } });
      return;
    }
    if (r.mode === 'preempt') {
      const preempted: NonNullable<LockAnswer['preempted']> = [];
      if (holder && preemptible(holder.operation)) {
        toCancel.push(holder);
        preempted.push({ workflowId: holder.workflowId, runId: holder.runId, operation: holder.operation });
      }
      for (let i = queue.length - 1; i >= 0; i -= 1) {
        const q = queue[i];
        if (q && preemptible(q.operation)) {
          toCancel.push(q.holder);
          preempted.push({ ...q.holder, operation: q.operation });
          queue.splice(i, 1);
        }
      }
      preemptedFor.set(refKey(r.holder), preempted);
      // First among the waiting (behind other teardowns), so nothing re-creates the access before it.
      const at = queue.findIndex((q) => q.mode !== 'preempt');
      queue.splice(at < 0 ? queue.length : at, 0, r);
    } else {
      queue.push(r);
    }
    if (holder) outbox.push({ to: r.holder, answer: { key, granted: false, queued: true, heldBy: holder } });
  });

  setHandler(lockReleaseSignal, (r) => {
    if (holder && same(holder, r)) released = true;
    const i = queue.findIndex((q) => same(q.holder, r));
    if (i >= 0) queue.splice(i, 1);
  });

  for (;;) {
    while (outbox.length > 0) {
      const m = outbox.shift();
      if (!m) break;
      try {
        await getExternalWorkflowHandle(m.to.workflowId, m.to.runId).signal(lockAnswerSignal, m.answer);
      } catch {
        // The requester has closed: a grant to it is void.
        if (m.answer.granted && holder && same(holder, m.to)) closed = true;
        const i = queue.findIndex((q) => same(q.holder, m.to));
        if (i >= 0) queue.splice(i, 1);
      }
    }
    while (toCancel.length > 0) {
      const c = toCancel.shift();
      if (!c) break;
      try {
        await getExternalWorkflowHandle(c.workflowId, c.runId).cancel();
      } catch {
        // already closed
      }
    }
    if (holder && (released || closed)) {
      watcher?.cancel();
      watcher = undefined;
      holder = null;
    }
    released = false;
    closed = false;
    if (!holder) {
      const next = queue.shift();
      if (next) {
        const h: LockHolderInfo = { ...next.holder, operation: next.operation, since: Date.now() };
        holder = h;
        const scope = new CancellationScope();
        watcher = scope;
        scope
          .run(() => awaitWorkflowClose({ workflowId: h.workflowId, runId: h.runId }))
          .then(
            () => {
              if (holder && same(holder, h)) closed = true;
            },
            (err: unknown) => {
              if (!isCancellation(err) && holder && same(holder, h)) closed = true;
            },
          );
        const preempted = preemptedFor.get(refKey(h));
        preemptedFor.delete(refKey(h));
        outbox.push({ to: h, answer: { key, granted: true, ...(preempted?.length ? { preempted } : {}) } });
        continue;
      }
      if (outbox.length === 0 && toCancel.length === 0) return; // idle: the next request starts a new run
      continue;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5_000) {
      watcher?.cancel();
      await continueAsNew<typeof crossVpcOperationLock>({ key, carried: { holder, queue } });
    }
    await condition(() => outbox.length > 0 || toCancel.length > 0 || released || closed);
  }
}
