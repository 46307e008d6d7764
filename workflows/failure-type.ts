/** What a failure tells the workflow: its meaningful type, and whether the cloud may hold its effect (pure). */
import { ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { LEDGER_DETAIL } from './ledger.js';
import { ErrorTypes } from './errors.js';

/** The innermost ApplicationFailure type; a port's rollback wrapper carries the real cause type in its details. */
export function failureType(err: unknown): string | undefined {
  let found: string | undefined;
  let e: unknown = err;
  for (let i = 0; i < 6 && e instanceof Error; i += 1) {
    if (e instanceof ApplicationFailure && e.type) {
      found = e.type;
      const d = e.details?.[0] as { causeType?: unknown } | undefined;
      if ((e.type === ErrorTypes.PortRolledBack || e.type === ErrorTypes.CompensationFailed) && d && typeof d.causeType === 'string') return d.causeType;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}

/**
 * Could the failed activity have left something in the cloud? Only when a mutation of it (this attempt or an
 * earlier one) went without an answer: the failure then carries the ledger (activities/cloud-call.ts), or the
 * attempt timed out and its last heartbeat shows a mutation being sent. A failure before any mutation, or after a
 * definite refusal, created nothing.
 */
export function mayHaveMutated(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i += 1) {
    if (e instanceof ApplicationFailure && (e.details ?? []).some((d) => typeof d === 'object' && d !== null && LEDGER_DETAIL in d)) return true;
    if (e instanceof TimeoutFailure) {
      const hb = e.lastHeartbeatDetails as { sending?: unknown; unanswered?: unknown[] } | undefined;
      if (hb && (hb.sending !== undefined || (Array.isArray(hb.unanswered) && hb.unanswered.length > 0))) return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
