/**
 * A pure compensation stack. Steps are registered BEFORE the forward action they undo (so a half-done action
 * is undone too); each undo must therefore be idempotent and a no-op when nothing was done. `compensate()` runs
 * them last-in-first-out, continues past failures and reports what was undone, what was kept (it existed before
 * the run) and what is left over. No Temporal import: the caller wraps `compensate()` in
 * `CancellationScope.nonCancellable`.
 */
import type { Leftover, ResourceKind, UndoReport } from './definitions.js';

/** What one undo step did. */
export interface StepOutcome {
  undone?: string[];
  kept?: string[];
  leftovers?: Leftover[];
}

export interface UndoStep {
  /** Human text, e.g. "restored the advertised IPs". */
  what: string;
  /** The kind of resource, and the ids it concerns (for a leftover when the step throws). */
  kind: ResourceKind;
  ids: () => string[];
  run: () => Promise<StepOutcome | string | void>;
}

export class Saga {
  private readonly steps: UndoStep[] = [];
  private done = false;

  /** Registers an undo step; returns a function that drops it again (for steps made moot). */
  add(what: string, kind: ResourceKind, run: UndoStep['run'], ids: () => string[] = () => []): () => void {
    const step: UndoStep = { what, kind, ids, run };
    this.steps.unshift(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
    };
  }

  get size(): number {
    return this.steps.length;
  }

  /** Descriptions of the registered steps, in the order they would run. */
  pending(): string[] {
    return this.steps.map((s) => s.what);
  }

  /** Runs every step once, newest first. Never throws. */
  async compensate(onStep?: (what: string) => void): Promise<UndoReport> {
    const report: UndoReport = { undone: [], kept: [], leftovers: [] };
    if (this.done) return report;
    this.done = true;
    for (const step of this.steps.splice(0)) {
      onStep?.(step.what);
      try {
        const out = await step.run();
        if (typeof out === 'string') report.undone.push(out || step.what);
        else if (out === undefined) report.undone.push(step.what);
        else {
          report.undone.push(...(out.undone ?? []));
          report.kept.push(...(out.kept ?? []));
          report.leftovers.push(...(out.leftovers ?? []));
        }
      } catch (err) {
        report.leftovers.push({ kind: step.kind, ids: step.ids(), what: step.what, error: errorMessage(err) });
      }
    }
    return report;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    let msg = err.message || err.name;
    let cause: unknown = (err as { cause?: unknown }).cause;
    for (let depth = 0; cause instanceof Error && depth < 4; depth += 1) {
      if (cause.message && !msg.includes(cause.message)) msg += `: ${cause.message}`;
      cause = (cause as { cause?: unknown }).cause;
    }
    return msg;
  }
  return String(err);
}

/** "a, b and c" */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join('; ')} and ${items[items.length - 1]}`;
}
