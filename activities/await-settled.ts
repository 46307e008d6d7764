/**
 * Waiting for an endpoint service or endpoint to settle: one heartbeating activity per wait, looking (GET by id)
 * on the schedule of activities/wait-schedule.ts — dense around the settle time this worker has seen for the
 * kind, sparse away from it — so a wait costs three history events whatever its length and is noticed within one
 * step of the settle. Its progress (looks, last look) rides in the heartbeat details: a retried attempt (a worker
 * crash, a failed look) resumes the schedule where the last one stood, and the deadline counts from the wait's
 * start in the workflow, not from the attempt. docs/decisions/waiting.md.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import { isNotFound } from '../src/otc/errors.js';
import { ErrorTypes } from '../workflows/errors.js';
import type { Clients } from './clients.js';
import { callTimeoutMs, toFailure } from './cloud-call.js';
import { SettleEstimates } from './settle-estimates.js';
import type { AwaitSettledArgs, Settled } from './types.js';
import { MIN_GAP_MS, nextLookAt, type WaitPlan } from './wait-schedule.js';

const ProgressSchema = z.object({ looks: z.number().int().min(0), lastLookMs: z.number().nullable(), pendingAtMs: z.number() });
/** The heartbeat details of a wait: how many looks, when the last one was and when it last saw the resource pending. */
export type WaitProgress = z.infer<typeof ProgressSchema>;

/** Longest sleep between two re-plans: a window learned meanwhile (another port settled) is taken up soon. */
const REPLAN_MS = 1_000;

/** The retryable "not yet" of a wait that looks once per attempt (BENIGN: logged at debug, not as a failure). */
export const STILL_WAITING = 'StillWaiting';

export interface AwaitOptions {
  /**
   * One look per attempt: a pending look ends the attempt with a retryable, benign {@link STILL_WAITING} whose
   * `nextRetryDelay` is the schedule's next gap, so every look is an activity task and passes the task queue's
   * rate limit (docs/decisions/rate-limit.md). Progress then comes from the attempt (the server's retry is the gap).
   */
  lookPerAttempt?: boolean;
}

export function createAwaitActivities(clients: Clients, estimates: SettleEstimates = new SettleEstimates(), options: AwaitOptions = {}) {
  async function lookOnce(args: AwaitSettledArgs, signal: AbortSignal, timeoutMs: number): Promise<Omit<Settled, 'looks' | 'waitedMs'>> {
    const c = clients.of(args.credentials);
    try {
      const r = args.resource === 'service' ? await c.vpcep.getEndpointService(args.id, { signal, timeoutMs }) : await c.vpcep.getEndpoint(args.id, { signal, timeoutMs });
      const ip = 'ip' in r && typeof r.ip === 'string' && r.ip ? r.ip : undefined;
      return { status: r.status, ...(ip ? { ip } : {}), ...(r.error?.length ? { errors: r.error.map((e) => `${e.error_code ?? ''} ${e.error_message ?? ''}`.trim()) } : {}) };
    } catch (err) {
      if (isNotFound(err)) return { status: 'gone' };
      throw err;
    }
  }

  return {
    /**
     * Looks until the resource's status is one of `until` (an `accepted` endpoint only with its IP), then returns
     * it. Past `schedule.deadlineMs` since `since`: a non-retryable PollDeadlineExceeded.
     */
    async awaitSettled(args: AwaitSettledArgs): Promise<Settled> {
      const ctx = Context.current();
      const attemptStartedAt = Date.now();
      const resumed = ProgressSchema.safeParse(ctx.info.heartbeatDetails);
      const progress: WaitProgress = resumed.success ? { ...resumed.data } : { looks: 0, lastLookMs: null, pendingAtMs: 0 };
      const probe = estimates.begin(args.kind);
      const planOf = (): WaitPlan => {
        const w = estimates.window(args.kind);
        return { ...args.schedule, window: w ? { ...w, probe } : null };
      };
      const elapsed = (): number => Date.now() - args.since;
      const beat = (): void => ctx.heartbeat({ ...progress });
      const everyMs = Math.max(100, Math.min(1_000, Math.floor((ctx.info.heartbeatTimeoutMs ?? 3_000) / 3)));
      const timer = setInterval(beat, everyMs);
      try {
        for (;;) {
          const at = nextLookAt(planOf(), progress.lastLookMs);
          if (at === null) {
            throw ApplicationFailure.create({
              type: ErrorTypes.PollDeadlineExceeded,
              nonRetryable: true,
              message: `${args.what}: still not done after ${Math.round(args.schedule.deadlineMs / 1000)} s (${progress.looks} looks)`,
            });
          }
          const wait = at - elapsed();
          // A retried attempt on a rate-limited worker: the server's retry delay was the gap, look now.
          const retriedLook = options.lookPerAttempt === true && ctx.info.attempt > 1 && progress.lastLookMs === null;
          if (wait > 0 && !retriedLook) {
            await ctx.sleep(Math.min(wait, REPLAN_MS));
            continue;
          }
          const lookAt = elapsed();
          const seen = await lookOnce(args, ctx.cancellationSignal, callTimeoutMs(ctx.info.startToCloseTimeoutMs, attemptStartedAt, Date.now()));
          progress.looks += 1;
          progress.lastLookMs = lookAt;
          const ends = args.until.includes(seen.status) && !(args.resource === 'endpoint' && seen.status === 'accepted' && !seen.ip);
          if (ends) {
            if (seen.status === args.until[0]) estimates.record(args.kind, { pendingAtMs: progress.pendingAtMs, settledAtMs: lookAt });
            return { ...seen, looks: progress.looks, waitedMs: lookAt };
          }
          progress.pendingAtMs = lookAt;
          beat();
          if (options.lookPerAttempt) {
            const next = nextLookAt(planOf(), lookAt);
            if (next === null) continue; // the deadline failure above
            throw ApplicationFailure.create({
              type: STILL_WAITING,
              message: `${args.what}: ${seen.status} (look ${progress.looks})`,
              nonRetryable: false,
              nextRetryDelay: Math.max(MIN_GAP_MS, next - elapsed()),
              category: ApplicationFailureCategory.BENIGN,
            });
          }
        }
      } catch (err) {
        if (ctx.cancellationSignal.aborted) {
          const reason: unknown = ctx.cancellationSignal.reason;
          throw reason instanceof CancelledFailure ? reason : new CancelledFailure(String(reason ?? 'cancelled'));
        }
        throw toFailure(err);
      } finally {
        clearInterval(timer);
      }
    },
  };
}
