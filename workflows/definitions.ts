/** Queries, signals and the shapes they expose. Pure. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export type AccessPhase =
  | 'validating'
  | 'reading-instance'
  | 'provisioning-endpoints'
  | 'awaiting-approval'
  | 'updating-listeners'
  | 'verifying'
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
  awaitingApproval: boolean;
  error?: string;
  undone?: string[];
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
