/**
 * Data passed between the workflows and the activities. Plain JSON, ids only, never a secret:
 * credential sets and secrets are named (`credentials: 'default' | 'client' | ...`, `secretRef`) and
 * resolved inside the activities from the worker's configuration.
 */

/** Name of a credential set in the worker configuration. */
export type CredentialSetName = string;

export interface CrossVpcEntry {
  listenerIp: string;
  advertisedIp: string;
  port: number;
  portId: string;
}

export interface InstanceView {
  instanceId: string;
  status: string;
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  brokerNum: number | null;
  entries: CrossVpcEntry[];
}

export interface PortRef {
  instanceId: string;
  portId: string;
}

export interface EnsureServiceArgs extends PortRef {
  credentials: CredentialSetName;
  vpcId: string;
  serviceName: string;
  approvalEnabled: boolean;
}

export interface ServiceView {
  serviceId: string;
  /** Full name `{region}.{name}.{id}` as the API returns it. */
  serviceName: string;
  status: string;
  approvalEnabled: boolean;
  created: boolean;
  errors?: string[];
}

export interface ServiceStatus {
  /** `gone` when the API answers 404. */
  status: string;
  errors?: string[];
}

export interface WhitelistArgs {
  credentials: CredentialSetName;
  serviceId: string;
  domainId: string;
}

export interface EnsureEndpointArgs extends PortRef {
  credentials: CredentialSetName;
  serviceId: string;
  serviceName: string;
  vpcId: string;
  subnetId: string;
}

export interface EndpointView {
  endpointId: string;
  status: string;
  ip?: string;
  created: boolean;
}

export interface EndpointStatus {
  /** `gone` when the API answers 404. */
  status: string;
  ip?: string;
  errors?: string[];
}

export interface AcceptArgs {
  credentials: CredentialSetName;
  serviceId: string;
  endpointId: string;
}

export interface AccessEndpoint {
  portId: string;
  endpointId: string;
  status: string;
  ip?: string;
}

export interface SecurityGroupRuleArgs {
  credentials: CredentialSetName;
  instanceId: string;
  securityGroupId: string;
}

export interface SecurityGroupRuleResult {
  ruleId: string | null;
  /** true when this access created it (its description carries the access marker). */
  created: boolean;
}

export interface NetworkAclArgs {
  credentials: CredentialSetName;
  instanceId: string;
  subnetId: string;
  clientSubnetCidr?: string;
}

export interface NetworkAclResult {
  firewallId: string | null;
  ruleIds: string[];
  created: boolean;
}

export interface AdvertisedIpArgs {
  credentials: CredentialSetName;
  instanceId: string;
  /** listener IP → advertised IP, covering every broker. */
  mapping: Record<string, string>;
}

export interface AdvertisedIpResult {
  changed: boolean;
  /** listener IP → advertised IP as read back after the change. */
  confirmed: Record<string, string>;
}

export interface PortCleanupArgs extends PortRef {
  serviceCredentials: CredentialSetName;
  endpointCredentials: CredentialSetName;
}

export interface DeletedIds {
  /** Ids deleted (or found already deleting) by this call. */
  ids: string[];
}

export interface RemainingIds {
  remaining: string[];
}

export interface VerifyArgs {
  bootstrapServers: string;
  expectBrokerHosts: string[];
  topic: string;
  protocol: 'PLAINTEXT' | 'SASL_SSL';
  mechanism?: 'PLAIN' | 'SCRAM-SHA-512';
  secretRef?: string;
  timeoutMs: number;
}

export interface VerifyResult {
  brokers: { nodeId: number; host: string; port: number }[];
  produced: { key: string; partition: number; offset: number };
  consumed: boolean;
  elapsedMs: number;
}
