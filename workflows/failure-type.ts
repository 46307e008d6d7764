/** The meaningful failure type along a cause chain (workflow code, pure). */
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from './errors.js';

/** The innermost ApplicationFailure type; a port's rollback wrapper carries the real cause type in its details. */
export function failureType(err: unknown): string | undefined {
  let found: string | undefined;
  let e: unknown = err;
  for (let i = 0; i < 6 && e instanceof Error; i += 1) {
    if (e instanceof ApplicationFailure && e.type) {
      found = e.type;
      const d = e.details?.[0] as { causeType?: unknown } | undefined;
      if ((e.type === ErrorTypes.PortRolledBack || e.type === ErrorTypes.CompensationFailed) && d && typeof d.causeType === 'string') return d.causeType;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}
