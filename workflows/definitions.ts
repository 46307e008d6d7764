/**
 * Queries, signals and the shapes they expose. Pure.
 *
 * The definitions are the plain objects `defineQuery` / `defineSignal` return, written out with type-only
 * SDK imports: the typed client and the CLI import this file, and a runtime import of @temporalio/workflow
 * would load the whole workflow SDK into every `crossvpc` command (start-up, docs/decisions/package-build.md).
 * test/unit/input/definitions.test.ts holds them equal to the SDK's factories.
 */
import type { QueryDefinition, SignalDefinition } from '@temporalio/common';

const defineQuery = <Ret>(name: string): QueryDefinition<Ret> => ({ type: 'query', name }) as QueryDefinition<Ret>;
const defineSignal = (name: string): SignalDefinition => ({ type: 'signal', name }) as SignalDefinition;

/**
 * Memo key of a run's final report (the failure details: undone, kept, leftovers, advertised IPs after the
 * undo), so every reader — the typed client, the CLI, the UI — shows the same, cancelled runs included.
 */
export const ACCESS_REPORT_MEMO = 'crossvpcReport';

/** The kinds of resource an access creates (and an undo removes). */
export type ResourceKind = 'endpoint' | 'endpoint-service' | 'whitelist' | 'security-group-rule' | 'acl-rule' | 'advertised-ip' | 'dns-zone';

/** Something an undo could not remove or restore: what, which ids (when known), why. */
export interface Leftover {
  kind: ResourceKind;
  ids: string[];
  what: string;
  error: string;
  /**
   * The cloud accepted the deletion, but the run stopped waiting before it was seen gone (its deadline): the
   * resource was still `deleting` when reported and will most likely vanish on its own; a teardown confirms it.
   */
  deleting?: true;
}

/** What a compensation did: removed/restored (`undone`), left because it existed before the run (`kept`), left over. */
export interface UndoReport {
  undone: string[];
  kept: string[];
  leftovers: Leftover[];
}

export type AccessPhase =
  | 'validating'
  | 'waiting-for-lock'
  | 'reading-instance'
  | 'provisioning-endpoints'
  | 'writing-zone'
  | 'awaiting-approval'
  | 'updating-listeners'
  | 'verifying'
  | 'retiring-zone'
  | 'verified'
  | 'unverified'
  | 'compensating'
  | 'rolled_back'
  | 'failed';

export type PortStatus = 'pending' | 'provisioning' | 'ready' | 'failed' | 'rolled_back' | 'cancelled';

export interface PortProgressEntry {
  portId: string;
  listenerIp: string;
  status: PortStatus;
  workflowId: string;
  serviceId?: string;
  endpointId?: string;
  endpointIp?: string;
  error?: string;
}

export interface AccessProgress {
  instanceId: string;
  phase: AccessPhase;
  ports: PortProgressEntry[];
  securityGroupRule?: { ruleId: string | null; created: boolean };
  networkAcl?: { firewallId: string | null; ruleIds: string[]; created: boolean };
  bootstrapServers?: string;
  /** Named access: this client VPC's private zone. */
  zoneId?: string;
  awaitingApproval: boolean;
  /** The advertised-IP switch (listener → before → after), known once the endpoints are ready. */
  advertisedChange?: { listenerIp: string; portId: string; before: string; after: string }[];
  /** Another operation holds the instance: who (while `waiting-for-lock`). */
  waitingFor?: string;
  error?: string;
  undone?: string[];
  kept?: string[];
  leftovers?: Leftover[];
  /** listener IP → advertised IP as read after a compensation. */
  advertisedAfter?: Record<string, string>;
}

export type PortPhase =
  | 'creating-service'
  | 'waiting-service'
  | 'whitelisting'
  | 'creating-endpoint'
  | 'waiting-endpoint'
  | 'accepting'
  | 'ready'
  | 'compensating'
  | 'rolled_back'
  | 'failed';

export interface PortProgress {
  portId: string;
  phase: PortPhase;
  serviceId?: string;
  serviceStatus?: string;
  endpointId?: string;
  endpointStatus?: string;
  endpointIp?: string;
  looks: number;
  error?: string;
}

/** Phase and per-port status of an access. */
export const progressQuery = defineQuery<AccessProgress>('progress');
/** Phase of one port child. */
export const portProgressQuery = defineQuery<PortProgress>('progress');
/** Releases the approval gate before the advertised-IP switch. */
export const approveSignal = defineSignal('approve');
