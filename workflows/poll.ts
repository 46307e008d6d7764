/** Polling with durable timers (workflow code): first look soon, capped exponential backoff, a deadline. */
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { ErrorTypes } from './errors.js';
import { nextPollDelayMs, type PollSchedule } from './polling.js';

export type PollVerdict<R> = { done: true; value: R } | { done: false };

export interface PollOptions<T, R> {
  /** Shown in the timer summaries and in the deadline error. */
  what: string;
  schedule: PollSchedule;
  check: () => Promise<T>;
  /** Decide on one look: done, keep waiting, or throw to stop with an error. */
  evaluate: (value: T) => PollVerdict<R> | Promise<PollVerdict<R>>;
  onLook?: (value: T, look: number) => void;
}

export async function pollUntil<T, R>(o: PollOptions<T, R>): Promise<R> {
  const started = Date.now(); // workflow clock: deterministic
  for (let attempt = 0; ; attempt += 1) {
    const delay = nextPollDelayMs(o.schedule, attempt, Date.now() - started);
    if (delay === null) {
      throw ApplicationFailure.create({
        type: ErrorTypes.PollDeadlineExceeded,
        nonRetryable: true,
        message: `${o.what}: still not done after ${Math.round(o.schedule.deadlineMs / 1000)} s`,
      });
    }
    await sleep(delay, { summary: `${o.what} (look ${attempt + 1})` });
    const value = await o.check();
    o.onLook?.(value, attempt + 1);
    const verdict = await o.evaluate(value);
    if (verdict.done) return verdict.value;
  }
}
