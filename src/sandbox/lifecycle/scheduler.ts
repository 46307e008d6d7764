/** Timed state transitions (service creating→available, endpoint creating→accepted, deleting→gone, ...). */

export class Scheduler {
  private timers = new Set<NodeJS.Timeout>();
  private pending = new Set<Promise<void>>();
  /** Called after every transition and tracked piece of work settles (the state file saver listens). */
  onSettled: () => void = () => undefined;

  /** Runs `fn` after `delayMs`; errors are reported to `onError` (default: stderr). */
  after(delayMs: number, fn: () => void | Promise<void>, onError: (err: unknown) => void = reportError): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const p = Promise.resolve()
        .then(fn)
        .catch(onError)
        .finally(() => {
          this.pending.delete(p);
          this.onSettled();
        });
      this.pending.add(p);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Tracks background work (e.g. data-plane calls) so `idle()`/`stop` can wait for it. */
  track(work: Promise<unknown>, onError: (err: unknown) => void = reportError): void {
    const p = work.then(
      () => undefined,
      (err: unknown) => onError(err),
    );
    const tracked = p.finally(() => {
      this.pending.delete(tracked);
      this.onSettled();
    });
    this.pending.add(tracked);
  }

  get size(): number {
    return this.timers.size;
  }

  /** Cancels every timer not yet fired. */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Waits for transitions already running to settle. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

function reportError(err: unknown): void {
  process.stderr.write(`sandbox: background transition failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}
