/**
 * Would the cloud let VPCEP traffic (source 198.19.128.0/17) reach a backend now? Used by the data plane on
 * every new forwarded connection. Security group: some ingress rule must admit the whole segment on the TCP
 * port (stateful SG, default deny). Network ACL (only where the instance subnet has an enabled one): ingress
 * rules in order, first match wins, default deny.
 */
import { cidrContainsCidr, cidrContainsIp, cidrsIntersect } from '../util/ip.js';
import type { AclRule, SgRule, World } from './world.js';

export const VPCEP_SEGMENT = '198.19.128.0/17';

function sgRuleAdmits(rule: SgRule, port: number): boolean {
  if (rule.direction !== 'ingress' || rule.ethertype !== 'IPv4') return false;
  const proto = rule.protocol?.toLowerCase() ?? null;
  if (proto !== null && proto !== 'tcp' && proto !== '6' && proto !== 'any') return false;
  if (rule.port_range_min !== null && port < rule.port_range_min) return false;
  if (rule.port_range_max !== null && port > rule.port_range_max) return false;
  if (rule.remote_group_id !== null || rule.remote_address_group_id !== null) return false;
  const prefix = rule.remote_ip_prefix ?? '0.0.0.0/0';
  return cidrContainsCidr(prefix, VPCEP_SEGMENT);
}

/** `"9011"`, `"9000-9100"`, `"22,9011,23-30"`; empty = any. */
export function portSpecContains(spec: string, port: number): boolean {
  const s = spec.trim();
  if (s === '') return true;
  return s.split(',').some((part) => {
    const [a, b] = part.split(/[-:]/).map((x) => Number(x.trim()));
    if (a === undefined || Number.isNaN(a)) return false;
    return b === undefined || Number.isNaN(b) ? port === a : port >= a && port <= b;
  });
}

function aclProtocolMatches(protocol: string): boolean {
  const p = protocol.toLowerCase();
  return p === 'any' || p === 'tcp' || p === '6' || p === '';
}

/** 'allow' / 'deny' when the rule decides for the segment → targetIp:port, undefined when it does not match. */
function aclRuleDecision(rule: AclRule, targetIp: string, port: number): 'allow' | 'deny' | undefined {
  if (!rule.enabled || rule.ip_version !== 4 || !aclProtocolMatches(rule.protocol)) return undefined;
  if (rule.destination_ip_address && !cidrContainsIp(rule.destination_ip_address, targetIp)) return undefined;
  if (!portSpecContains(rule.destination_port, port)) return undefined;
  const source = rule.source_ip_address || '0.0.0.0/0';
  if (rule.action === 'allow') {
    // An allow must cover every address of the segment (and any source port) to count.
    if (rule.source_port.trim() !== '' || rule.source_address_group_id) return undefined;
    return cidrContainsCidr(source, VPCEP_SEGMENT) ? 'allow' : undefined;
  }
  // A deny that touches any part of the segment blocks it.
  return cidrsIntersect(source, VPCEP_SEGMENT) ? 'deny' : undefined;
}

export interface Reachability {
  allowed: boolean;
  securityGroup: boolean;
  /** undefined when the subnet has no (enabled) ACL. */
  networkAcl: boolean | undefined;
}

export function vpcepReachability(world: World, instanceId: string, targetIp: string, port: number): Reachability {
  const instance = world.instances.get(instanceId);
  if (!instance) return { allowed: false, securityGroup: false, networkAcl: undefined };
  const securityGroup = [...world.sgRules.values()].some((r) => r.security_group_id === instance.securityGroupId && sgRuleAdmits(r, port));
  const acl = world.aclOfSubnet(instance.subnetId);
  let networkAcl: boolean | undefined;
  if (acl && acl.adminStateUp) {
    networkAcl = false;
    for (const rule of acl.ingressRules) {
      const d = aclRuleDecision(rule, targetIp, port);
      if (d) {
        networkAcl = d === 'allow';
        break;
      }
    }
  }
  return { allowed: securityGroup && networkAcl !== false, securityGroup, networkAcl };
}
