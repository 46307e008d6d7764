/**
 * How every cloud-calling activity runs: heartbeats, cancellation, per-call timeouts derived from the
 * attempt's own deadline, the ledger of mutations that got no answer, and the one mapping from the OTC
 * clients' typed errors to Temporal failures.
 *
 * Vocabulary: retryability and "not found" are decided once, in src/otc/errors.ts (`isNotFound` never counts
 * DMS flow control, sent as HTTP 404, as not found); failure type strings live in workflows/errors.ts.
 *
 * **Timeouts.** Each call's HTTP timeout is the time left in the attempt (start-to-close) minus a margin,
 * capped by the client's own timeout: a call always ends — with an answer or a timeout — before Temporal
 * gives up on the attempt, so no attempt is ever abandoned while its request may still be committing.
 *
 * **Mutations in doubt.** A mutation whose request may have reached the cloud without an answer (timeout,
 * reset, HTTP 504 from the gateway) is *in doubt*: the cloud may still commit it later. {@link CloudScope.mutate}
 * throws {@link InDoubtError}; activities that create return `{ state: 'in-doubt' }` so the workflow waits
 * (durably) for the late commit instead of creating a second copy. The ledger rides in the heartbeat
 * details, so a retried attempt (after a crash or a lost attempt) knows what its predecessor sent.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure, TemporalFailure } from '@temporalio/common';
import { z } from 'zod';
import { isNotFound, OtcApiError, OtcResponseShapeError, OtcTransportError } from '../src/otc/errors.js';
import type { CallOptions } from '../src/otc/transport.js';
import { ErrorTypes } from '../workflows/errors.js';
import { LEDGER_DETAIL } from '../workflows/ledger.js';

/** Margin between a call's HTTP timeout and the end of its attempt (at least, and as a share of the budget). */
const MIN_MARGIN_MS = 250;
const MARGIN_SHARE = 0.1;
/** A call never gets less than this, even late in an attempt (it then fails fast with a timeout). */
const MIN_CALL_MS = 200;

/** A mutation sent without an answer: `what` names the operation (e.g. `createEndpoint`). */
export interface Unanswered {
  what: string;
  sentAt: number;
}

const LedgerSchema = z.object({
  unanswered: z.array(z.object({ what: z.string(), sentAt: z.number() })).default([]),
  sending: z.object({ what: z.string(), sentAt: z.number() }).optional(),
  /** Results of read steps of earlier attempts ({@link CloudScope.step}), by key. */
  steps: z.record(z.string(), z.unknown()).optional(),
});
type Ledger = z.infer<typeof LedgerSchema>;

/** Thrown by {@link CloudScope.mutate} when the request may have been committed without an answer. */
export class InDoubtError extends Error {
  override readonly name = 'InDoubtError';
  constructor(
    readonly what: string,
    readonly sentAt: number,
    cause: unknown,
  ) {
    super(`${what}: no answer (${cause instanceof Error ? cause.message : String(cause)}); the cloud may still commit it`, { cause });
  }
}

/** The outcome of an `ensure…` activity: done, or a create in doubt (the workflow waits for a late commit). */
export type Ensured<T> = { state: 'done'; value: T } | { state: 'in-doubt'; what: string; sentAt: number };

export interface CloudScope {
  /** Options for a read: the cancellation signal (a cancel aborts it at once) and the derived timeout. */
  read(): CallOptions;
  /**
   * Runs a mutation to completion even when the activity is cancelled meanwhile (aborting would not stop the
   * cloud from committing it, and an undo that ran before the commit would miss it); checks for cancellation
   * before it starts. No answer → {@link InDoubtError}.
   */
  mutate<R>(what: string, op: (options: CallOptions) => Promise<R>): Promise<R>;
  /** Mutations earlier attempts of this activity sent without an answer. */
  readonly earlierUnanswered: readonly Unanswered[];
  /** This is the activity's first attempt: no earlier attempt of it can have sent anything to the cloud. */
  readonly firstAttempt: boolean;
  /**
   * A read step (one cloud call, JSON result) whose result is kept in the heartbeat details. With a per-attempt
   * budget ({@link CloudCallOptions.stepsPerAttempt}), a step past the budget ends the attempt with a benign
   * retryable {@link CONTINUE_IN_NEXT_ATTEMPT}, and the next attempt — a new task through the task queue and its
   * rate limit — takes the steps done from the details and goes on.
   */
  step<R>(key: string, read: () => Promise<R>): Promise<R>;
}

/**
 * Calls of its service one activity task on a rate-limited service queue makes at most: a look-up, then one
 * create/delete/change; a wait looks once per attempt; the baseline read goes on in the next attempt after this
 * many look-ups (docs/decisions/rate-limit.md).
 */
export const CALLS_PER_TASK = 2;

/** The benign "more in the next attempt" of an activity with a per-attempt step budget. */
export const CONTINUE_IN_NEXT_ATTEMPT = 'ContinueInNextAttempt';

export interface CloudCallOptions {
  /** At most this many {@link CloudScope.step}s run per attempt (unset: no budget). */
  stepsPerAttempt?: number;
}

/** Turns any error thrown by a client into an ApplicationFailure (cancellations pass through unchanged). */
export function toFailure(err: unknown): Error {
  if (err instanceof TemporalFailure) return err;
  if (err instanceof OtcApiError) {
    return ApplicationFailure.create({
      type: ErrorTypes.OtcApiError,
      message: err.describe() + (err.method && err.path ? ` (${err.method} ${err.path})` : ''),
      nonRetryable: !err.retryable,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
      details: [{ service: err.service, status: err.status, code: err.code, kind: err.kind, requestId: err.requestId ?? null }],
    });
  }
  if (err instanceof InDoubtError) {
    return ApplicationFailure.create({ type: ErrorTypes.OtcTransportError, message: err.message, nonRetryable: false, details: [{ what: err.what, sentAt: err.sentAt }] });
  }
  if (err instanceof OtcTransportError) {
    return ApplicationFailure.create({
      type: ErrorTypes.OtcTransportError,
      message: err.message,
      nonRetryable: false,
      details: [{ service: err.service, kind: err.kind, code: err.code ?? null }],
    });
  }
  if (err instanceof OtcResponseShapeError) {
    return ApplicationFailure.create({ type: ErrorTypes.OtcResponseShapeError, message: err.message, nonRetryable: true });
  }
  if (err instanceof Error) {
    // Unknown errors: a bug or an unexpected condition; retried by the policy, typed by class name.
    return ApplicationFailure.create({ type: err.name || 'Error', message: err.message, nonRetryable: false });
  }
  return ApplicationFailure.create({ type: 'Error', message: String(err), nonRetryable: false });
}

/**
 * Did the request possibly reach the cloud without us seeing the answer? Refused connections and DNS failures
 * never sent it; a timeout, a reset, or a gateway timeout (504) may have.
 */
export function mayHaveCommitted(err: unknown): boolean {
  if (err instanceof OtcTransportError) return !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(err.code ?? '');
  if (err instanceof OtcApiError) return err.status === 504 || err.code.toUpperCase() === 'ENDPOINT.0013';
  return false;
}

/** Runs a delete through `scope.mutate`; a 404 means it is already gone, which is what the caller wanted. */
export async function deleteIgnoringNotFound(scope: CloudScope, what: string, del: (options: CallOptions) => Promise<unknown>): Promise<void> {
  try {
    await scope.mutate(what, del);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** The HTTP timeout for a call made now: the attempt's time left minus a margin. */
export function callTimeoutMs(startToCloseMs: number, attemptStartedAt: number, now: number): number {
  const margin = Math.max(MIN_MARGIN_MS, startToCloseMs * MARGIN_SHARE);
  return Math.max(MIN_CALL_MS, Math.round(attemptStartedAt + startToCloseMs - margin - now));
}


/** A failure after a mutation without an answer says so, so the workflow knows the cloud may hold its result. */
function withLedger(failure: Error, ledger: Ledger): Error {
  const open = [...ledger.unanswered, ...(ledger.sending ? [ledger.sending] : [])];
  if (open.length === 0 || !(failure instanceof ApplicationFailure)) return failure;
  return ApplicationFailure.create({
    type: failure.type ?? 'Error',
    message: failure.message,
    nonRetryable: failure.nonRetryable === true,
    ...(failure.nextRetryDelay !== undefined && failure.nextRetryDelay !== null ? { nextRetryDelay: failure.nextRetryDelay } : {}),
    details: [...(failure.details ?? []), { [LEDGER_DETAIL]: open }],
  });
}

function ledgerOf(details: unknown): Ledger {
  const r = LedgerSchema.safeParse(details);
  return r.success ? r.data : { unanswered: [] };
}

/**
 * Runs `fn` while heartbeating (every second, or a third of the heartbeat timeout when shorter). Client
 * errors become ApplicationFailures via {@link toFailure}; a cancellation surfaces as the CancelledFailure.
 */
export async function cloudCall<T>(fn: (scope: CloudScope) => Promise<T>, options: CloudCallOptions = {}): Promise<T> {
  const ctx = Context.current();
  const info = ctx.info;
  const attemptStartedAt = Date.now();
  const budget = info.startToCloseTimeoutMs;
  const previous = ledgerOf(info.heartbeatDetails);
  const earlierUnanswered = [...previous.unanswered, ...(previous.sending ? [previous.sending] : [])];
  const ledger: Ledger = { unanswered: [...earlierUnanswered], ...(previous.steps ? { steps: { ...previous.steps } } : {}) };
  let stepsRun = 0;
  // A copy: the ledger changes right after a beat, and the SDK may encode the details later.
  const beat = (): void =>
    ctx.heartbeat({ unanswered: [...ledger.unanswered], ...(ledger.sending ? { sending: { ...ledger.sending } } : {}), ...(ledger.steps ? { steps: { ...ledger.steps } } : {}) });
  const cancelled = (): CancelledFailure => {
    const reason: unknown = ctx.cancellationSignal.reason;
    return reason instanceof CancelledFailure ? reason : new CancelledFailure(String(reason ?? 'cancelled'));
  };
  const timeoutMs = (): number => callTimeoutMs(budget, attemptStartedAt, Date.now());
  const scope: CloudScope = {
    read: () => ({ signal: ctx.cancellationSignal, timeoutMs: timeoutMs() }),
    async mutate(what, op) {
      if (ctx.cancellationSignal.aborted) throw cancelled();
      const sending = { what, sentAt: Date.now() };
      ledger.sending = sending;
      beat();
      // Answered (with a result or an error the cloud sent): the ledger says so at once. Otherwise a failure
      // right after — a read-back that disagrees, DMS.00400026 — leaves the last heartbeat saying "sending",
      // and the next attempt would take an answered mutation for one in doubt and wait for a commit that
      // never comes.
      try {
        const r = await op({ timeoutMs: timeoutMs() });
        delete ledger.sending;
        beat();
        return r;
      } catch (err) {
        delete ledger.sending;
        if (mayHaveCommitted(err)) {
          ledger.unanswered.push(sending);
          beat();
          throw new InDoubtError(what, sending.sentAt, err);
        }
        beat();
        throw err;
      }
    },
    earlierUnanswered,
    firstAttempt: info.attempt === 1 && earlierUnanswered.length === 0,
    async step<R>(key: string, read: () => Promise<R>): Promise<R> {
      if (ledger.steps && key in ledger.steps) return ledger.steps[key] as R;
      if (options.stepsPerAttempt !== undefined && stepsRun >= options.stepsPerAttempt) {
        beat();
        throw ApplicationFailure.create({
          type: CONTINUE_IN_NEXT_ATTEMPT,
          message: `${stepsRun} look-ups done in this attempt (the per-attempt budget of a rate-limited worker); going on in the next`,
          nonRetryable: false,
          nextRetryDelay: 1,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      stepsRun += 1;
      const r = await read();
      ledger.steps = { ...ledger.steps, [key]: r };
      beat();
      return r;
    },
  };
  // No heartbeat right away: the first one is sent unthrottled, so it should be the one that says "sending a
  // create" (heartbeats after it are throttled to most of the heartbeat timeout, and a crash in that window
  // would lose the ledger). The timer keeps the activity alive when no mutation comes.
  const everyMs = Math.max(100, Math.min(1_000, Math.floor((info.heartbeatTimeoutMs ?? 3_000) / 3)));
  const timer = setInterval(beat, everyMs);
  try {
    const result = await fn(scope);
    if (ctx.cancellationSignal.aborted) throw cancelled();
    return result;
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw cancelled();
    throw withLedger(toFailure(err), ledger);
  } finally {
    clearInterval(timer);
  }
}

/**
 * The create step of an `ensure…` activity: an earlier attempt's create of the same kind still in doubt →
 * in doubt (never a second create); else create, and an unanswered create → in doubt.
 */
export async function createOnce<T>(scope: CloudScope, what: string, create: (options: CallOptions) => Promise<T>): Promise<Ensured<T>> {
  const earlier = scope.earlierUnanswered.find((u) => u.what === what);
  if (earlier) return { state: 'in-doubt', what, sentAt: earlier.sentAt };
  try {
    return { state: 'done', value: await scope.mutate(what, create) };
  } catch (err) {
    if (err instanceof InDoubtError) return { state: 'in-doubt', what, sentAt: err.sentAt };
    throw err;
  }
}
