/**
 * Discovery for the teardown and re-verification workflows: find an access's resources **from the cloud
 * itself** (tags `crossvpc-access=<instanceId>` / `crossvpc-port=<portId>` on services and endpoints, the
 * marker `crossvpc-access=<instanceId>` in the description of security-group and network ACL rules).
 *
 * Never a workflow's history: this works months after the provisioning run's retention has expired.
 * Read-only. An instance read that fails for any reason but "not found" (throttling included: DMS sends its
 * flow control as HTTP 404) fails the look, so a teardown never mistakes a busy cloud for a deleted instance.
 */
import { isNotFound } from '../src/otc/errors.js';
import type { Firewall, SecurityGroupRule } from '../src/otc/vpc-schemas.js';
import type { Clients } from './clients.js';
import { cloudCall } from './cloud-call.js';
import { instanceView } from './instance-view.js';
import { accessMarker, isVpcepKafkaIngressRule, KAFKA_CROSSVPC_PORT, tagValue, TAG_ACCESS, TAG_PORT } from './naming.js';
import { aclAllowsVpcep } from './network-rules.js';
import type { CredentialSetName, InstanceView } from './types.js';

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
  clientCredentials: CredentialSetName;
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

// ---- helpers -----------------------------------------------------------------------------------------

function isMarkedSgRule(r: SecurityGroupRule, marker: string): boolean {
  return r.direction === 'ingress' && r.description === marker && r.port_range_min === KAFKA_CROSSVPC_PORT && r.port_range_max === KAFKA_CROSSVPC_PORT;
}

// ---- the activities ------------------------------------------------------------------------------------

export function createDiscoveryActivities(clients: Clients) {
  const clientsOf = (name: CredentialSetName) => clients.of(name);
  const isConfigured = (name: CredentialSetName) => clients.isConfigured(name);
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
      return cloudCall(async (scope) => {
        // The instance (may be gone).
        let instance: InstanceView | null = null;
        try {
          instance = instanceView(await c.dms.getInstance(args.instanceId, scope.read()));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }

        const services = (await c.vpcep.listAllEndpointServices({}, scope.read()))
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
          for (const e of await ec.vpcep.listAllEndpoints({}, scope.read())) {
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
              clientCredentials: name,
            });
          }
        }

        const rules = await c.vpc.listAllSecurityGroupRules({ direction: 'ingress' }, scope.read());
        const markedSgRules = rules.filter((r) => isMarkedSgRule(r, marker)).map((r) => ({ ruleId: r.id, securityGroupId: r.security_group_id }));
        let instanceSgRule: AccessSnapshot['instanceSgRule'] = null;
        if (instance?.securityGroupId) {
          const onSg = rules.filter((r) => r.security_group_id === instance?.securityGroupId && isVpcepKafkaIngressRule(r));
          const pick = onSg.find((r) => r.description === marker) ?? onSg[0];
          if (pick) instanceSgRule = { ruleId: pick.id, marked: pick.description === marker };
        }

        const firewalls = await c.vpc.listAllFirewalls({}, scope.read());
        const full: Firewall[] = [];
        for (const fw of firewalls) full.push(fw.ingress_rules ? fw : await c.vpc.getFirewall(fw.id, scope.read()));
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
  };
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;
