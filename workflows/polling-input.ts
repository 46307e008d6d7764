/**
 * The timings of a provisioning (`timeouts` of its input): polling, deadlines, activity attempts. Pure (zod
 * only), in a module of its own so that a port child — which takes them in its input — loads it without the
 * access's whole input contract (workflows/index.ts).
 */
import { z } from 'zod';

/** A number of milliseconds between `min` and `max`, its errors naming the field `what`. */
export const millis = (what: string, min: number, max: number) =>
  z.number({ error: `${what} must be a number of milliseconds` }).int().min(min, `${what} must be ≥ ${min} ms`).max(max, `${what} must be ≤ ${max} ms`);

export const PollingSchema = z
  .object({
    /** Delay before the first status look (soon: most resources settle within seconds to minutes). */
    firstPollMs: millis('timeouts.firstPollMs', 10, 600_000).default(2_000),
    /** Cap of the exponential backoff between looks. */
    maxPollMs: millis('timeouts.maxPollMs', 10, 3_600_000).default(20_000),
    backoffCoefficient: z.number().min(1).max(10).default(1.6),
    /** Give up waiting for one resource after this long (default 15 min). */
    deadlineMs: millis('timeouts.deadlineMs', 100, 24 * 3_600_000).default(15 * 60_000),
    /** How long compensations may wait for a deletion to finish (per resource). */
    compensationDeadlineMs: millis('timeouts.compensationDeadlineMs', 100, 24 * 3_600_000).default(30 * 60_000),
    /** How long the approval gate waits for the `approve` signal. */
    approvalTimeoutMs: millis('timeouts.approvalTimeoutMs', 100, 7 * 24 * 3_600_000).default(24 * 3_600_000),
    /** Start-to-close of one cloud API activity attempt. */
    activityMs: millis('timeouts.activityMs', 1_000, 600_000).default(60_000),
    /** Heartbeat timeout of cloud API activities (cancellation reaches a running call within ~0.8× this). */
    heartbeatMs: millis('timeouts.heartbeatMs', 500, 600_000).default(10_000),
    /** First retry interval of cloud API activities (the typed error's retryAfterMs wins when set). */
    retryInitialMs: millis('timeouts.retryInitialMs', 10, 60_000).default(1_000),
    /**
     * How long a create (or modify) that got no answer may still be committed by the cloud: the run waits that
     * long for it to appear before it creates again (never two copies). UNCONFIRMED bound: the API gateway's
     * backend timeout (60 s by default on OTC API Gateway); the default leaves margin.
     */
    inDoubtMs: millis('timeouts.inDoubtMs', 100, 3_600_000).default(120_000),
    /** How long an operation waits for the instance's operation lock (another one running) before it gives up. */
    lockWaitMs: millis('timeouts.lockWaitMs', 100, 24 * 3_600_000).default(30 * 60_000),
  })
  .strict();
export type Polling = z.infer<typeof PollingSchema>;
