/**
 * What this worker has seen of how long resources take to settle, per kind (e.g. `service-available`): the
 * most recent observations, from which each wait takes its window of dense looks (activities/wait-schedule.ts).
 * Per process, in memory: a new worker starts cold and learns from its first waits; the waits of one access's
 * ports, running side by side, learn from each other as soon as one settles.
 */
import { PROBE_EVERY, windowFrom, type SettleObservation, type SettleWindow } from './wait-schedule.js';

/** Observations kept per kind: recent enough to follow a cloud whose timing drifts. */
export const KEEP_OBSERVATIONS = 8;

export class SettleEstimates {
  private readonly seen = new Map<string, SettleObservation[]>();

  record(kind: string, o: SettleObservation): void {
    const list = this.seen.get(kind) ?? [];
    list.push(o);
    if (list.length > KEEP_OBSERVATIONS) list.splice(0, list.length - KEEP_OBSERVATIONS);
    this.seen.set(kind, list);
  }

  private readonly begun = new Map<string, number>();

  window(kind: string): SettleWindow | null {
    return windowFrom(this.seen.get(kind) ?? []);
  }

  /** A wait of `kind` begins (an attempt): whether it probes before the settle time seen (one in PROBE_EVERY). */
  begin(kind: string): boolean {
    const n = this.begun.get(kind) ?? 0;
    this.begun.set(kind, n + 1);
    return n % PROBE_EVERY === PROBE_EVERY - 1;
  }
}
