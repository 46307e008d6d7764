/**
 * What a provisioning would do (pure): from the instance, the baseline and the preflight of `readAccess`, per
 * broker port the endpoint service and endpoint to create or adopt, the whitelist entry, the rules, and the
 * advertised-IP change by port id (before → after; an endpoint IP not known yet is "to be assigned").
 */
import type { AccessState } from '../activities/types.js';
import { serviceNameForPort, type ProvisionInput } from './input.js';
import { classifyAdvertised } from './mapping.js';
import { baselineEndpointIps } from './baseline.js';

export const TO_BE_ASSIGNED = 'to be assigned';
export const PLAN_WORKFLOW_TYPE = 'planCrossVpcAccess';

/** Workflow id of one plan (a plan is read-only: several may run at once). */
export function planWorkflowId(instanceId: string, nonce: string): string {
  return `crossvpc-plan-${instanceId}-${nonce}`;
}

export interface PortPlan {
  portId: string;
  listenerIp: string;
  service: { action: 'create' | 'adopt'; name: string; id?: string };
  endpoint: { action: 'create' | 'adopt'; id?: string; ip?: string };
  whitelist: { action: 'add' | 'present' | 'not-needed'; domainId?: string };
  advertised: { before: string; after: string };
}

export interface AccessPlan {
  instanceId: string;
  /** Provisioning can go ahead (no preflight problem, no foreign advertised IP unless forced). */
  ok: boolean;
  problems: AccessState['problems'];
  /** Brokers advertising IPs that are neither their listener IP nor an endpoint of this access. */
  foreignAdvertised: { listenerIp: string; advertisedIp: string }[];
  /** The foreign IPs would be taken over (force) — they come back on a rollback. */
  force: boolean;
  ports: PortPlan[];
  securityGroupRule: { action: 'create' | 'present' | 'not-managed'; securityGroupId: string; ruleId?: string };
  networkAcl: { action: 'insert' | 'present' | 'no-acl' | 'not-managed'; firewallId?: string; ruleIds?: string[] };
  quotas: AccessState['quotas'];
}

export function buildPlan(input: ProvisionInput, state: AccessState): AccessPlan {
  const { instance, baseline } = state;
  const cls = classifyAdvertised(instance.entries, baselineEndpointIps(baseline));
  const foreign = instance.entries.filter((e) => cls.foreign.includes(e.listenerIp)).map((e) => ({ listenerIp: e.listenerIp, advertisedIp: e.advertisedIp }));
  const ports: PortPlan[] = instance.entries.map((e) => {
    const b = baseline.ports.find((p) => p.portId === e.portId);
    const serviceId = b?.serviceIds[0];
    const ep = b?.endpoints.find((x) => (x.vpcId ?? input.clientVpcId) === input.clientVpcId && (x.subnetId ?? input.clientSubnetId) === input.clientSubnetId);
    return {
      portId: e.portId,
      listenerIp: e.listenerIp,
      service: serviceId ? { action: 'adopt', name: serviceNameForPort(e.portId), id: serviceId } : { action: 'create', name: serviceNameForPort(e.portId) },
      endpoint: ep ? { action: 'adopt', id: ep.endpointId, ...(ep.ip ? { ip: ep.ip } : {}) } : { action: 'create' },
      whitelist: !input.clientDomainId ? { action: 'not-needed' } : b?.whitelisted && serviceId ? { action: 'present', domainId: input.clientDomainId } : { action: 'add', domainId: input.clientDomainId },
      advertised: { before: e.advertisedIp, after: ep?.ip ?? TO_BE_ASSIGNED },
    };
  });
  return {
    instanceId: input.instanceId,
    ok: state.problems.length === 0 && (foreign.length === 0 || input.force),
    problems: state.problems,
    foreignAdvertised: foreign,
    force: input.force,
    ports,
    securityGroupRule: !input.manageSecurityGroupRule
      ? { action: 'not-managed', securityGroupId: instance.securityGroupId }
      : baseline.securityGroupRule
        ? { action: 'present', securityGroupId: instance.securityGroupId, ruleId: baseline.securityGroupRule.ruleId }
        : { action: 'create', securityGroupId: instance.securityGroupId },
    networkAcl:
      input.manageNetworkAcl === 'never'
        ? { action: 'not-managed' }
        : !baseline.networkAcl
          ? { action: 'no-acl' }
          : baseline.networkAcl.ruleIds.length > 0
            ? { action: 'present', firewallId: baseline.networkAcl.firewallId, ruleIds: baseline.networkAcl.ruleIds }
            : { action: 'insert', firewallId: baseline.networkAcl.firewallId },
    quotas: state.quotas,
  };
}
