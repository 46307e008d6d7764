/**
 * Data passed between the workflows and the activities. Plain JSON, ids only, never a secret: credential
 * sets and secrets are named (`instanceCredentials`, `clientCredentials`, `secretRef`) and resolved inside
 * the activities from the worker's configuration.
 *
 * Credential names: `instanceCredentials` acts in the Kafka instance's account (DMS, endpoint services,
 * whitelist, security-group and ACL rules); `clientCredentials` in the client's account (endpoints).
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

export interface InstanceArgs {
  instanceCredentials: CredentialSetName;
  instanceId: string;
}

export interface PortRef {
  instanceId: string;
  portId: string;
}

// ---- the baseline: what exists of this access when a run starts ------------------------------------------

/** What one broker port had before this run (ids of tagged resources found, live). */
export interface PortBaseline {
  portId: string;
  /** Endpoint services tagged for this access and port (instance account). */
  serviceIds: string[];
  /** Endpoints tagged for this access and port on those services (client account), with their IPs. */
  endpoints: { endpointId: string; status: string; ip?: string; vpcId?: string; subnetId?: string }[];
  /** The client's account was on the whitelist of the (first) service. */
  whitelisted: boolean;
  /**
   * No endpoint service of the port's name existed at all (tagged or not, any status) when the run read its
   * baseline under the instance's lock. Set only by `readAccess`; absent: unknown.
   */
  nameFree?: boolean;
}

/** The record a run keeps in its history: undo restores exactly this and removes only what is not in it. */
export interface AccessBaseline {
  /** listener IP → advertised IP when the run started. */
  advertised: Record<string, string>;
  ports: PortBaseline[];
  /** A rule admitting TCP 9011 from 198.19.128.0/17 on the instance security group (whoever made it). */
  securityGroupRule: { ruleId: string; marked: boolean } | null;
  /** Network ACL rules of this access (marked) on the instance subnet's ACL. */
  networkAcl: { firewallId: string; ruleIds: string[] } | null;
}

export interface ReadAccessArgs extends InstanceArgs {
  clientCredentials: CredentialSetName;
  /** The client's account when it differs (its whitelist entry is part of the baseline). */
  clientDomainId?: string;
  /** The client network, checked before anything is created (absent: not checked, e.g. heal). */
  clientVpcId?: string;
  clientSubnetId?: string;
  clientSubnetCidr?: string;
}

/** Something the preflight found that would make provisioning fail: which input field, what, what to do. */
export interface PreflightProblem {
  field: string;
  message: string;
  hint: string;
}

/** Quota as the API reports it (absent when the API does not), and what this access still needs of it. */
export interface QuotaCheck {
  type: 'endpoint_service' | 'endpoint';
  quota: number;
  used: number;
  needed: number;
}

export interface AccessState {
  instance: InstanceView;
  baseline: AccessBaseline;
  /** Empty when provisioning can go ahead. */
  problems: PreflightProblem[];
  quotas: QuotaCheck[];
  /** The client subnet's CIDR as the VPC API reports it (when the client network was checked). */
  clientSubnetCidr?: string;
}

// ---- endpoint services ---------------------------------------------------------------------------------

export interface EnsureServiceArgs extends PortRef {
  instanceCredentials: CredentialSetName;
  vpcId: string;
  serviceName: string;
  approvalEnabled: boolean;
  /**
   * The run's baseline, read after it took the instance's lock, found no service of the port's name at all
   * ({@link PortBaseline.nameFree}), so nothing of the port exists but what this run creates: the first attempt
   * of the run's first `ensure…` then creates without looking first. Any later attempt (an earlier one may have
   * created) and every other call look first, as always. docs/decisions/api-calls.md.
   */
  fresh?: boolean;
}

export interface ServiceView {
  serviceId: string;
  /** Full name `{region}.{name}.{id}` as the API returns it. */
  serviceName: string;
  status: string;
  approvalEnabled: boolean;
  errors?: string[];
  /** When this call created it: the worker's clock as the create was answered (absent when found). */
  createdAtMs?: number;
}

export interface ServiceStatus {
  /** `gone` when the API answers 404. */
  status: string;
  errors?: string[];
}

export interface ServiceStatusArgs {
  instanceCredentials: CredentialSetName;
  serviceId: string;
}

export interface WhitelistArgs {
  instanceCredentials: CredentialSetName;
  serviceId: string;
  domainId: string;
}

// ---- endpoints -----------------------------------------------------------------------------------------

export interface EnsureEndpointArgs extends PortRef {
  clientCredentials: CredentialSetName;
  serviceId: string;
  serviceName: string;
  vpcId: string;
  subnetId: string;
  /** As {@link EnsureServiceArgs.fresh}: the service is this run's own, so no endpoint can be on it but this run's. */
  fresh?: boolean;
}

export interface EndpointView {
  endpointId: string;
  status: string;
  ip?: string;
  /** As {@link ServiceView.createdAtMs}. */
  createdAtMs?: number;
  /**
   * Created by the first attempt of its activity, which got the create's answer: no other create of this
   * activity can have been sent, so no second endpoint of its making can appear later.
   */
  onlyCreate?: true;
}

export interface EndpointStatus {
  /** `gone` when the API answers 404. */
  status: string;
  ip?: string;
  errors?: string[];
}

export interface EndpointStatusArgs {
  clientCredentials: CredentialSetName;
  endpointId: string;
}

export interface AcceptArgs {
  instanceCredentials: CredentialSetName;
  serviceId: string;
  endpointId: string;
}

/** Keep one endpoint of a port: delete the other tagged ones on the same service that the run created. */
export interface ReconcileEndpointsArgs extends PortRef {
  clientCredentials: CredentialSetName;
  serviceId: string;
  serviceName: string;
  keepEndpointId: string;
  /** Endpoint ids of the baseline: never deleted. */
  baseline: string[];
}

// ---- cleanup of one port ---------------------------------------------------------------------------------

export interface PortCleanupArgs extends PortRef {
  instanceCredentials: CredentialSetName;
  clientCredentials: CredentialSetName;
  /** Ids that existed before the run (or, for teardown, an empty list: everything tagged goes). */
  keepServiceIds: string[];
  keepEndpointIds: string[];
  /** Ids the run knows it created: deleted by id even when the look-up by tag fails. */
  knownServiceIds?: string[];
  knownEndpointIds?: string[];
}

export interface DeletedIds {
  /** Ids deleted (or found already deleting) by this call. */
  ids: string[];
  /** false when the look-up by tag failed and only the known ids were deleted. */
  swept?: boolean;
}

export interface RemainingIds {
  remaining: string[];
}

// ---- network rules -------------------------------------------------------------------------------------

export interface SecurityGroupRuleArgs extends InstanceArgs {
  securityGroupId: string;
}

export interface SecurityGroupRuleResult {
  ruleId: string | null;
  /** The rule carries this access's marker (created by kafka-crossvpc for this instance). */
  marked: boolean;
}

export interface RemoveSecurityGroupRuleArgs extends SecurityGroupRuleArgs {
  /** The rule to remove (the one this run created); absent: the rule carrying this access's marker, if any. */
  ruleId?: string;
}

export interface RemoveSecurityGroupRuleResult {
  ids: string[];
  /** Set when the rule was kept because other accesses on the same security group still need it. */
  keptFor?: string[];
}

export interface NetworkAclArgs extends InstanceArgs {
  subnetId: string;
  clientSubnetCidr?: string;
}

export interface NetworkAclResult {
  firewallId: string | null;
  ruleIds: string[];
}

export interface RemoveAclRulesArgs extends InstanceArgs {
  subnetId: string;
  /** Rule ids of the baseline: never removed. */
  keep: string[];
}

// ---- listeners -------------------------------------------------------------------------------------------

export interface AdvertisedIpArgs extends InstanceArgs {
  /** listener IP → advertised IP (brokers left out keep their value). */
  mapping: Record<string, string>;
}

export interface AdvertisedIpResult {
  changed: boolean;
  /** listener IP → advertised IP as read back after the change. */
  confirmed: Record<string, string>;
}

// ---- verification ----------------------------------------------------------------------------------------

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

export interface AwaitSettledArgs {
  resource: 'service' | 'endpoint';
  /** The credential set of the resource's account (instance account: service; client account: endpoint). */
  credentials: CredentialSetName;
  id: string;
  /** What is awaited, the key of this worker's settle estimate (`service-available`, `endpoint-accepted`, …). */
  kind: string;
  /** Statuses that end the wait; the first is the success (its settle time is learned). `gone` = HTTP 404. */
  until: string[];
  /** Workflow time the wait began: the schedule and the deadline count from here, across attempts. */
  since: number;
  schedule: { firstPollMs: number; maxPollMs: number; backoffCoefficient: number; deadlineMs: number };
  /** Names the wait in the deadline error. */
  what: string;
}

export interface Settled {
  status: string;
  ip?: string;
  errors?: string[];
  /** Looks this wait took (all attempts). */
  looks: number;
  /** Elapsed since `since` at the look that ended the wait. */
  waitedMs: number;
}
