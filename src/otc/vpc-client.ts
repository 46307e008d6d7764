/**
 * VPC client: Neutron v2.0 security-group rules, the v3 network ACL ("firewall") API, and VPC v1 VPC/subnet reads.
 *
 * - `/v2.0/security-group-rules` has no project in the path: with AK/SK the project comes from
 *   `X-Project-Id` (added by the authorizer), with a token from the token's scope.
 * - `/v3/{project_id}/vpc/firewalls…`: OTC documents list and insert-rules (added 2025-11). remove-rules
 *   (`PUT …/remove-rules`, body `{"firewall":{"ingress_rules":[{"id":…}]}}`, 200 with `{firewall, request_id}`)
 *   is taken from Huawei Cloud's VPC v3 API (RemoveFirewallRules); UNCONFIRMED on OTC.
 */
import { collectMarkerPages, neutronNextMarker } from './pagination.js';
import type { ProjectIdSource } from './project-id.js';
import { seg, type CallOptions, type OtcTransport, type QueryParams } from './transport.js';
import {
  FirewallEnvelopeSchema,
  FirewallListSchema,
  SecurityGroupRuleEnvelopeSchema,
  SecurityGroupRuleListSchema,
  type CreateSecurityGroupRuleInput,
  type Firewall,
  type FirewallList,
  type FirewallRuleDirection,
  type InsertFirewallRulesInput,
  type ListFirewallsQuery,
  type ListSecurityGroupRulesQuery,
  type SecurityGroupRule,
  type SecurityGroupRuleList,
  SubnetEnvelopeSchema,
  VpcEnvelopeSchema,
  type Subnet,
  type Vpc,
} from './vpc-schemas.js';

/** Neutron allows up to 2000 per page. */
export const NEUTRON_PAGE_LIMIT = 2000;
/** VPC v3 list page size (documented maximum 2000). */
export const VPC_V3_PAGE_LIMIT = 2000;

export interface RemoveFirewallRulesOptions extends CallOptions {
  /** Which rule list the ids belong to (default `ingress`). */
  direction?: FirewallRuleDirection;
}

export class VpcClient {
  constructor(
    private readonly transport: OtcTransport,
    private readonly projectId: ProjectIdSource,
  ) {}

  private async v3(options: CallOptions | undefined): Promise<string> {
    return `/v3/${seg(await this.projectId(options?.signal))}/vpc`;
  }

  private async v1(options: CallOptions | undefined): Promise<string> {
    return `/v1/${seg(await this.projectId(options?.signal))}`;
  }

  // ---- VPCs and subnets (VPC v1) ----

  /** GET /v1/{project_id}/vpcs/{vpc_id}; 404 when the VPC is not in the caller's project. */
  async getVpc(id: string, options?: CallOptions): Promise<Vpc> {
    return (await this.transport.json({ operation: 'getVpc', method: 'GET', path: `${await this.v1(options)}/vpcs/${seg(id)}`, ...options }, VpcEnvelopeSchema)).vpc;
  }

  /** GET /v1/{project_id}/subnets/{subnet_id} (the VPC-API id = Neutron network id); 404 when not in the project. */
  async getSubnet(id: string, options?: CallOptions): Promise<Subnet> {
    return (await this.transport.json({ operation: 'getSubnet', method: 'GET', path: `${await this.v1(options)}/subnets/${seg(id)}`, ...options }, SubnetEnvelopeSchema)).subnet;
  }

  // ---- security-group rules (Neutron v2.0) ----

  /** One page of GET /v2.0/security-group-rules (filters are exact matches). */
  async listSecurityGroupRules(query: ListSecurityGroupRulesQuery = {}, options?: CallOptions): Promise<SecurityGroupRuleList> {
    return this.transport.json(
      { operation: 'listSecurityGroupRules', method: 'GET', path: '/v2.0/security-group-rules', query: { ...query } as QueryParams, ...options },
      SecurityGroupRuleListSchema,
    );
  }

  /** Every page: `limit` + `marker` = last id of the previous page, until a short page. */
  async listAllSecurityGroupRules(query: Omit<ListSecurityGroupRulesQuery, 'limit' | 'marker'> = {}, options?: CallOptions): Promise<SecurityGroupRule[]> {
    const limit = NEUTRON_PAGE_LIMIT;
    return collectMarkerPages(async (marker) => {
      const page = await this.listSecurityGroupRules({ ...query, limit, ...(marker ? { marker } : {}) }, options);
      return { items: page.security_group_rules, nextMarker: neutronNextMarker(page.security_group_rules, limit) };
    });
  }

  /**
   * POST /v2.0/security-group-rules (201). A duplicate answers 409 `SecurityGroupRuleExists` with
   * "Rule id is <uuid>." — see `isDuplicateRule` / `duplicateRuleId` in errors.ts.
   */
  async createSecurityGroupRule(rule: CreateSecurityGroupRuleInput, options?: CallOptions): Promise<SecurityGroupRule> {
    const res = await this.transport.json(
      { operation: 'createSecurityGroupRule', method: 'POST', path: '/v2.0/security-group-rules', body: { security_group_rule: rule }, ...options },
      SecurityGroupRuleEnvelopeSchema,
    );
    return res.security_group_rule;
  }

  /** DELETE /v2.0/security-group-rules/{id} (204). */
  async deleteSecurityGroupRule(id: string, options?: CallOptions): Promise<void> {
    await this.transport.send({ operation: 'deleteSecurityGroupRule', method: 'DELETE', path: `/v2.0/security-group-rules/${seg(id)}`, ...options });
  }

  // ---- network ACL (v3 firewalls) ----

  /** One page of GET /v3/{project_id}/vpc/firewalls; the next page's marker is `page_info.next_marker`. */
  async listFirewalls(query: ListFirewallsQuery = {}, options?: CallOptions): Promise<FirewallList> {
    return this.transport.json(
      { operation: 'listFirewalls', method: 'GET', path: `${await this.v3(options)}/firewalls`, query: { ...query } as QueryParams, ...options },
      FirewallListSchema,
    );
  }

  async listAllFirewalls(query: Omit<ListFirewallsQuery, 'limit' | 'marker'> = {}, options?: CallOptions): Promise<Firewall[]> {
    return collectMarkerPages(async (marker) => {
      const page = await this.listFirewalls({ ...query, limit: VPC_V3_PAGE_LIMIT, ...(marker ? { marker } : {}) }, options);
      return { items: page.firewalls, nextMarker: page.page_info?.next_marker ?? undefined };
    });
  }

  /** GET /v3/{project_id}/vpc/firewalls/{id}: the ACL with its rules. */
  async getFirewall(id: string, options?: CallOptions): Promise<Firewall> {
    const res = await this.transport.json(
      { operation: 'getFirewall', method: 'GET', path: `${await this.v3(options)}/firewalls/${seg(id)}`, ...options },
      FirewallEnvelopeSchema,
    );
    return res.firewall;
  }

  /**
   * The network ACL associated with a subnet (`associations[].virsubnet_id`; the VPC subnet id, i.e. the DMS
   * instance's `subnet_id`), with its rules; undefined when the subnet has none (a subnet has at most one).
   */
  async findFirewallForSubnet(subnetId: string, options?: CallOptions): Promise<Firewall | undefined> {
    const all = await this.listAllFirewalls({}, options);
    const hit = all.find((fw) => (fw.associations ?? []).some((a) => a.virsubnet_id === subnetId));
    if (!hit) return undefined;
    return hit.ingress_rules ? hit : this.getFirewall(hit.id, options);
  }

  /** PUT …/firewalls/{id}/insert-rules `{"firewall": body}` → the whole ACL with the new rule ids. */
  async insertFirewallRules(firewallId: string, body: InsertFirewallRulesInput, options?: CallOptions): Promise<Firewall> {
    const res = await this.transport.json(
      {
        operation: 'insertFirewallRules',
        method: 'PUT',
        path: `${await this.v3(options)}/firewalls/${seg(firewallId)}/insert-rules`, body: { firewall: body }, ...options },
      FirewallEnvelopeSchema,
    );
    return res.firewall;
  }

  /**
   * PUT …/firewalls/{id}/remove-rules `{"firewall":{"ingress_rules":[{"id":…}]}}` (or `egress_rules`; the
   * API accepts one direction per call). UNCONFIRMED on OTC (see the file comment).
   */
  async removeFirewallRules(
    firewallId: string,
    ruleIds: readonly string[],
    options: RemoveFirewallRulesOptions = {},
  ): Promise<Firewall> {
    const { direction = 'ingress', ...call } = options;
    const key = direction === 'ingress' ? 'ingress_rules' : 'egress_rules';
    const res = await this.transport.json(
      {
        operation: 'removeFirewallRules',
        method: 'PUT',
        path: `${await this.v3(call)}/firewalls/${seg(firewallId)}/remove-rules`,
        body: { firewall: { [key]: ruleIds.map((id) => ({ id })) } },
        ...call,
      },
      FirewallEnvelopeSchema,
    );
    return res.firewall;
  }
}
