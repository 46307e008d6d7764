/**
 * Poll schedule for durable-timer polling: first look soon, then capped exponential backoff, until a
 * deadline. Pure: the workflow feeds it the elapsed time (workflow clock).
 */
export interface PollSchedule {
  firstPollMs: number;
  maxPollMs: number;
  backoffCoefficient: number;
  deadlineMs: number;
}

/** Delay before look number `attempt` (0-based), capped by `maxPollMs`. */
export function pollDelayMs(s: PollSchedule, attempt: number): number {
  const raw = s.firstPollMs * Math.pow(s.backoffCoefficient, attempt);
  return Math.max(1, Math.round(Math.min(raw, Math.max(s.maxPollMs, s.firstPollMs))));
}

/**
 * Next delay given the elapsed time since the wait started, or `null` when the deadline has passed.
 * The last delay is shortened so that one look happens right at the deadline.
 */
export function nextPollDelayMs(s: PollSchedule, attempt: number, elapsedMs: number): number | null {
  const left = s.deadlineMs - elapsedMs;
  if (left <= 0) return null;
  return Math.max(1, Math.min(pollDelayMs(s, attempt), left));
}
