/**
 * worker/worker.ts runWorkers: the main and verify workers run together; when one fails, the other is shut
 * down and the failure is reported only after every worker has stopped (so the caller may then close the
 * connection they share), naming the worker that failed.
 */
import { describe, expect, it } from 'vitest';
import { runWorkers, WorkerFailure, type RunnableWorker } from '../../../worker/worker.js';

/** A stand-in with the Worker's state machine: run() settles after shutdown() (or fail()). */
function fakeWorker(stopDelayMs = 20): RunnableWorker & { fail(err: Error): void; shutdowns: number; stoppedAt?: number } {
  let state = 'INITIALIZED';
  let settle: ((err?: Error) => void) | undefined;
  const w = {
    shutdowns: 0,
    stoppedAt: undefined as number | undefined,
    getState: () => state,
    run: () =>
      new Promise<void>((resolve, reject) => {
        state = 'RUNNING';
        settle = (err) => {
          state = err ? 'FAILED' : 'STOPPED';
          w.stoppedAt = performance.now();
          if (err) reject(err);
          else resolve();
        };
      }),
    shutdown() {
      w.shutdowns += 1;
      if (state !== 'RUNNING') throw new Error(`shutdown in state ${state}`);
      state = 'STOPPING';
      setTimeout(() => settle?.(), stopDelayMs);
    },
    fail(err: Error) {
      settle?.(err);
    },
  };
  return w;
}

describe('runWorkers', () => {
  it('one fails → the other is shut down, and the failure comes after both stopped', async () => {
    const main = fakeWorker(50);
    const verify = fakeWorker();
    const running = runWorkers([
      { role: 'main', taskQueue: 'q', worker: main },
      { role: 'verify', taskQueue: 'q-verify', worker: verify },
    ]);
    verify.fail(new Error('poll failed: PERMISSION_DENIED'));
    const err = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    const settledAt = performance.now();
    expect(err).toBeInstanceOf(WorkerFailure);
    expect(err).toMatchObject({ role: 'verify', taskQueue: 'q-verify', stopped: ['main'] });
    expect((err as Error).message).toBe('the verify worker (task queue q-verify) failed: poll failed: PERMISSION_DENIED');
    expect(main.shutdowns).toBe(1);
    expect(main.getState()).toBe('STOPPED');
    expect(main.stoppedAt).toBeLessThanOrEqual(settledAt);
  });

  it('both stop cleanly (a signal): resolves; a second failure does not replace the first', async () => {
    const a = fakeWorker();
    const b = fakeWorker();
    const clean = runWorkers([
      { role: 'main', taskQueue: 'q', worker: a },
      { role: 'verify', taskQueue: 'q-verify', worker: b },
    ]);
    a.shutdown();
    b.shutdown();
    await expect(clean).resolves.toBeUndefined();

    const c = fakeWorker();
    const d = fakeWorker();
    const twice = runWorkers([
      { role: 'main', taskQueue: 'q', worker: c },
      { role: 'verify', taskQueue: 'q-verify', worker: d },
    ]);
    c.fail(new Error('first'));
    d.fail(new Error('second'));
    await expect(twice).rejects.toMatchObject({ role: 'main', message: expect.stringContaining('first') });
  });
});
