/** Queries of the teardown and re-verification workflows, and the shapes they expose. Pure. */
import { defineQuery } from '@temporalio/workflow';
import type { Leftover } from './definitions.js';
import type { Drift, Health } from './ops-input.js';

export type TeardownPhase =
  | 'checking-provisioning'
  | 'cancelling-provisioning'
  | 'discovering'
  | 'restoring-advertised-ips'
  | 'deleting-zones'
  | 'removing-rules'
  | 'deleting-endpoints'
  | 'deleting-services'
  | 'torn-down'
  | 'already-clean'
  | 'incomplete';

export interface TeardownProgress {
  instanceId: string;
  phase: TeardownPhase;
  cancelledProvisioning?: boolean;
  /** `zones`: named access's private zones (absent in runs before named access existed). */
  removed: { endpoints: string[]; services: string[]; securityGroupRules: string[]; aclRules: string[]; zones?: string[] };
  /** listener IP → the endpoint IP (ours) it advertised before the teardown set it back. */
  restored: Record<string, string>;
  /** Things seen but not touched because they are not this access's (or other accesses still need them). */
  leftAlone: string[];
  /** What could not be removed (phase `incomplete`). */
  leftovers?: Leftover[];
}

export type ReverifyPhase = 'checking' | 'verifying-data-path' | 'healing' | 'rechecking' | 'done';

export interface ReverifyProgress {
  instanceId: string;
  phase: ReverifyPhase;
  health?: Health;
  drifts: Drift[];
  healActions: string[];
}

/** Phase and what has been removed so far (`progress`, like the provisioning's query). */
export const teardownProgressQuery = defineQuery<TeardownProgress>('progress');
/** Phase, health and drifts found so far. */
export const reverifyProgressQuery = defineQuery<ReverifyProgress>('progress');
