/** Deterministic names, tags and markers by which an access finds its own resources again. */
import type { Tag } from '../src/otc/common-schemas.js';
import type { SecurityGroupRule } from '../src/otc/vpc-schemas.js';

export const TAG_ACCESS = 'crossvpc-access';
export const TAG_PORT = 'crossvpc-port';
/** The VPCEP service segment (must reach the brokers on 9011). */
export const VPCEP_CIDR = '198.19.128.0/17';
export const KAFKA_CROSSVPC_PORT = 9011;
export const ACL_RULE_NAME_VPCEP = 'crossvpc-9011-vpcep';
export const ACL_RULE_NAME_CLIENT = 'crossvpc-9011-client';

/** The rule the procedure needs: ingress IPv4 TCP 9011..9011 from 198.19.128.0/17 (whoever created it). */
export function isVpcepKafkaIngressRule(r: SecurityGroupRule): boolean {
  return (
    r.direction === 'ingress' &&
    (r.ethertype ?? 'IPv4') === 'IPv4' &&
    (r.protocol ?? '').toLowerCase() === 'tcp' &&
    r.port_range_min === KAFKA_CROSSVPC_PORT &&
    r.port_range_max === KAFKA_CROSSVPC_PORT &&
    r.remote_ip_prefix === VPCEP_CIDR
  );
}

/** Description marker of network rules this access created (`crossvpc-access=<instanceId>`). */
export function accessMarker(instanceId: string): string {
  return `${TAG_ACCESS}=${instanceId}`;
}

/** A description that is some access's marker (`crossvpc-access=<id>`): the rule was made by kafka-crossvpc. */
export function isCrossVpcMarker(description: string | null | undefined): boolean {
  return typeof description === 'string' && description.startsWith(`${TAG_ACCESS}=`) && description.length > TAG_ACCESS.length + 1;
}

export function accessTags(instanceId: string, portId: string): Tag[] {
  return [
    { key: TAG_ACCESS, value: instanceId },
    { key: TAG_PORT, value: portId },
  ];
}

export function tagValue(tags: readonly Tag[] | null | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value ?? undefined;
}

/** true when the tags mark the resource as this access's (and this port's, when given). */
export function hasAccessTags(tags: readonly Tag[] | null | undefined, instanceId: string, portId?: string): boolean {
  if (tagValue(tags, TAG_ACCESS) !== instanceId) return false;
  return portId === undefined || tagValue(tags, TAG_PORT) === portId;
}

/** The middle part of `{region}.{name}.{id}` (or the name itself when the API returns it bare). */
export function shortServiceName(full: string | null | undefined): string | undefined {
  if (!full) return undefined;
  const parts = full.split('.');
  if (parts.length >= 3) return parts.slice(1, -1).join('.');
  return full;
}
