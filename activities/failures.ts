/**
 * One mapping from the OTC clients' typed errors to Temporal failures, and the heartbeat/cancellation
 * wrapper every cloud-calling activity runs in.
 *
 * Retryability is never decided here: it comes from the typed error (`retryable`, `retryAfterMs`), decided
 * once in src/otc/errors.ts. The only local decision is in callers that know a specific code is transient
 * for their purpose (e.g. EndPoint.3006 while endpoints are still deleting).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, TemporalFailure } from '@temporalio/common';
import { OtcApiError, OtcResponseShapeError, OtcTransportError } from '../src/otc/errors.js';

/** Turns any error thrown by a client into an ApplicationFailure (cancellations pass through unchanged). */
export function toFailure(err: unknown): Error {
  if (err instanceof TemporalFailure) return err;
  if (err instanceof OtcApiError) {
    return ApplicationFailure.create({
      type: 'OtcApiError',
      message: err.describe() + (err.method && err.path ? ` (${err.method} ${err.path})` : ''),
      nonRetryable: !err.retryable,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
      details: [{ service: err.service, status: err.status, code: err.code, kind: err.kind, requestId: err.requestId ?? null }],
    });
  }
  if (err instanceof OtcTransportError) {
    return ApplicationFailure.create({
      type: 'OtcTransportError',
      message: err.message,
      nonRetryable: false,
      details: [{ service: err.service, kind: err.kind, code: err.code ?? null }],
    });
  }
  if (err instanceof OtcResponseShapeError) {
    return ApplicationFailure.create({ type: 'OtcResponseShapeError', message: err.message, nonRetryable: true });
  }
  if (err instanceof Error) {
    // Unknown errors: a bug or an unexpected condition; retried by the policy, typed by class name.
    return ApplicationFailure.create({ type: err.name || 'Error', message: err.message, nonRetryable: false });
  }
  return ApplicationFailure.create({ type: 'Error', message: String(err), nonRetryable: false });
}

export function isApiError(err: unknown, predicate: (e: OtcApiError) => boolean): err is OtcApiError {
  return err instanceof OtcApiError && predicate(err);
}

export function isNotFound(err: unknown): boolean {
  return isApiError(err, (e) => e.status === 404 || e.kind === 'not-found');
}

/** Runs a delete through `mutate`; a 404 means it is already gone, which is what the caller wanted. */
export async function deleteIgnoringNotFound(mutate: Mutate, del: () => Promise<unknown>): Promise<void> {
  try {
    await mutate(del);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function hasCode(err: unknown, code: string): boolean {
  return isApiError(err, (e) => e.code.toUpperCase() === code.toUpperCase());
}

/**
 * Runs a mutating call to completion even when the activity is cancelled meanwhile: aborting the HTTP
 * request would not stop the cloud from committing it, and a compensation that ran before that commit
 * would miss the resource. Checks for cancellation before it starts.
 */
export type Mutate = <R>(op: () => Promise<R>) => Promise<R>;

/**
 * Runs `fn` while heartbeating. `signal` (the activity's cancellation signal) is for reads: a cancel aborts
 * them at once. Mutations go through `mutate`, which never aborts an in-flight call (see {@link Mutate});
 * the cancellation is honoured as soon as it returns. Client errors become ApplicationFailures via
 * {@link toFailure}.
 */
export async function cloudCall<T>(fn: (signal: AbortSignal, mutate: Mutate) => Promise<T>, heartbeatEveryMs = 1_000): Promise<T> {
  const ctx = Context.current();
  const cancelled = (): CancelledFailure => {
    const reason: unknown = ctx.cancellationSignal.reason;
    return reason instanceof CancelledFailure ? reason : new CancelledFailure(String(reason ?? 'cancelled'));
  };
  const mutate: Mutate = async (op) => {
    if (ctx.cancellationSignal.aborted) throw cancelled();
    return op();
  };
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), heartbeatEveryMs);
  try {
    const result = await fn(ctx.cancellationSignal, mutate);
    if (ctx.cancellationSignal.aborted) throw cancelled();
    return result;
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw cancelled();
    throw toFailure(err);
  } finally {
    clearInterval(timer);
  }
}
