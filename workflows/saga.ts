/**
 * A pure compensation stack. Steps are registered BEFORE the forward action they undo (so a half-done
 * action is undone too); each undo must therefore be idempotent and a no-op when nothing was done.
 * `compensate()` runs them last-in-first-out, continues past failures and reports what happened.
 * No Temporal import: the caller wraps `compensate()` in `CancellationScope.nonCancellable`.
 */
export interface UndoStep {
  /** Human text for the final error, e.g. "restored advertised IPs". */
  what: string;
  run: () => Promise<string | void>;
}

export interface CompensationReport {
  /** `what` (or the text the step returned) of every step that succeeded, in execution order. */
  undone: string[];
  /** Steps that failed for good, with their error message. */
  failed: { what: string; error: string }[];
}

export class Saga {
  private readonly steps: UndoStep[] = [];
  private done = false;

  /** Registers an undo step; returns a function that drops it again (for steps made moot). */
  add(what: string, run: () => Promise<string | void>): () => void {
    const step: UndoStep = { what, run };
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
  async compensate(onStep?: (what: string) => void): Promise<CompensationReport> {
    const report: CompensationReport = { undone: [], failed: [] };
    if (this.done) return report;
    this.done = true;
    for (const step of this.steps.splice(0)) {
      onStep?.(step.what);
      try {
        const text = await step.run();
        report.undone.push(typeof text === 'string' && text ? text : step.what);
      } catch (err) {
        report.failed.push({ what: step.what, error: errorMessage(err) });
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
