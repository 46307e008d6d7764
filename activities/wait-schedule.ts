/**
 * When to look next while waiting for a cloud resource to settle (pure; docs/decisions/waiting.md).
 *
 * Two regimes, by what the worker has seen of this kind of resource before (`window`):
 * - **No window** (a cold worker): the access's own schedule — first look after `firstPollMs`, then gaps growing
 *   by `backoffCoefficient` up to `maxPollMs`. A resource is noticed at most one gap late.
 * - **A window** `[fromMs, toMs]` of typical settle times (elapsed since the wait began): one look at half of
 *   `fromMs` when that is five steps or more (a resource much faster than usual), then a look every `stepMs` across the window (noticed at most
 *   `stepMs` late), then gaps growing from `stepMs` by `backoffCoefficient` up to `maxPollMs`.
 * Never a look after `deadlineMs`: the last one is at the deadline.
 */

export interface WaitPlan {
  firstPollMs: number;
  maxPollMs: number;
  backoffCoefficient: number;
  deadlineMs: number;
  window: SettleWindow | null;
}

export interface SettleWindow {
  fromMs: number;
  toMs: number;
  stepMs: number;
  /**
   * A steady cloud (the recent brackets overlap): the earliest time a resource of the kind was seen settled.
   * A wait that does not {@link probe} looks first there, then every step.
   */
  settledByMs?: number;
  /**
   * This wait also looks before `settledByMs` (at half of it when that is five steps or more, and one step
   * before it), so the estimate follows a cloud that got faster; one wait in {@link PROBE_EVERY} does.
   */
  probe?: boolean;
}

/** One wait in this many, in a steady cloud, probes before the settle time seen (see {@link SettleWindow.probe}). */
export const PROBE_EVERY = 8;

/** The smallest gap between two looks (a floor against a hot loop). */
export const MIN_GAP_MS = 100;

/**
 * Elapsed time (ms since the wait began) of the next look, given the elapsed time of the last look (`null`:
 * none yet). `null` when the deadline has been looked at already.
 */
export function nextLookAt(plan: WaitPlan, lastLookMs: number | null): number | null {
  if (lastLookMs !== null && lastLookMs >= plan.deadlineMs) return null;
  const at = plan.window ? windowed(plan, plan.window, lastLookMs) : backoff(plan, lastLookMs);
  return Math.round(Math.min(Math.max(at, (lastLookMs ?? 0) + MIN_GAP_MS), plan.deadlineMs));
}

function backoff(plan: WaitPlan, last: number | null): number {
  if (last === null) return plan.firstPollMs;
  // The gap grows with the time already waited (elapsed × (coefficient − 1)), between firstPollMs and maxPollMs:
  // the same shape as `firstPollMs × coefficient^n`, but resumable from the last look alone.
  const gap = Math.min(plan.maxPollMs, Math.max(plan.firstPollMs, last * (plan.backoffCoefficient - 1)));
  return last + gap;
}

function windowed(plan: WaitPlan, w: SettleWindow, last: number | null): number {
  const step = Math.max(MIN_GAP_MS, w.stepMs);
  if (w.settledByMs !== undefined) return steady(plan, w.settledByMs, step, w.probe === true, last);
  const early = Math.round(w.fromMs / 2);
  // The early look is worth its call only where waiting for the window is long (five steps or more).
  if (last === null) return early >= plan.firstPollMs && early >= 5 * step && early + step < w.fromMs ? early : Math.max(MIN_GAP_MS, w.fromMs);
  if (last < w.fromMs) return Math.max(w.fromMs, last + MIN_GAP_MS);
  if (last < w.toMs) return last + step;
  // Past the window: gaps grow again from one step, in proportion to how far past the window we are.
  const gap = Math.min(plan.maxPollMs, Math.max(step, (last - w.toMs) * (plan.backoffCoefficient - 1)));
  return last + gap;
}

/** What one wait saw: the last look that still found it pending and the first that found it settled. */
export interface SettleObservation {
  pendingAtMs: number;
  settledAtMs: number;
}

/** Dense-look step for a typical settle time: 1 % of it, between 250 ms and 1 s. */
export function stepFor(typicalMs: number): number {
  return Math.round(Math.min(1_000, Math.max(250, typicalMs * 0.01)));
}

/** At most this many dense looks across a window (a wide one gets a longer step). */
export const MAX_WINDOW_LOOKS = 10;

/**
 * The window of typical settle times from recent observations. When the brackets "pending at t₁, settled at t₂"
 * overlap — the settle time is steady — the window is their intersection (a coarse first bracket is narrowed by
 * every later one); else the spread of their midpoints, preferring the precise ones (bracket at most two steps
 * wide) and leaving out brackets without a pending look (upper bounds only). Widened by one step on each side;
 * the step is {@link stepFor} the typical time (the median midpoint), or longer so that the
 * window takes at most {@link MAX_WINDOW_LOOKS} looks. When the intersection is at most two steps wide, the
 * window also says where they had all settled ({@link SettleWindow.settledByMs}).
 */
export function windowFrom(observations: readonly SettleObservation[]): SettleWindow | null {
  if (observations.length === 0) return null;
  // A wait whose first look found the resource settled (a steady wait looks first where the others had settled)
  // saw no pending look: its bracket [0, settled] is an upper bound, its midpoint half the settle time. It counts
  // in the intersection below, but not among the midpoints while any wait saw its resource pending.
  const bracketing = observations.filter((o) => o.pendingAtMs > 0);
  const mids = (bracketing.length > 0 ? bracketing : observations).map((o) => ({ mid: (o.pendingAtMs + o.settledAtMs) / 2, width: o.settledAtMs - o.pendingAtMs }));
  const typical = median(mids.map((m) => m.mid));
  const baseStep = stepFor(typical);
  const lo = Math.max(...observations.map((o) => o.pendingAtMs));
  const hi = Math.min(...observations.map((o) => o.settledAtMs));
  let from: number;
  let to: number;
  if (lo <= hi) {
    from = lo;
    to = hi;
  } else {
    const precise = mids.filter((m) => m.width <= 2 * baseStep);
    const use = (precise.length > 0 ? precise : mids).map((m) => m.mid);
    from = Math.min(...use);
    to = Math.max(...use);
  }
  const stepMs = Math.max(baseStep, Math.round((to - from) / MAX_WINDOW_LOOKS));
  const window: SettleWindow = { fromMs: Math.max(0, Math.round(from - stepMs)), toMs: Math.round(to + stepMs), stepMs };
  // Steady and precise (the intersection at most two steps wide): a wait looks first where they had all settled.
  return lo <= hi && hi - lo <= 2 * baseStep ? { ...window, settledByMs: Math.round(hi) } : window;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/**
 * A steady cloud: the first look where the recent resources had all settled (`settledBy`), then one every step,
 * then gaps growing again. A probing wait looks before: at half of `settledBy` (when that is five steps or more:
 * a resource much faster than usual) and one step before it (a cloud a little faster than seen).
 */
function steady(plan: WaitPlan, settledBy: number, step: number, probe: boolean, last: number | null): number {
  const early = Math.round(settledBy / 2);
  const before = settledBy - step;
  if (probe) {
    if (last === null) return early >= plan.firstPollMs && early >= 5 * step && early + step < before ? early : Math.max(MIN_GAP_MS, before);
    if (last < before) return before;
  }
  if (last === null || last < settledBy) return Math.max(settledBy, (last ?? 0) + MIN_GAP_MS);
  if (last < settledBy + step) return last + step;
  const gap = Math.min(plan.maxPollMs, Math.max(step, (last - settledBy - step) * (plan.backoffCoefficient - 1)));
  return last + gap;
}
