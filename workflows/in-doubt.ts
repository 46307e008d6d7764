/**
 * Settling a create that got no answer (workflow code). The activity reports `in-doubt` instead of creating a
 * second copy; the run then looks for the late commit with durable timers until the in-doubt window
 * (`timeouts.inDoubtMs` after the request was sent) has passed, and only then asks again (which creates).
 */
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { Ensured } from '../activities/cloud-call.js';
import { ErrorTypes } from './errors.js';
import type { Polling } from './polling-input.js';
import { pollDelayMs } from './polling.js';

export interface SettleOptions<T> {
  what: string;
  t: Polling;
  /** A read-only look for the resource (null: not there). */
  look: () => Promise<T | null>;
  /** The `ensure…` activity again (finds, else creates). */
  again: () => Promise<Ensured<T>>;
  /** Told while a create is in doubt (so an undo can wait for its window too). */
  onDoubt?: (until: number | null) => void;
}

/** At most this many creates in doubt in a row before the step fails (the cloud never answers). */
const MAX_DOUBTS = 3;

export async function settleInDoubt<T>(first: Ensured<T>, o: SettleOptions<T>): Promise<T> {
  let r = first;
  for (let doubts = 0; ; ) {
    if (r.state === 'done') {
      o.onDoubt?.(null);
      return r.value;
    }
    doubts += 1;
    const until = r.sentAt + o.t.inDoubtMs;
    o.onDoubt?.(until);
    for (let look = 0; Date.now() < until; look += 1) {
      await sleep(Math.max(1, Math.min(pollDelayMs(o.t, look), until - Date.now())), { summary: `${o.what}: no answer, looking for a late commit (look ${look + 1})` });
      const found = await o.look();
      if (found !== null) {
        o.onDoubt?.(null);
        return found;
      }
    }
    if (doubts >= MAX_DOUBTS) {
      throw ApplicationFailure.create({
        type: ErrorTypes.PollDeadlineExceeded,
        nonRetryable: true,
        message: `${o.what}: ${doubts} requests got no answer and nothing was committed`,
      });
    }
    r = await o.again();
  }
}
