/**
 * Exit codes of every `crossvpc` command (documented in docs/cli.md — keep both in step).
 */
import type { CrossVpcErrorCode } from '../client/errors.js';
import type { ProvisionOutcome } from '../temporal/access-client.js';
import { ErrorTypes } from '../../workflows/errors.js';

export const ExitCode = {
  /** Success (provision/watch: verified; verify: healthy). */
  Ok: 0,
  /** The operation failed: workflow failed, compensation left something behind, Temporal unreachable, API error. */
  Failed: 1,
  /** Bad usage or configuration: unknown flag, invalid value, invalid env var, namespace not set up. Nothing was started. */
  Usage: 2,
  /** The access was rolled back (everything it created was removed). */
  RolledBack: 3,
  /** No access / schedule for this instance id in the namespace. */
  NotFound: 4,
  /** Not possible in the current state: approve/cancel a closed run, teardown while provisioning runs. */
  WrongState: 5,
  /** `verify`: the check ran and found drift or a broken access (not healed). */
  Unhealthy: 6,
  /** `dev` interrupted by SIGINT/SIGTERM (the shell convention 128 + 2). */
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeOfError(code: CrossVpcErrorCode): ExitCodeValue {
  switch (code) {
    case 'InvalidInput':
    case 'ConfigError':
    case 'SetupRequired':
      return ExitCode.Usage;
    case 'NotFound':
      return ExitCode.NotFound;
    case 'NotRunning':
    case 'InputConflict':
      return ExitCode.WrongState;
    default:
      return ExitCode.Failed;
  }
}

/** verified → 0, rolled_back → 3, a failed preflight (an invalid request, nothing created) → 2, else (failed, unverified) → 1. */
export function exitCodeOfOutcome(o: Pick<ProvisionOutcome, 'status' | 'error'>): ExitCodeValue {
  if (o.error?.type === ErrorTypes.PreflightFailed) return ExitCode.Usage;
  return o.status === 'verified' ? ExitCode.Ok : o.status === 'rolled_back' ? ExitCode.RolledBack : ExitCode.Failed;
}

export const EXIT_CODES_HELP =
  'exit codes: 0 ok, 1 operation failed, 2 bad usage/configuration, 3 rolled back, 4 not found, 5 wrong state, 6 unhealthy (verify); see docs/cli.md';
