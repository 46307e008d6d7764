/**
 * The preflight's refusal (pure): built by the readAccess activity and by the provisioning workflows from the
 * problems it found, so every caller sees one type, one message shape and the problems in its details.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { PreflightProblem } from '../activities/types.js';
import { ErrorTypes } from './errors.js';

/** The preflight's failure: nothing was created. `details[0].problems` lists every field at fault. */
export function preflightFailure(problems: PreflightProblem[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorTypes.PreflightFailed,
    nonRetryable: true,
    message: `${problems.map((p) => `${p.field}: ${p.message} (what to do: ${p.hint})`).join('; ')}; nothing was created`,
    details: [{ problems }],
  });
}
