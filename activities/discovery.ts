/**
 * Activities of the teardown and re-verification workflows: find an access's resources **from the cloud
 * itself** (tags `crossvpc-access=<instanceId>` / `crossvpc-port=<portId>` on services and endpoints, the
 * marker `crossvpc-access=<instanceId>` in the description of security-group and network ACL rules), remove
 * the marked rules, and look at a workflow run (is a provisioning run still going?).
 *
 * Never a workflow's history: these work months after the provisioning run's retention has expired.
 * Same rules as activities/index.ts: idempotent, read before mutate, only ever touch what carries our marks.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { DmsClient } from '../src/otc/dms-client.js';
import type { VpcClient } from '../src/otc/vpc-client.js';
import type { VpcepClient } from '../src/otc/vpcep-client.js';
import type { Firewall, FirewallRule, SecurityGroupRule } from '../src/otc/vpc-schemas.js';
import { cloudCall, deleteIgnoringNotFound, isNotFound } from './failures.js';
import { instanceView } from './instance-view.js';
import { accessMarker, ACL_RULE_NAME_VPCEP, isVpcepKafkaIngressRule, KAFKA_CROSSVPC_PORT, tagValue, TAG_ACCESS, TAG_PORT, VPCEP_CIDR } from './naming.js';
import type { CredentialSetName, DeletedIds, InstanceView } from './types.js';

/** What the discovery activities need of a credential set's clients (the real clients satisfy it). */
export interface DiscoveryClients {
  vpcep: Pick<VpcepClient, 'listAllEndpointServices' | 'listAllEndpoints'>;
  dms: Pick<DmsClient, 'getInstance'>;
  vpc: Pick<VpcClient, 'listAllSecurityGroupRules' | 'deleteSecurityGroupRule' | 'listAllFirewalls' | 'getFirewall' | 'removeFirewallRules'>;
}

// ---- shapes (plain JSON, ids only) -------------------------------------------------------------------

export interface DiscoveredService {
  serviceId: string;
  /** `crossvpc-port` tag; null when the service carries only the access tag. */
  portId: string | null;
  status: string;
  serviceName: string;
  approvalEnabled: boolean;
}

export interface DiscoveredEndpoint {
  endpointId: string;
  portId: string | null;
  status: string;
  ip?: string;
  serviceId?: string;
  vpcId?: string;
  subnetId?: string;
  /** The credential set whose account holds the endpoint (where to delete it). */
  credentials: CredentialSetName;
}

export interface DiscoveredAcl {
  firewallId: string;
  /** Ingress rules carrying our marker. */
  markedRuleIds: string[];
  markedRuleNames: string[];
  /** Some enabled ingress rule allows TCP 9011 from the VPCEP segment (ours or not). */
  allowsVpcep: boolean;
  enabled: boolean;
}

export interface AccessSnapshot {
  instanceId: string;
  /** null when DMS answers 404 (instance deleted): the tagged resources are still found and can be removed. */
  instance: InstanceView | null;
  /** Endpoint services tagged for this access (instance account). */
  services: DiscoveredService[];
  /** Endpoints tagged for this access, in every account searched. */
  endpoints: DiscoveredEndpoint[];
  /** Security-group rules carrying our marker anywhere in the instance project. */
  markedSgRules: { ruleId: string; securityGroupId: string }[];
  /** On the instance security group: a rule admitting TCP 9011 from 198.19.128.0/17 (ours or not). */
  instanceSgRule: { ruleId: string; marked: boolean } | null;
  /** The network ACL of the instance subnet; null when the subnet has none (or the instance is gone). */
  instanceAcl: DiscoveredAcl | null;
  /** Network ACL rules carrying our marker, per ACL, anywhere in the instance project. */
  markedAclRules: { firewallId: string; ruleIds: string[] }[];
  /** Credential sets whose accounts were searched for endpoints, and optional ones not configured here. */
  searched: CredentialSetName[];
  skipped: CredentialSetName[];
}

export interface DiscoverArgs {
  instanceId: string;
  instanceCredentials: CredentialSetName;
  /** Accounts to search for endpoints (the instance's and the client's); an unknown name fails. */
  endpointCredentials: CredentialSetName[];
  /** Searched too when configured on this worker, silently skipped when not (e.g. `client`). */
  optionalEndpointCredentials?: CredentialSetName[];
}

export interface MarkedRuleArgs {
  credentials: CredentialSetName;
  instanceId: string;
}

export interface AclRemovalResult {
  ids: string[];
  firewallIds: string[];
}

export interface WorkflowRunState {
  /** `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TERMINATED`, `TIMED_OUT`, `CONTINUED_AS_NEW`, or `NOT_FOUND`. */
  status: string;
  runId?: string;
}

// ---- helpers -----------------------------------------------------------------------------------------

function isMarkedSgRule(r: SecurityGroupRule, marker: string): boolean {
  return r.direction === 'ingress' && r.description === marker && r.port_range_min === KAFKA_CROSSVPC_PORT && r.port_range_max === KAFKA_CROSSVPC_PORT;
}

function ruleEnabled(r: FirewallRule): boolean {
  return r.enabled === undefined || r.enabled === null || r.enabled === true || r.enabled === 'true';
}

function portSpecHas(spec: string | null | undefined, port: number): boolean {
  const s = (spec ?? '').trim();
  if (!s) return true;
  return s.split(',').some((part) => {
    const [a, b] = part.split(/[-:]/).map((x) => Number(x.trim()));
    if (a === undefined || Number.isNaN(a)) return false;
    return b === undefined || Number.isNaN(b) ? a === port : port >= a && port <= b;
  });
}

function aclAllowsVpcep(fw: Firewall): boolean {
  return (fw.ingress_rules ?? []).some(
    (r) =>
      ruleEnabled(r) &&
      (r.action ?? '').toLowerCase() === 'allow' &&
      ['tcp', 'any', '6', ''].includes((r.protocol ?? '').toLowerCase()) &&
      (r.source_ip_address === VPCEP_CIDR || r.name === ACL_RULE_NAME_VPCEP) &&
      portSpecHas(r.destination_port, KAFKA_CROSSVPC_PORT),
  );
}

// ---- the activities ------------------------------------------------------------------------------------

/**
 * `clientsOf(name)` resolves a credential set (throws a non-retryable `CredentialsNotConfigured` failure for
 * an unknown name); `isConfigured(name)` tells whether a set exists without failing.
 */
export function createDiscoveryActivities(clientsOf: (name: CredentialSetName) => DiscoveryClients, isConfigured: (name: CredentialSetName) => boolean) {
  return {
    /** One read-only look at everything this access may have left in the cloud. */
    async discoverAccess(args: DiscoverArgs): Promise<AccessSnapshot> {
      const c = clientsOf(args.instanceCredentials);
      const marker = accessMarker(args.instanceId);
      const required = [...new Set([args.instanceCredentials, ...args.endpointCredentials])];
      const optional = [...new Set(args.optionalEndpointCredentials ?? [])].filter((n) => !required.includes(n));
      const skipped = optional.filter((n) => !isConfigured(n));
      const searched = [...required, ...optional.filter((n) => isConfigured(n))];
      const endpointClients = searched.map((name) => ({ name, c: clientsOf(name) }));
      return cloudCall(async (signal) => {
        // The instance (may be gone).
        let instance: InstanceView | null = null;
        try {
          instance = instanceView(await c.dms.getInstance(args.instanceId, { signal }));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }

        const services = (await c.vpcep.listAllEndpointServices({}, { signal }))
          .filter((s) => tagValue(s.tags, TAG_ACCESS) === args.instanceId)
          .map<DiscoveredService>((s) => ({
            serviceId: s.id,
            portId: tagValue(s.tags, TAG_PORT) ?? null,
            status: s.status,
            serviceName: s.service_name,
            approvalEnabled: s.approval_enabled ?? true,
          }));

        const endpoints: DiscoveredEndpoint[] = [];
        const seen = new Set<string>();
        for (const { name, c: ec } of endpointClients) {
          for (const e of await ec.vpcep.listAllEndpoints({}, { signal })) {
            if (tagValue(e.tags, TAG_ACCESS) !== args.instanceId || seen.has(e.id)) continue;
            seen.add(e.id);
            endpoints.push({
              endpointId: e.id,
              portId: tagValue(e.tags, TAG_PORT) ?? null,
              status: e.status,
              ...(e.ip ? { ip: e.ip } : {}),
              ...(e.endpoint_service_id ? { serviceId: e.endpoint_service_id } : {}),
              ...(e.vpc_id ? { vpcId: e.vpc_id } : {}),
              ...(e.subnet_id ? { subnetId: e.subnet_id } : {}),
              credentials: name,
            });
          }
        }

        const rules = await c.vpc.listAllSecurityGroupRules({ direction: 'ingress' }, { signal });
        const markedSgRules = rules.filter((r) => isMarkedSgRule(r, marker)).map((r) => ({ ruleId: r.id, securityGroupId: r.security_group_id }));
        let instanceSgRule: AccessSnapshot['instanceSgRule'] = null;
        if (instance?.securityGroupId) {
          const onSg = rules.filter((r) => r.security_group_id === instance?.securityGroupId && isVpcepKafkaIngressRule(r));
          const pick = onSg.find((r) => r.description === marker) ?? onSg[0];
          if (pick) instanceSgRule = { ruleId: pick.id, marked: pick.description === marker };
        }

        const firewalls = await c.vpc.listAllFirewalls({}, { signal });
        const full: Firewall[] = [];
        for (const fw of firewalls) full.push(fw.ingress_rules ? fw : await c.vpc.getFirewall(fw.id, { signal }));
        const markedAclRules = full
          .map((fw) => ({ firewallId: fw.id, ruleIds: (fw.ingress_rules ?? []).filter((r) => r.description === marker).map((r) => r.id) }))
          .filter((x) => x.ruleIds.length > 0);
        let instanceAcl: DiscoveredAcl | null = null;
        const subnetId = instance?.subnetId;
        const fw = subnetId ? full.find((f) => (f.associations ?? []).some((a) => a.virsubnet_id === subnetId)) : undefined;
        if (fw) {
          const marked = (fw.ingress_rules ?? []).filter((r) => r.description === marker);
          instanceAcl = {
            firewallId: fw.id,
            markedRuleIds: marked.map((r) => r.id),
            markedRuleNames: marked.map((r) => r.name ?? ''),
            allowsVpcep: aclAllowsVpcep(fw),
            enabled: fw.admin_state_up !== false,
          };
        }
        return { instanceId: args.instanceId, instance, services, endpoints, markedSgRules, instanceSgRule, instanceAcl, markedAclRules, searched, skipped };
      });
    },

    /** Delete every security-group rule carrying this access's marker (on 9011), wherever it is. */
    async removeMarkedSecurityGroupRules(args: MarkedRuleArgs): Promise<DeletedIds> {
      const c = clientsOf(args.credentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (signal, mutate) => {
        const rules = (await c.vpc.listAllSecurityGroupRules({ direction: 'ingress' }, { signal })).filter((r) => isMarkedSgRule(r, marker));
        for (const r of rules) await deleteIgnoringNotFound(mutate, () => c.vpc.deleteSecurityGroupRule(r.id));
        return { ids: rules.map((r) => r.id) };
      });
    },

    /** Remove every network ACL ingress rule carrying this access's marker, in every ACL of the project. */
    async removeMarkedAclRules(args: MarkedRuleArgs): Promise<AclRemovalResult> {
      const c = clientsOf(args.credentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (signal, mutate) => {
        const ids: string[] = [];
        const firewallIds: string[] = [];
        for (const listed of await c.vpc.listAllFirewalls({}, { signal })) {
          const fw = listed.ingress_rules ? listed : await c.vpc.getFirewall(listed.id, { signal });
          const ours = (fw.ingress_rules ?? []).filter((r) => r.description === marker).map((r) => r.id);
          if (ours.length === 0) continue;
          await deleteIgnoringNotFound(mutate, () => c.vpc.removeFirewallRules(fw.id, ours, { direction: 'ingress' }));
          ids.push(...ours);
          firewallIds.push(fw.id);
        }
        return { ids, firewallIds };
      });
    },

    /** The state of the latest run of a workflow id (through the worker's own Temporal client). */
    async describeWorkflowRun(args: { workflowId: string }): Promise<WorkflowRunState> {
      const ctx = Context.current();
      try {
        const d = await ctx.client.workflow.getHandle(args.workflowId).describe();
        return { status: d.status.name, runId: d.runId };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND' };
        throw err;
      }
    },
  };
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;
