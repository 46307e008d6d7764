/**
 * A DMS instance that is briefly not RUNNING (fault `instance-not-running`): it shows `status` until a moment,
 * then goes back to what it showed before. Kept on the instance (`statusHold`) so a restarted sandbox resumes
 * the window where it was.
 */
import type { SandboxContext } from '../context.js';
import type { KafkaInstance } from '../state/world.js';

function scheduleRelease(sb: SandboxContext, inst: KafkaInstance): void {
  const world = sb.world();
  const hold = inst.statusHold;
  if (!hold) return;
  sb.scheduler.after(Math.max(0, hold.until - sb.now().getTime()), () => {
    if (sb.world() !== world || inst.statusHold !== hold) return;
    if (inst.status === hold.status) inst.status = hold.restoreTo;
    delete inst.statusHold;
  });
}

/** `inst` shows `status` for `ms` from now (a second hold extends the first; the status to return to is kept). */
export function holdInstanceStatus(sb: SandboxContext, inst: KafkaInstance, status: string, ms: number): void {
  const restoreTo = inst.statusHold?.restoreTo ?? inst.status;
  inst.status = status;
  inst.statusHold = { status, until: sb.now().getTime() + ms, restoreTo };
  scheduleRelease(sb, inst);
}

/** After a restart: release holds that ran out meanwhile, re-arm the others. */
export function resumeInstanceStatus(sb: SandboxContext, inst: KafkaInstance): void {
  if (inst.statusHold) scheduleRelease(sb, inst);
}
