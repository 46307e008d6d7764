/**
 * VPC shapes: Neutron v2.0 security-group rules (otc-dms-vpc-iam-api.md §3.1) and the v3 network ACL
 * ("firewall", §4.1). Wire names kept.
 */
import { z } from 'zod';
import { optBoolean, optNumber, optString, TagSchema } from './common-schemas.js';

export const SecurityGroupRuleSchema = z.looseObject({
  id: z.string(),
  security_group_id: z.string(),
  direction: z.string(),
  ethertype: optString,
  protocol: optString,
  port_range_min: optNumber,
  port_range_max: optNumber,
  remote_ip_prefix: optString,
  remote_group_id: optString,
  remote_address_group_id: optString,
  description: optString,
  tenant_id: optString,
  project_id: optString,
  created_at: optString,
  updated_at: optString,
});
export type SecurityGroupRule = z.output<typeof SecurityGroupRuleSchema>;

const LinkSchema = z.looseObject({ href: z.string(), rel: z.string() });

export const SecurityGroupRuleListSchema = z.looseObject({
  security_group_rules: z.array(SecurityGroupRuleSchema),
  security_group_rules_links: z.array(LinkSchema).nullish(),
});
export type SecurityGroupRuleList = z.output<typeof SecurityGroupRuleListSchema>;

export const SecurityGroupRuleEnvelopeSchema = z.looseObject({ security_group_rule: SecurityGroupRuleSchema });

export interface CreateSecurityGroupRuleInput {
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype?: 'IPv4' | 'IPv6';
  protocol?: string;
  port_range_min?: number;
  port_range_max?: number;
  remote_ip_prefix?: string;
  remote_group_id?: string;
  remote_address_group_id?: string;
  description?: string;
}

/** Neutron list filters (exact match) plus `limit`/`marker` paging. */
export interface ListSecurityGroupRulesQuery {
  security_group_id?: string;
  direction?: 'ingress' | 'egress';
  ethertype?: 'IPv4' | 'IPv6';
  protocol?: string;
  port_range_min?: number;
  port_range_max?: number;
  remote_ip_prefix?: string;
  remote_group_id?: string;
  id?: string;
  description?: string;
  limit?: number;
  marker?: string;
  page_reverse?: boolean;
}

export const FirewallRuleSchema = z.looseObject({
  id: z.string(),
  name: optString,
  description: optString,
  action: optString,
  project_id: optString,
  protocol: optString,
  ip_version: optNumber,
  source_ip_address: optString,
  destination_ip_address: optString,
  source_port: optString,
  destination_port: optString,
  source_address_group_id: optString,
  destination_address_group_id: optString,
  enabled: z.union([z.boolean(), z.string()]).nullish(),
});
export type FirewallRule = z.output<typeof FirewallRuleSchema>;

export const FirewallSchema = z.looseObject({
  id: z.string(),
  name: optString,
  description: optString,
  project_id: optString,
  created_at: optString,
  updated_at: optString,
  admin_state_up: optBoolean,
  /** `ACTIVE` = associated with a subnet. */
  status: optString,
  enterprise_project_id: optString,
  tags: z.array(TagSchema).nullish(),
  associations: z.array(z.looseObject({ virsubnet_id: z.string() })).nullish(),
  /** Present on show/insert/remove answers; list answers may leave the rules out. */
  ingress_rules: z.array(FirewallRuleSchema).nullish(),
  egress_rules: z.array(FirewallRuleSchema).nullish(),
});
export type Firewall = z.output<typeof FirewallSchema>;

export const FirewallListSchema = z.looseObject({
  firewalls: z.array(FirewallSchema),
  page_info: z.looseObject({ previous_marker: optString, current_count: optNumber, next_marker: optString }).nullish(),
  request_id: optString,
});
export type FirewallList = z.output<typeof FirewallListSchema>;

export const FirewallEnvelopeSchema = z.looseObject({ firewall: FirewallSchema, request_id: optString });

export interface ListFirewallsQuery {
  id?: string | string[];
  name?: string | string[];
  status?: string;
  admin_state_up?: boolean;
  enterprise_project_id?: string;
  limit?: number;
  marker?: string;
}

export interface FirewallRuleInput {
  action: 'allow' | 'deny';
  /** `tcp|udp|icmp|icmpv6|any` or a protocol number. */
  protocol: string;
  ip_version: 4 | 6;
  name?: string;
  description?: string;
  source_ip_address?: string;
  destination_ip_address?: string;
  /** `"22"`, `"22-30"`, `"22,23-30"`. */
  source_port?: string;
  destination_port?: string;
  source_address_group_id?: string;
  destination_address_group_id?: string;
  enabled?: boolean;
}

/** The `firewall` object of PUT …/insert-rules. Without `insert_after_rule` rules go to the TOP of the list. */
export interface InsertFirewallRulesInput {
  ingress_rules?: FirewallRuleInput[];
  egress_rules?: FirewallRuleInput[];
  insert_after_rule?: string;
}

export type FirewallRuleDirection = 'ingress' | 'egress';

// ---- VPCs and subnets (VPC v1: GET /v1/{project_id}/vpcs/{vpc_id}, /v1/{project_id}/subnets/{subnet_id}) ----

export const VpcSchema = z.looseObject({ id: z.string(), name: optString, cidr: optString, status: optString });
export type Vpc = z.output<typeof VpcSchema>;
export const VpcEnvelopeSchema = z.looseObject({ vpc: VpcSchema });

/** A VPC-API subnet: its `id` is the Neutron *network* id (what VPCEP's `subnet_id` takes). */
export const SubnetSchema = z.looseObject({ id: z.string(), name: optString, cidr: optString, vpc_id: optString, status: optString, neutron_subnet_id: optString });
export type Subnet = z.output<typeof SubnetSchema>;
export const SubnetEnvelopeSchema = z.looseObject({ subnet: SubnetSchema });
