/**
 * Waiting for a resource to settle (activities/wait-schedule.ts, activities/await-settled.ts): the schedule of
 * looks (sparse without knowledge, dense around the settle time seen before), the bound on how late a settle is
 * noticed, a retried attempt resuming from its heartbeat details, and the deadline.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createAwaitActivities } from '../../../activities/await-settled.js';
import { resolveClients } from '../../../activities/clients.js';
import { SettleEstimates } from '../../../activities/settle-estimates.js';
import type { AwaitSettledArgs } from '../../../activities/types.js';
import { nextLookAt, PROBE_EVERY, stepFor, windowFrom, type WaitPlan } from '../../../activities/wait-schedule.js';
import { ErrorTypes } from '../../../workflows/errors.js';
import { activityEnv, FakeCloud, runIn, serverError } from './fake-cloud.js';

const cold: WaitPlan = { firstPollMs: 2_000, maxPollMs: 20_000, backoffCoefficient: 1.6, deadlineMs: 15 * 60_000, window: null };

/** Every look of a plan until `untilMs` (or the deadline). */
function looks(plan: WaitPlan, untilMs = plan.deadlineMs): number[] {
  const out: number[] = [];
  for (let at = nextLookAt(plan, null); at !== null && at <= untilMs; at = nextLookAt(plan, at)) out.push(at);
  return out;
}
/** When a resource settling at `settleMs` is first seen settled. */
const noticedAt = (plan: WaitPlan, settleMs: number): number | undefined => looks(plan).find((at) => at >= settleMs);

describe('the schedule of looks', () => {
  it('without knowledge: first look after firstPollMs, gaps growing with the time waited, capped by maxPollMs', () => {
    const l = looks(cold, 120_000);
    expect(l.slice(0, 4)).toEqual([2_000, 4_000, 6_400, 10_240]);
    const gaps = l.slice(1).map((x, i) => x - (l[i] ?? 0));
    expect(Math.max(...gaps)).toBe(20_000);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] ?? 0);
  });

  it('with a window: one early look, then one every step across it, so a settle inside is noticed within one step', () => {
    const plan: WaitPlan = { ...cold, window: { fromMs: 59_000, toMs: 61_000, stepMs: 600 } };
    expect(looks(plan, 62_000)).toEqual([29_500, 59_000, 59_600, 60_200, 60_800, 61_400, 62_000]);
    for (const settle of [59_001, 59_700, 60_000, 60_999]) {
      const at = noticedAt(plan, settle) ?? Infinity;
      expect(at - settle).toBeLessThanOrEqual(600);
    }
    // Far from the window the looks are sparse again: from 40 s past it, every maxPollMs.
    const late = looks(plan).filter((x) => x > 101_000);
    expect(late.slice(1).map((x, i) => x - (late[i] ?? 0)).every((g) => g > 0 && g <= 20_000)).toBe(true);
    expect(late[1]! - late[0]!).toBe(20_000);
  });

  it('a steady cloud: one look where the recent ones had settled, then one every step; a probing wait also looks before', () => {
    const w = { fromMs: 59_400, toMs: 60_600, stepMs: 600, settledByMs: 60_000 };
    const plan: WaitPlan = { ...cold, window: w };
    expect(looks(plan, 62_000)).toEqual([60_000, 60_600, 61_200, 61_800]);
    // The usual settle costs one look; one later than seen is noticed within one step.
    for (const settle of [59_000, 60_000]) expect(noticedAt(plan, settle)).toBe(60_000);
    for (const settle of [60_001, 60_900, 61_500]) expect((noticedAt(plan, settle) ?? Infinity) - settle).toBeLessThanOrEqual(600);
    // Far past it, the gaps grow again up to maxPollMs.
    const late = looks(plan).filter((x) => x > 120_000);
    expect(late[1]! - late[0]!).toBe(20_000);
    // A probe: at half of it (a resource much faster than usual) and one step before (a little faster), then on.
    const probing: WaitPlan = { ...cold, window: { ...w, probe: true } };
    expect(looks(probing, 61_000)).toEqual([30_000, 59_400, 60_000, 60_600]);
    expect(noticedAt(probing, 59_000)).toBe(59_400);
  });

  it('one wait in PROBE_EVERY probes; the estimate follows a cloud that got faster through the probes', () => {
    const estimates = new SettleEstimates();
    const probes = Array.from({ length: 2 * PROBE_EVERY }, () => estimates.begin('k')).filter(Boolean).length;
    expect(probes).toBe(2);
    expect(estimates.begin('other')).toBe(false); // counted per kind
    // A steady 60 s; then the cloud settles in 59.3 s: a probe one step before (59.4 s) finds it settled. The
    // brackets no longer overlap, so the next waits sweep the window again (a look every step from before 59.4 s).
    estimates.record('k', { pendingAtMs: 59_700, settledAtMs: 60_000 });
    expect(estimates.window('k')?.settledByMs).toBe(60_000);
    estimates.record('k', { pendingAtMs: 30_000, settledAtMs: 59_400 });
    const w = estimates.window('k');
    expect(w?.settledByMs).toBeUndefined();
    expect(w?.fromMs).toBeLessThan(59_400);
  });

  it('never looks after the deadline: the last look is at the deadline, then none', () => {
    const plan: WaitPlan = { ...cold, deadlineMs: 30_000 };
    const l = looks(plan);
    expect(l.at(-1)).toBe(30_000);
    expect(nextLookAt(plan, 30_000)).toBeNull();
  });

  it('learns the window from what it saw: overlapping brackets narrow it to their intersection, one step of margin each side', () => {
    expect(windowFrom([])).toBeNull();
    expect(stepFor(60_000)).toBe(600);
    expect(stepFor(1_500)).toBe(250);
    // A steady settle time: a coarse first bracket (a cold schedule) is narrowed by every later one.
    const steady = windowFrom([
      { pendingAtMs: 41_900, settledAtMs: 61_900 },
      { pendingAtMs: 58_100, settledAtMs: 61_500 },
      { pendingAtMs: 59_700, settledAtMs: 60_300 },
    ]);
    // step: 1 % of the median midpoint (59.8 s); precise (at most two steps wide): where they had all settled
    expect(steady).toEqual({ fromMs: 59_700 - 598, toMs: 60_300 + 598, stepMs: 598, settledByMs: 60_300 });
    // Only one coarse bracket: the whole bracket, in at most ten looks.
    expect(windowFrom([{ pendingAtMs: 40_000, settledAtMs: 60_000 }])).toEqual({ fromMs: 38_000, toMs: 62_000, stepMs: 2_000 });
    // A settle time that varies (brackets that do not overlap): the spread of the precise midpoints.
    expect(
      windowFrom([
        { pendingAtMs: 59_700, settledAtMs: 60_300 },
        { pendingAtMs: 61_700, settledAtMs: 62_300 },
        { pendingAtMs: 20_000, settledAtMs: 59_000 }, // coarse: ignored beside the precise ones
      ]),
    ).toEqual({ fromMs: 60_000 - 600, toMs: 62_000 + 600, stepMs: 600 });
  });

  it('a wait that saw no pending look (its first look found it settled) bounds the window but does not widen it', () => {
    // A loaded machine: looks run seconds late, so no bracket is precise and two of them do not overlap. Two steady
    // waits found their resource settled at their first look (at 61 s and 60.5 s): [0, settled], midpoint ~30 s.
    const loaded = [
      { pendingAtMs: 58_000, settledAtMs: 62_500 },
      { pendingAtMs: 63_000, settledAtMs: 66_000 },
      { pendingAtMs: 0, settledAtMs: 61_000 },
      { pendingAtMs: 0, settledAtMs: 60_500 },
    ];
    // The spread of the two waits that bracketed their settle (midpoints 60.25 s and 64.5 s), not from ~30 s.
    expect(windowFrom(loaded)).toEqual({ fromMs: 60_250 - 624, toMs: 64_500 + 624, stepMs: 624 });
    // They still count as upper bounds: with the brackets that overlap them, the intersection ends at the earliest.
    // (step: 1 % of the one bracketing midpoint, 61.25 s; the intersection, 1 s, is within two steps: steady.)
    expect(windowFrom([{ pendingAtMs: 59_500, settledAtMs: 63_000 }, { pendingAtMs: 0, settledAtMs: 60_500 }])).toEqual({
      fromMs: 59_500 - 613,
      toMs: 60_500 + 613,
      stepMs: 613,
      settledByMs: 60_500,
    });
    // Only such waits: their midpoints are all there is (a resource settled before every first look).
    expect(windowFrom([{ pendingAtMs: 0, settledAtMs: 2_000 }])).toEqual({ fromMs: 0, toMs: 2_250, stepMs: 250 });
  });
});

describe('the wait activity', () => {
  function setUp(settleAfterMs: number, estimates = new SettleEstimates()) {
    const cloud = new FakeCloud();
    const createdAt = Date.now();
    const svc = { id: 'svc-1', service_name: 'eu-de.cvpc-x.svc-1', status: 'creating', tags: [] };
    cloud.services.push(svc);
    const clients = cloud.clients();
    const get = clients.vpcep.getEndpointService.bind(clients.vpcep);
    clients.vpcep.getEndpointService = async (id, o) => {
      if (Date.now() - createdAt >= settleAfterMs) svc.status = 'available';
      return get(id, o);
    };
    const acts = createAwaitActivities(resolveClients({ clients: () => clients }), estimates);
    const args = (over: Partial<AwaitSettledArgs> = {}): AwaitSettledArgs => ({
      resource: 'service',
      credentials: 'default',
      id: 'svc-1',
      kind: 'service-available',
      until: ['available', 'failed', 'gone'],
      since: createdAt,
      schedule: { firstPollMs: 100, maxPollMs: 2_000, backoffCoefficient: 2, deadlineMs: 5_000 },
      what: 'service svc-1 available',
      ...over,
    });
    return { cloud, acts, args, estimates, svc, createdAt };
  }

  it('returns the settled status with its looks, heartbeating its progress; the settle is learned', async () => {
    const { cloud, acts, args, estimates } = setUp(350);
    const { env, heartbeats } = activityEnv({ startToCloseTimeoutMs: 10_000, heartbeatTimeoutMs: 600 });
    const r = await runIn(env, acts.awaitSettled, args());
    // Cold looks at 100, 200, 400 ms (gap = elapsed × (2 − 1), at least firstPollMs).
    expect(r).toMatchObject({ status: 'available', looks: 3 });
    expect(r.waitedMs).toBeGreaterThanOrEqual(350);
    expect(cloud.count('vpcep.getEndpointService')).toBe(3);
    expect(heartbeats.at(-1)).toMatchObject({ looks: 2 });
    expect(estimates.window('service-available')).not.toBeNull();
  });

  it('a resource settling at a known time is noticed within one step once the worker has seen that time', async () => {
    const estimates = new SettleEstimates();
    estimates.record('service-available', { pendingAtMs: 1_490, settledAtMs: 1_510 });
    expect(estimates.window('service-available')).toEqual({ fromMs: 1_240, toMs: 1_760, stepMs: 250, settledByMs: 1_510 });
    const { cloud, acts, args } = setUp(1_500, estimates);
    const r = await runIn(activityEnv({ startToCloseTimeoutMs: 10_000 }).env, acts.awaitSettled, args());
    expect(r.status).toBe('available');
    expect(r.waitedMs - 1_500).toBeLessThanOrEqual(250 + 100); // one step, plus scheduling slack
    // Steady: the first look where it settled before (1510 ms), then every step — one or two, where the cold
    // schedule takes five.
    expect(cloud.count('vpcep.getEndpointService')).toBeLessThanOrEqual(2);
  });

  it('a retried attempt resumes from the heartbeat details: no look before the schedule says so, looks counted on', async () => {
    const { cloud, acts, args, createdAt } = setUp(0);
    // The previous attempt looked last 300 ms into the wait; the next look is due at 600 ms (gap = 300 × 1).
    const { env } = activityEnv({ startToCloseTimeoutMs: 10_000, heartbeatDetails: { looks: 4, lastLookMs: 300, pendingAtMs: 300 } });
    const r = await runIn(env, acts.awaitSettled, args());
    expect(r.looks).toBe(5);
    expect(r.waitedMs).toBeGreaterThanOrEqual(600);
    expect(cloud.count('vpcep.getEndpointService')).toBe(1);
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(600);
  });

  it('a failed look fails the attempt (retried by the policy, resuming); the deadline is non-retryable and counts from the wait\'s start', async () => {
    const { cloud, acts, args } = setUp(60_000);
    cloud.throws['vpcep.getEndpointService'] = () => serverError();
    const { env } = activityEnv({ startToCloseTimeoutMs: 10_000 });
    const failed = await runIn(env, acts.awaitSettled, args()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ApplicationFailure);
    expect((failed as ApplicationFailure).nonRetryable).toBe(false);

    delete cloud.throws['vpcep.getEndpointService'];
    const started = Date.now();
    // The wait began 4.5 s ago (an earlier attempt): only half a second is left of the 5 s deadline.
    const late = await runIn(activityEnv({ startToCloseTimeoutMs: 10_000 }).env, acts.awaitSettled, args({ since: Date.now() - 4_500 })).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ApplicationFailure);
    expect(late).toMatchObject({ type: ErrorTypes.PollDeadlineExceeded, nonRetryable: true });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
