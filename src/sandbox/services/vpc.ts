/**
 * VPC: Neutron v2.0 security groups and rules (project from the token / X-Project-Id), VPC v3 network ACLs
 * ("firewalls") with ordered rules and subnet associations, and read-only VPC v1 VPCs/subnets.
 * Error shapes (otc-dms-vpc-iam-api.md §7): Neutron `{"NeutronError":{type,message,detail}}`,
 * v3 `{request_id,error_code,error_msg}`, v1 `{code,message}`.
 */
import { z } from 'zod';
import { callerProject, implicitProject } from '../auth/authenticator.js';
import type { SandboxContext } from '../context.js';
import { jsonBody } from '../http/server.js';
import { HttpError, param, type RequestContext, type RouteDef } from '../http/types.js';
import { isoSeconds, neutronTime, type AclRule, type NetworkAcl, type Project, type SgRule } from '../state/world.js';
import { isCidr, isIpv4, normaliseCidr } from '../util/ip.js';

export function neutronError(status: number, type: string, message: string): HttpError {
  return new HttpError(status, { NeutronError: { type, message, detail: '' } });
}

const ruleCreateSchema = z.looseObject({
  security_group_rule: z.looseObject({
    security_group_id: z.string().optional(),
    direction: z.string().optional(),
    ethertype: z.string().nullable().optional(),
    protocol: z.union([z.string(), z.number()]).nullable().optional(),
    port_range_min: z.union([z.number(), z.string()]).nullable().optional(),
    port_range_max: z.union([z.number(), z.string()]).nullable().optional(),
    remote_ip_prefix: z.string().nullable().optional(),
    remote_group_id: z.string().nullable().optional(),
    remote_address_group_id: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
  }),
});

const aclRuleInput = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  action: z.string(),
  protocol: z.union([z.string(), z.number()]),
  ip_version: z.number(),
  source_ip_address: z.string().optional(),
  destination_ip_address: z.string().optional(),
  source_port: z.string().optional(),
  destination_port: z.string().optional(),
  source_address_group_id: z.string().optional(),
  destination_address_group_id: z.string().optional(),
  enabled: z.boolean().optional(),
});
const insertRulesSchema = z.looseObject({
  firewall: z.looseObject({
    ingress_rules: z.array(aclRuleInput).optional(),
    egress_rules: z.array(aclRuleInput).optional(),
    insert_after_rule: z.string().optional(),
  }),
  dry_run: z.boolean().optional(),
});
const removeRulesSchema = z.looseObject({
  firewall: z.looseObject({
    ingress_rules: z.array(z.looseObject({ id: z.string() })).optional(),
    egress_rules: z.array(z.looseObject({ id: z.string() })).optional(),
  }),
});
const subnetsSchema = z.looseObject({ subnets: z.array(z.looseObject({ virsubnet_id: z.string() })).min(1) });
const createFirewallSchema = z.looseObject({
  firewall: z.looseObject({ name: z.string().min(1).max(64), description: z.string().max(255).optional(), admin_state_up: z.boolean().optional() }),
});

const RULE_FILTERS = [
  'id',
  'security_group_id',
  'direction',
  'ethertype',
  'protocol',
  'port_range_min',
  'port_range_max',
  'remote_ip_prefix',
  'remote_group_id',
  'remote_address_group_id',
  'description',
  'tenant_id',
  'project_id',
] as const;

function portValue(v: number | string | null | undefined): number | null | 'invalid' {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : 'invalid';
}

export function vpcRoutes(sb: SandboxContext): RouteDef[] {
  const w = () => sb.world();
  const neutronProject = (ctx: RequestContext): Project => implicitProject(ctx.principal, (m) => neutronError(403, 'HTTPForbidden', m));
  const v3err = (ctx: RequestContext, status: number, code: string, message: string) =>
    new HttpError(status, { request_id: ctx.requestId, error_code: code, error_msg: message });
  const v3project = (ctx: RequestContext): Project =>
    callerProject(ctx.principal, w(), param(ctx, 'project_id'), (m) => v3err(ctx, 403, 'VPC.0003', `Access denied: ${m}`));
  const v1project = (ctx: RequestContext): Project =>
    callerProject(ctx.principal, w(), param(ctx, 'project_id'), (m) => new HttpError(403, { code: 'VPC.0003', message: `Access denied: ${m}` }));

  // ---- Neutron security groups and rules ----
  const rulesOfProject = (p: Project): SgRule[] =>
    [...w().sgRules.values()].filter((r) => w().securityGroups.get(r.security_group_id)?.projectId === p.id);

  const renderGroup = (id: string) => {
    const g = w().securityGroups.get(id);
    if (!g) return undefined;
    return {
      id: g.id,
      name: g.name,
      description: g.description,
      tenant_id: g.projectId,
      project_id: g.projectId,
      security_group_rules: [...w().sgRules.values()].filter((r) => r.security_group_id === g.id),
      created_at: neutronTime(g.createdAt),
      updated_at: neutronTime(g.createdAt),
      tags: [],
    };
  };

  const listRules = (ctx: RequestContext) => {
    const p = neutronProject(ctx);
    let rules = rulesOfProject(p);
    for (const key of RULE_FILTERS) {
      const values = ctx.query.getAll(key);
      if (values.length === 0) continue;
      rules = rules.filter((r) => values.includes(r[key] === null ? '' : String(r[key])));
    }
    rules.sort((a, b) => a.id.localeCompare(b.id));
    if (ctx.query.get('page_reverse') === 'true') rules.reverse();
    const marker = ctx.query.get('marker');
    if (marker) {
      const i = rules.findIndex((r) => r.id === marker);
      rules = i >= 0 ? rules.slice(i + 1) : rules;
    }
    const limitText = ctx.query.get('limit');
    if (limitText !== null) {
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 0) throw neutronError(400, 'HTTPBadRequest', `Invalid limit ${limitText}.`);
      if (limit > 0) rules = rules.slice(0, limit);
    }
    return { status: 200, body: { security_group_rules: rules } };
  };

  const createRule = (ctx: RequestContext) => {
    const p = neutronProject(ctx);
    const raw = jsonBody(ctx, (m) => neutronError(400, 'HTTPBadRequest', m));
    const parsed = ruleCreateSchema.safeParse(raw);
    if (!parsed.success) throw neutronError(400, 'HTTPBadRequest', `Invalid input: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
    const r = parsed.data.security_group_rule;
    if (!r.security_group_id) throw neutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'security_group_id' not specified");
    const sg = w().securityGroups.get(r.security_group_id);
    if (!sg || sg.projectId !== p.id) throw neutronError(404, 'SecurityGroupNotFound', `Security group ${r.security_group_id} does not exist`);
    if (r.direction !== 'ingress' && r.direction !== 'egress') throw neutronError(400, 'HTTPBadRequest', `Invalid input for direction. Reason: ${r.direction ?? 'None'} is not in [u'ingress', u'egress'].`);
    const ethertype = r.ethertype ?? 'IPv4';
    if (ethertype !== 'IPv4' && ethertype !== 'IPv6') throw neutronError(400, 'HTTPBadRequest', `Invalid input for ethertype. Reason: ${ethertype} is not in [u'IPv4', u'IPv6'].`);
    const protocol = r.protocol === null || r.protocol === undefined || r.protocol === '' ? null : String(r.protocol).toLowerCase();
    if (protocol !== null && !['tcp', 'udp', 'icmp', 'icmpv6', 'any'].includes(protocol) && !/^\d{1,3}$/.test(protocol)) {
      throw neutronError(400, 'SecurityGroupRuleInvalidProtocol', `Security group rule protocol ${protocol} not supported.`);
    }
    const min = portValue(r.port_range_min);
    const max = portValue(r.port_range_max);
    if (min === 'invalid' || max === 'invalid') throw neutronError(400, 'HTTPBadRequest', 'Invalid value for port range.');
    if ((min !== null || max !== null) && protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') {
      throw neutronError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
    }
    if ((protocol === 'tcp' || protocol === 'udp') && min !== null && max !== null && min > max) {
      throw neutronError(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
    }
    if ((protocol === 'tcp' || protocol === 'udp') && (min === 0 || max === 0)) throw neutronError(400, 'SecurityGroupInvalidPortValue', 'Invalid value for port 0');
    const remoteIp = r.remote_ip_prefix ?? null;
    if (remoteIp !== null && !isCidr(remoteIp)) throw neutronError(400, 'HTTPBadRequest', `Invalid input for remote_ip_prefix. Reason: '${remoteIp}' is not a valid IP subnet.`);
    const remoteGroup = r.remote_group_id ?? null;
    if (remoteIp !== null && remoteGroup !== null) {
      throw neutronError(400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
    }
    if (remoteGroup !== null && !w().securityGroups.has(remoteGroup)) throw neutronError(404, 'SecurityGroupNotFound', `Security group ${remoteGroup} does not exist`);
    const normalisedPrefix = remoteIp === null ? null : (normaliseCidr(remoteIp) ?? remoteIp);
    const portMax = max ?? (protocol === 'tcp' || protocol === 'udp' ? min : null);
    const candidate = {
      security_group_id: sg.id,
      direction: r.direction,
      ethertype,
      protocol,
      port_range_min: min,
      port_range_max: portMax,
      remote_ip_prefix: normalisedPrefix,
      remote_group_id: remoteGroup,
      remote_address_group_id: r.remote_address_group_id ?? null,
    } as const;
    const duplicate = [...w().sgRules.values()].find((x) =>
      (Object.keys(candidate) as (keyof typeof candidate)[]).every((k) => x[k] === candidate[k]),
    );
    if (duplicate) throw neutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${duplicate.id}.`);
    const now = neutronTime(sb.now());
    const rule: SgRule = {
      id: sb.ids.next('sg-rule'),
      ...candidate,
      description: r.description ?? '',
      tenant_id: p.id,
      project_id: p.id,
      created_at: now,
      updated_at: now,
    };
    w().sgRules.set(rule.id, rule);
    return { status: 201, body: { security_group_rule: rule } };
  };

  const ownRule = (ctx: RequestContext): SgRule => {
    const p = neutronProject(ctx);
    const id = param(ctx, 'rule_id');
    const rule = w().sgRules.get(id);
    if (!rule || w().securityGroups.get(rule.security_group_id)?.projectId !== p.id) {
      throw neutronError(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);
    }
    return rule;
  };

  // ---- v3 network ACLs ----
  const renderAcl = (acl: NetworkAcl) => ({
    id: acl.id,
    name: acl.name,
    description: acl.description,
    project_id: acl.projectId,
    created_at: isoSeconds(acl.createdAt),
    updated_at: isoSeconds(acl.updatedAt),
    admin_state_up: acl.adminStateUp,
    status: acl.subnetIds.length > 0 ? 'ACTIVE' : 'INACTIVE',
    enterprise_project_id: '0',
    tags: [],
    associations: acl.subnetIds.map((id) => ({ virsubnet_id: id })),
    ingress_rules: acl.ingressRules,
    egress_rules: acl.egressRules,
  });
  const ownAcl = (ctx: RequestContext, p: Project): NetworkAcl => {
    const acl = w().acls.get(param(ctx, 'firewall_id'));
    if (!acl || acl.projectId !== p.id) throw v3err(ctx, 404, 'VPC.1702', 'The network ACL does not exist.');
    return acl;
  };
  const v3body = <T>(ctx: RequestContext, schema: z.ZodType<T>): T => {
    const raw = jsonBody(ctx, (m) => v3err(ctx, 400, 'VPC.0002', m));
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw v3err(ctx, 400, 'VPC.0002', `Invalid parameter: ${i ? `${i.path.join('.')}: ${i.message}` : ''}`);
    }
    return parsed.data;
  };
  const toAclRule = (ctx: RequestContext, p: Project, r: z.infer<typeof aclRuleInput>): AclRule => {
    if (r.action !== 'allow' && r.action !== 'deny') throw v3err(ctx, 400, 'VPC.0002', `Invalid action ${r.action}.`);
    if (r.ip_version !== 4 && r.ip_version !== 6) throw v3err(ctx, 400, 'VPC.0002', `Invalid ip_version ${r.ip_version}.`);
    const protocol = String(r.protocol).toLowerCase();
    if (!['tcp', 'udp', 'icmp', 'icmpv6', 'any'].includes(protocol) && !(/^\d{1,3}$/.test(protocol) && Number(protocol) <= 255)) {
      throw v3err(ctx, 400, 'VPC.0002', `Invalid protocol ${protocol}.`);
    }
    for (const [k, v] of [
      ['source_ip_address', r.source_ip_address],
      ['destination_ip_address', r.destination_ip_address],
    ] as const) {
      if (v && !isCidr(v) && !isIpv4(v)) throw v3err(ctx, 400, 'VPC.0002', `Invalid ${k} ${v}.`);
    }
    for (const [k, v] of [
      ['source_port', r.source_port],
      ['destination_port', r.destination_port],
    ] as const) {
      if (v && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw v3err(ctx, 400, 'VPC.0002', `Invalid ${k} ${v}.`);
    }
    return {
      id: sb.ids.next('acl-rule'),
      name: r.name ?? '',
      description: r.description ?? '',
      action: r.action,
      project_id: p.id,
      protocol,
      ip_version: r.ip_version,
      source_ip_address: r.source_ip_address ?? '',
      destination_ip_address: r.destination_ip_address ?? '',
      source_port: r.source_port ?? '',
      destination_port: r.destination_port ?? '',
      source_address_group_id: r.source_address_group_id ?? '',
      destination_address_group_id: r.destination_address_group_id ?? '',
      enabled: r.enabled ?? true,
    };
  };

  const insertRules = (ctx: RequestContext) => {
    const p = v3project(ctx);
    const acl = ownAcl(ctx, p);
    const b = v3body(ctx, insertRulesSchema);
    const after = b.firewall.insert_after_rule;
    const insert = (list: AclRule[], rules: AclRule[]): AclRule[] => {
      if (!after) return [...rules, ...list];
      const i = list.findIndex((x) => x.id === after);
      if (i < 0) throw v3err(ctx, 400, 'VPC.1708', `The rule ${after} does not exist in the network ACL.`);
      return [...list.slice(0, i + 1), ...rules, ...list.slice(i + 1)];
    };
    const ingress = (b.firewall.ingress_rules ?? []).map((r) => toAclRule(ctx, p, r));
    const egress = (b.firewall.egress_rules ?? []).map((r) => toAclRule(ctx, p, r));
    if (ingress.length === 0 && egress.length === 0) throw v3err(ctx, 400, 'VPC.0002', 'Invalid parameter: no rules given.');
    if (after && ingress.length > 0 && egress.length > 0) throw v3err(ctx, 400, 'VPC.0002', 'insert_after_rule applies to one direction only.');
    const nextIngress = ingress.length > 0 ? insert(acl.ingressRules, ingress) : acl.ingressRules;
    const nextEgress = egress.length > 0 ? insert(acl.egressRules, egress) : acl.egressRules;
    if (b.dry_run) return { status: 202, body: { error_msg: 'Request validation has been passed with dry run...', error_code: 'SYS.0202', request_id: ctx.requestId } };
    acl.ingressRules = nextIngress;
    acl.egressRules = nextEgress;
    acl.updatedAt = sb.now();
    return { status: 200, body: { firewall: renderAcl(acl), request_id: ctx.requestId } };
  };

  const removeRules = (ctx: RequestContext) => {
    const p = v3project(ctx);
    const acl = ownAcl(ctx, p);
    const b = v3body(ctx, removeRulesSchema);
    const ingressIds = (b.firewall.ingress_rules ?? []).map((r) => r.id);
    const egressIds = (b.firewall.egress_rules ?? []).map((r) => r.id);
    for (const id of ingressIds) if (!acl.ingressRules.some((r) => r.id === id)) throw v3err(ctx, 400, 'VPC.1708', `The rule ${id} does not exist in the network ACL.`);
    for (const id of egressIds) if (!acl.egressRules.some((r) => r.id === id)) throw v3err(ctx, 400, 'VPC.1708', `The rule ${id} does not exist in the network ACL.`);
    acl.ingressRules = acl.ingressRules.filter((r) => !ingressIds.includes(r.id));
    acl.egressRules = acl.egressRules.filter((r) => !egressIds.includes(r.id));
    acl.updatedAt = sb.now();
    return { status: 200, body: { firewall: renderAcl(acl), request_id: ctx.requestId } };
  };

  const associate = (ctx: RequestContext) => {
    const p = v3project(ctx);
    const acl = ownAcl(ctx, p);
    const b = v3body(ctx, subnetsSchema);
    for (const { virsubnet_id: id } of b.subnets) {
      const subnet = w().subnets.get(id);
      if (!subnet || subnet.projectId !== p.id) throw v3err(ctx, 404, 'VPC.0202', `The subnet ${id} does not exist.`);
      const other = w().aclOfSubnet(id);
      if (other && other.id !== acl.id) throw v3err(ctx, 409, 'VPC.1705', `The subnet ${id} is already associated with network ACL ${other.id}.`);
    }
    for (const { virsubnet_id: id } of b.subnets) if (!acl.subnetIds.includes(id)) acl.subnetIds.push(id);
    acl.updatedAt = sb.now();
    return { status: 200, body: { firewall: renderAcl(acl), request_id: ctx.requestId } };
  };

  const disassociate = (ctx: RequestContext) => {
    const p = v3project(ctx);
    const acl = ownAcl(ctx, p);
    const b = v3body(ctx, subnetsSchema);
    const ids = b.subnets.map((s) => s.virsubnet_id);
    for (const id of ids) if (!acl.subnetIds.includes(id)) throw v3err(ctx, 400, 'VPC.1706', `The subnet ${id} is not associated with the network ACL.`);
    acl.subnetIds = acl.subnetIds.filter((id) => !ids.includes(id));
    acl.updatedAt = sb.now();
    return { status: 200, body: { firewall: renderAcl(acl), request_id: ctx.requestId } };
  };

  const createFirewall = (ctx: RequestContext) => {
    const p = v3project(ctx);
    const b = v3body(ctx, createFirewallSchema);
    const now = sb.now();
    const acl: NetworkAcl = {
      id: sb.ids.next('acl'),
      name: b.firewall.name,
      description: b.firewall.description ?? '',
      projectId: p.id,
      adminStateUp: b.firewall.admin_state_up ?? true,
      ingressRules: [],
      egressRules: [],
      subnetIds: [],
      createdAt: now,
      updatedAt: now,
    };
    w().acls.set(acl.id, acl);
    return { status: 201, body: { firewall: renderAcl(acl), request_id: ctx.requestId } };
  };

  const listFirewalls = (ctx: RequestContext) => {
    const p = v3project(ctx);
    const q = ctx.query;
    const ids = q.getAll('id');
    const names = q.getAll('name');
    const status = q.get('status');
    const adminState = q.get('admin_state_up');
    let all = [...w().acls.values()]
      .filter((a) => a.projectId === p.id)
      .filter((a) => ids.length === 0 || ids.includes(a.id))
      .filter((a) => names.length === 0 || names.includes(a.name))
      .filter((a) => !status || renderAcl(a).status === status)
      .filter((a) => adminState === null || String(a.adminStateUp) === adminState)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
    const marker = q.get('marker');
    const previousMarker = all[0]?.id ?? null;
    if (marker) {
      const i = all.findIndex((a) => a.id === marker);
      all = i >= 0 ? all.slice(i + 1) : all;
    }
    const limitText = q.get('limit');
    const limit = limitText === null ? 2000 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 2000) throw v3err(ctx, 400, 'VPC.0002', `Invalid limit ${limitText ?? ''}.`);
    const pageItems = all.slice(0, limit);
    const more = all.length > limit;
    return {
      status: 200,
      body: {
        firewalls: pageItems.map(renderAcl),
        page_info: { previous_marker: previousMarker, current_count: pageItems.length, ...(more ? { next_marker: pageItems[pageItems.length - 1]?.id } : {}) },
        request_id: ctx.requestId,
      },
    };
  };

  // ---- v1 VPCs and subnets (read-only) ----
  const renderVpc = (id: string) => {
    const v = w().vpcs.get(id);
    return v ? { id: v.id, name: v.name, cidr: v.cidr, status: 'OK', description: '', routes: [], enable_shared_snat: false, enterprise_project_id: '0' } : undefined;
  };
  const renderSubnet = (id: string) => {
    const s = w().subnets.get(id);
    if (!s) return undefined;
    return {
      id: s.id,
      name: s.name,
      cidr: s.cidr,
      gateway_ip: s.gatewayIp,
      vpc_id: s.vpcId,
      neutron_network_id: s.id,
      neutron_subnet_id: s.neutronSubnetId,
      status: 'ACTIVE',
      dhcp_enable: true,
      primary_dns: '100.125.4.25',
      secondary_dns: '100.125.129.199',
      availability_zone: `${w().region}-01`,
    };
  };

  const FW = '/v3/{project_id}/vpc/firewalls';
  return [
    {
      method: 'GET',
      pattern: '/v2.0/security-groups',
      operation: 'vpc.listSecurityGroups',
      auth: true,
      handler: (ctx) => {
        const p = neutronProject(ctx);
        const ids = ctx.query.getAll('id');
        const names = ctx.query.getAll('name');
        const groups = [...w().securityGroups.values()]
          .filter((g) => g.projectId === p.id && (ids.length === 0 || ids.includes(g.id)) && (names.length === 0 || names.includes(g.name)))
          .map((g) => renderGroup(g.id));
        return { status: 200, body: { security_groups: groups } };
      },
    },
    {
      method: 'GET',
      pattern: '/v2.0/security-groups/{group_id}',
      operation: 'vpc.getSecurityGroup',
      auth: true,
      handler: (ctx) => {
        const p = neutronProject(ctx);
        const g = w().securityGroups.get(param(ctx, 'group_id'));
        if (!g || g.projectId !== p.id) throw neutronError(404, 'SecurityGroupNotFound', `Security group ${param(ctx, 'group_id')} does not exist`);
        return { status: 200, body: { security_group: renderGroup(g.id) } };
      },
    },
    { method: 'GET', pattern: '/v2.0/security-group-rules', operation: 'vpc.listSecurityGroupRules', auth: true, handler: listRules },
    { method: 'POST', pattern: '/v2.0/security-group-rules', operation: 'vpc.createSecurityGroupRule', auth: true, handler: createRule },
    {
      method: 'GET',
      pattern: '/v2.0/security-group-rules/{rule_id}',
      operation: 'vpc.getSecurityGroupRule',
      auth: true,
      handler: (ctx) => ({ status: 200, body: { security_group_rule: ownRule(ctx) } }),
    },
    {
      method: 'DELETE',
      pattern: '/v2.0/security-group-rules/{rule_id}',
      operation: 'vpc.deleteSecurityGroupRule',
      auth: true,
      handler: (ctx) => {
        w().sgRules.delete(ownRule(ctx).id);
        return { status: 204 };
      },
    },
    { method: 'GET', pattern: FW, operation: 'vpc.listFirewalls', auth: true, handler: listFirewalls },
    { method: 'POST', pattern: FW, operation: 'vpc.createFirewall', auth: true, handler: createFirewall },
    {
      method: 'GET',
      pattern: `${FW}/{firewall_id}`,
      operation: 'vpc.getFirewall',
      auth: true,
      handler: (ctx) => ({ status: 200, body: { firewall: renderAcl(ownAcl(ctx, v3project(ctx))), request_id: ctx.requestId } }),
    },
    {
      method: 'DELETE',
      pattern: `${FW}/{firewall_id}`,
      operation: 'vpc.deleteFirewall',
      auth: true,
      handler: (ctx) => {
        const acl = ownAcl(ctx, v3project(ctx));
        if (acl.subnetIds.length > 0) throw v3err(ctx, 409, 'VPC.1704', 'The network ACL is associated with subnets.');
        w().acls.delete(acl.id);
        return { status: 204 };
      },
    },
    { method: 'PUT', pattern: `${FW}/{firewall_id}/insert-rules`, operation: 'vpc.insertFirewallRules', auth: true, handler: insertRules },
    { method: 'PUT', pattern: `${FW}/{firewall_id}/remove-rules`, operation: 'vpc.removeFirewallRules', auth: true, handler: removeRules },
    { method: 'PUT', pattern: `${FW}/{firewall_id}/associate-subnets`, operation: 'vpc.associateFirewallSubnets', auth: true, handler: associate },
    { method: 'PUT', pattern: `${FW}/{firewall_id}/disassociate-subnets`, operation: 'vpc.disassociateFirewallSubnets', auth: true, handler: disassociate },
    {
      method: 'GET',
      pattern: '/v1/{project_id}/vpcs',
      operation: 'vpc.listVpcs',
      auth: true,
      handler: (ctx) => {
        const p = v1project(ctx);
        return { status: 200, body: { vpcs: [...w().vpcs.values()].filter((v) => v.projectId === p.id).map((v) => renderVpc(v.id)) } };
      },
    },
    {
      method: 'GET',
      pattern: '/v1/{project_id}/vpcs/{vpc_id}',
      operation: 'vpc.getVpc',
      auth: true,
      handler: (ctx) => {
        const p = v1project(ctx);
        const v = w().vpcs.get(param(ctx, 'vpc_id'));
        if (!v || v.projectId !== p.id) throw new HttpError(404, { code: 'VPC.0101', message: 'The VPC does not exist.' });
        return { status: 200, body: { vpc: renderVpc(v.id) } };
      },
    },
    {
      method: 'GET',
      pattern: '/v1/{project_id}/subnets',
      operation: 'vpc.listSubnets',
      auth: true,
      handler: (ctx) => {
        const p = v1project(ctx);
        const vpcId = ctx.query.get('vpc_id');
        const subnets = [...w().subnets.values()].filter((s) => s.projectId === p.id && (!vpcId || s.vpcId === vpcId)).map((s) => renderSubnet(s.id));
        return { status: 200, body: { subnets } };
      },
    },
    {
      method: 'GET',
      pattern: '/v1/{project_id}/subnets/{subnet_id}',
      operation: 'vpc.getSubnet',
      auth: true,
      handler: (ctx) => {
        const p = v1project(ctx);
        const s = w().subnets.get(param(ctx, 'subnet_id'));
        if (!s || s.projectId !== p.id) throw new HttpError(404, { code: 'VPC.0202', message: 'The subnet does not exist.' });
        return { status: 200, body: { subnet: renderSubnet(s.id) } };
      },
    },
  ];
}

/** Error body in the shape of the path's API family (for injected errors). */
export function vpcErrorBody(path: string, requestId: string, status: number, code: string | undefined, message: string | undefined): unknown {
  if (path.startsWith('/v2.0/')) return { NeutronError: { type: code ?? 'HTTPError', message: message ?? 'Injected error.', detail: '' } };
  if (path.startsWith('/v3/')) return { request_id: requestId, error_code: code ?? 'VPC.0001', error_msg: message ?? 'Injected error.' };
  return { code: code ?? 'VPC.0001', message: message ?? `Injected error (${status}).` };
}
