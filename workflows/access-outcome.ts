/** The result and failure shapes of `provisionCrossVpcAccess` (pure types and builders). */
import type { NetworkAclResult, SecurityGroupRuleResult, VerifyResult } from '../activities/types.js';
import type { Leftover, PortProgressEntry } from './definitions.js';
import type { PortResult } from './port-input.js';
import { listText } from './saga.js';

export interface AccessResult {
  status: 'verified' | 'unverified';
  instanceId: string;
  bootstrapServers: string;
  ports: PortResult[];
  /** listener IP → advertised IP now in force. */
  advertised: Record<string, string>;
  /** listener IP → advertised IP when this run started (what a rollback restores). */
  originalAdvertised: Record<string, string>;
  securityGroupRule: SecurityGroupRuleResult | null;
  networkAcl: NetworkAclResult | null;
  verification: VerifyResult | null;
  /** What this run created (the rest of the access was there before it). */
  created: { services: string[]; endpoints: string[]; securityGroupRule: string | null; aclRules: string[] };
  /** Resources of the access that existed before this run (a re-run reuses them). */
  kept: string[];
  /**
   * Migration of a named access back to IPs (`access.mode: "ip"` on a named access of one VPC): the brokers
   * advertised the names when the run started; `zoneId` is the VPC's private zone this run deleted after the
   * verified switch (null: none found). Absent for an ordinary IP access.
   */
  migratedFromNames?: { zone: string; zoneId: string | null };
  /** What this run could not remove after a verified access (the private zone of a migration): a re-run finishes. */
  leftovers?: Leftover[];
}

/** `details[0]` of the access's failure (ApplicationFailure or CancelledFailure). */
export interface AccessFailureDetails {
  status: 'rolled_back' | 'failed';
  instanceId: string;
  failedStep: string;
  causeType?: string;
  cause: string;
  undone: string[];
  /** Resources left in place because they were there before this run. */
  kept: string[];
  leftovers: Leftover[];
  ports: PortProgressEntry[];
  /** listener IP → advertised IP as read after the undo (when the run had touched them). */
  advertisedAfter?: Record<string, string>;
}

/**
 * How a cancelled run says what became of it: the step it was in and what it undid. Built from its report, by the
 * workflow and by the client alike: the server keeps no message of a cancellation (the client sees "Workflow
 * canceled"), only the run's report in its memo.
 */
export function cancelledMessage(failedStep: string, undone: readonly string[]): string {
  return `cancelled while ${failedStep}; ${undone.length ? `undone: ${listText(undone)}` : 'nothing was created'}`;
}
