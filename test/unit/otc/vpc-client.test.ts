import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { duplicateRuleId, isDuplicateRule, isNotFound } from '../../../src/otc/errors.js';
import type { OtcClients } from '../../../src/otc/otc-clients.js';
import { PaginationError } from '../../../src/otc/pagination.js';
import { akskClients, MockCloud, PROJECT_ID } from './mock-cloud.js';

const SG_ID = 'fc8d7d4d-3e5f-4c5e-a1a4-7d7a4b0a9b7e';
const RULE_ID = '3c0e45ff-adaf-4124-b083-bf390e5482ff';
const FW_ID = 'e9a7731d-5bd9-4250-a524-b9a076fd5629';
const SUBNET_ID = '0f4c9d4c-8b4c-4bd6-9b2c-2e7f6b4d1c11';
const V3 = `/v3/${PROJECT_ID}/vpc`;

// After otc-dms-vpc-iam-api.md §3.1.
const rule = {
  id: RULE_ID,
  security_group_id: SG_ID,
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: 'tcp',
  port_range_min: 9011,
  port_range_max: 9011,
  remote_ip_prefix: '198.19.128.0/17',
  remote_group_id: null,
  description: 'VPCEP to Kafka',
  tenant_id: PROJECT_ID,
  project_id: PROJECT_ID,
  created_at: '2018-09-20T02:15:34',
  updated_at: '2018-09-20T02:15:34',
};
const ruleInput = {
  security_group_id: SG_ID,
  direction: 'ingress' as const,
  ethertype: 'IPv4' as const,
  protocol: 'tcp',
  port_range_min: 9011,
  port_range_max: 9011,
  remote_ip_prefix: '198.19.128.0/17',
  description: 'VPCEP to Kafka',
};
// After §4.1.
const firewallSummary = {
  id: FW_ID,
  name: 'acl-kafka',
  description: '',
  project_id: PROJECT_ID,
  created_at: '2025-11-11T08:00:00Z',
  updated_at: '2025-11-11T08:00:00Z',
  admin_state_up: true,
  status: 'ACTIVE',
  enterprise_project_id: '0',
  tags: [],
  associations: [{ virsubnet_id: SUBNET_ID }],
};
const aclRule = {
  id: 'f7a7b1b8-7f1e-4a4e-9b55-2c7b1c0d9e01',
  name: 'kafka-vpcep-9011',
  action: 'allow',
  protocol: 'tcp',
  ip_version: 4,
  source_ip_address: '198.19.128.0/17',
  destination_port: '9011',
  enabled: true,
  project_id: PROJECT_ID,
};
const firewallDetail = { ...firewallSummary, ingress_rules: [aclRule], egress_rules: [] };

describe('VpcClient: security-group rules (Neutron v2.0)', () => {
  let cloud: MockCloud;
  let c: OtcClients;
  beforeEach(() => {
    cloud = new MockCloud();
    c = akskClients(cloud);
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('list sends filters, X-Project-Id and a valid signature', async () => {
    cloud.on('vpc', 'GET', '/v2.0/security-group-rules', { status: 200, body: { security_group_rules: [rule] } });
    const res = await c.vpc.listSecurityGroupRules({ security_group_id: SG_ID, direction: 'ingress', protocol: 'tcp', port_range_min: 9011, remote_ip_prefix: '198.19.128.0/17' });
    const req = cloud.last();
    expect(req.query).toEqual({ security_group_id: SG_ID, direction: 'ingress', protocol: 'tcp', port_range_min: '9011', remote_ip_prefix: '198.19.128.0/17' });
    expect(cloud.header(req, 'x-project-id')).toBe(PROJECT_ID);
    expect(req.signature).toEqual({ ok: true, ak: 'QTWAOYTTINDUT2QVKYUC' });
    expect(res.security_group_rules[0]?.remote_group_id).toBeNull();
    cloud.on('vpc', 'GET', '/v2.0/security-group-rules', { status: 400, body: { NeutronError: { type: 'HTTPBadRequest', message: 'bad filter', detail: '' } } });
    await expect(c.vpc.listSecurityGroupRules({ direction: 'ingress' })).rejects.toMatchObject({ code: 'HTTPBadRequest', retryable: false });
  });

  it('listAll follows Neutron markers (last id of a full page)', async () => {
    const all = Array.from({ length: 4001 }, (_, i) => ({ ...rule, id: `r-${String(i).padStart(5, '0')}` }));
    cloud.on(
      'vpc',
      'GET',
      '/v2.0/security-group-rules',
      (req) => {
        const limit = Number(req.query.limit);
        const start = typeof req.query.marker === 'string' ? all.findIndex((r) => r.id === req.query.marker) + 1 : 0;
        return { status: 200, body: { security_group_rules: all.slice(start, start + limit) } };
      },
      3,
    );
    const got = await c.vpc.listAllSecurityGroupRules({ security_group_id: SG_ID });
    expect(got).toHaveLength(4001);
    expect(cloud.requests.map((r) => r.query.marker)).toEqual([undefined, 'r-01999', 'r-03999']);
    expect(cloud.requests.every((r) => r.query.limit === '2000' && r.query.security_group_id === SG_ID)).toBe(true);
  });

  it('create wraps the rule and unwraps the answer (201)', async () => {
    cloud.on('vpc', 'POST', '/v2.0/security-group-rules', { status: 201, body: { security_group_rule: rule } });
    const created = await c.vpc.createSecurityGroupRule(ruleInput);
    expect(cloud.last().body).toEqual({ security_group_rule: ruleInput });
    expect(cloud.last().signature).toEqual({ ok: true, ak: 'QTWAOYTTINDUT2QVKYUC' });
    expect(created.id).toBe(RULE_ID);
  });

  it('create duplicate: 409 SecurityGroupRuleExists with the existing rule id', async () => {
    cloud.on('vpc', 'POST', '/v2.0/security-group-rules', {
      status: 409,
      body: { NeutronError: { message: `Security group rule already exists. Rule id is ${RULE_ID}.`, type: 'SecurityGroupRuleExists', detail: '' } },
    });
    const err = await c.vpc.createSecurityGroupRule(ruleInput).catch((e: unknown) => e);
    expect(isDuplicateRule(err)).toBe(true);
    expect(duplicateRuleId(err)).toBe(RULE_ID);
  });

  it('delete (204) and 404', async () => {
    cloud.on('vpc', 'DELETE', `/v2.0/security-group-rules/${RULE_ID}`, { status: 204 });
    await c.vpc.deleteSecurityGroupRule(RULE_ID);
    expect(cloud.last().method).toBe('DELETE');
    cloud.on('vpc', 'DELETE', `/v2.0/security-group-rules/${RULE_ID}`, {
      status: 404,
      body: { NeutronError: { message: `Security group rule ${RULE_ID} could not be found.`, type: 'SecurityGroupRuleNotFound', detail: '' } },
    });
    expect(isNotFound(await c.vpc.deleteSecurityGroupRule(RULE_ID).catch((e: unknown) => e))).toBe(true);
  });
});

describe('VpcClient: network ACL (v3 firewalls)', () => {
  let cloud: MockCloud;
  let c: OtcClients;
  beforeEach(() => {
    cloud = new MockCloud();
    c = akskClients(cloud);
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('list one page with page_info', async () => {
    cloud.on('vpc', 'GET', `${V3}/firewalls`, {
      status: 200,
      body: { firewalls: [firewallSummary], page_info: { previous_marker: FW_ID, current_count: 1 }, request_id: 'req-1' },
    });
    const res = await c.vpc.listFirewalls({ name: 'acl-kafka', limit: 10 });
    expect(cloud.last().query).toEqual({ name: 'acl-kafka', limit: '10' });
    expect(res.firewalls[0]?.associations?.[0]?.virsubnet_id).toBe(SUBNET_ID);
    expect(res.request_id).toBe('req-1');
    cloud.on('vpc', 'GET', `${V3}/firewalls`, { status: 400, body: { request_id: 'r2', error_code: 'VPC.0101', error_msg: 'Invalid limit' } });
    await expect(c.vpc.listFirewalls({ limit: -1 })).rejects.toMatchObject({ code: 'VPC.0101', requestId: 'r2' });
  });

  it('findFirewallForSubnet pages with next_marker, then reads the ACL with its rules', async () => {
    const other = { ...firewallSummary, id: 'other', associations: [{ virsubnet_id: 'another-subnet' }] };
    cloud.on(
      'vpc',
      'GET',
      `${V3}/firewalls`,
      (req) =>
        req.query.marker === undefined
          ? { status: 200, body: { firewalls: [other], page_info: { current_count: 1, next_marker: 'other' } } }
          : { status: 200, body: { firewalls: [firewallSummary], page_info: { current_count: 1, previous_marker: 'other' } } },
      2,
    );
    cloud.on('vpc', 'GET', `${V3}/firewalls/${FW_ID}`, { status: 200, body: { firewall: firewallDetail, request_id: 'r' } });
    const fw = await c.vpc.findFirewallForSubnet(SUBNET_ID);
    expect(fw?.id).toBe(FW_ID);
    expect(fw?.ingress_rules?.[0]?.destination_port).toBe('9011');
    expect(cloud.requests.map((r) => r.query.marker)).toEqual([undefined, 'other', undefined]);
    expect(cloud.last().path).toBe(`${V3}/firewalls/${FW_ID}`);
  });

  it('findFirewallForSubnet: none → undefined', async () => {
    cloud.on('vpc', 'GET', `${V3}/firewalls`, { status: 200, body: { firewalls: [], page_info: { current_count: 0 } } });
    expect(await c.vpc.findFirewallForSubnet(SUBNET_ID)).toBeUndefined();
  });

  it('listAllFirewalls stops a looping server', async () => {
    cloud.on('vpc', 'GET', `${V3}/firewalls`, { status: 200, body: { firewalls: [firewallSummary], page_info: { next_marker: 'same' } } }, 5);
    await expect(c.vpc.listAllFirewalls()).rejects.toThrow(PaginationError);
  });

  it('getFirewall 404', async () => {
    cloud.on('vpc', 'GET', `${V3}/firewalls/${FW_ID}`, { status: 404, body: { request_id: 'r', error_code: 'VPC.1801', error_msg: 'Firewall not found' } });
    expect(isNotFound(await c.vpc.getFirewall(FW_ID).catch((e: unknown) => e))).toBe(true);
  });

  it('insertFirewallRules PUTs {"firewall": body}', async () => {
    const body = {
      ingress_rules: [{ name: 'kafka-vpcep-9011', action: 'allow' as const, protocol: 'tcp', ip_version: 4 as const, source_ip_address: '198.19.128.0/17', destination_port: '9011', enabled: true }],
      insert_after_rule: 'a0000000-0000-4000-8000-000000000001',
    };
    cloud.on('vpc', 'PUT', `${V3}/firewalls/${FW_ID}/insert-rules`, { status: 200, body: { firewall: firewallDetail, request_id: 'r' } });
    const fw = await c.vpc.insertFirewallRules(FW_ID, body);
    expect(cloud.last().method).toBe('PUT');
    expect(cloud.last().body).toEqual({ firewall: body });
    expect(cloud.last().signature).toEqual({ ok: true, ak: 'QTWAOYTTINDUT2QVKYUC' });
    expect(fw.ingress_rules?.[0]?.id).toBe(aclRule.id);
    cloud.on('vpc', 'PUT', `${V3}/firewalls/${FW_ID}/insert-rules`, { status: 400, body: { request_id: 'r', error_code: 'VPC.1803', error_msg: 'invalid rule' } });
    await expect(c.vpc.insertFirewallRules(FW_ID, body)).rejects.toMatchObject({ code: 'VPC.1803' });
  });

  it('removeFirewallRules PUTs ids under ingress_rules (or egress_rules)', async () => {
    const path = `${V3}/firewalls/${FW_ID}/remove-rules`;
    cloud.on('vpc', 'PUT', path, { status: 200, body: { firewall: { ...firewallDetail, ingress_rules: [] }, request_id: 'r' } });
    const fw = await c.vpc.removeFirewallRules(FW_ID, [aclRule.id]);
    expect(cloud.last().body).toEqual({ firewall: { ingress_rules: [{ id: aclRule.id }] } });
    expect(fw.ingress_rules).toEqual([]);
    cloud.on('vpc', 'PUT', path, { status: 200, body: { firewall: firewallDetail } });
    await c.vpc.removeFirewallRules(FW_ID, ['e1'], { direction: 'egress' });
    expect(cloud.last().body).toEqual({ firewall: { egress_rules: [{ id: 'e1' }] } });
    cloud.on('vpc', 'PUT', path, { status: 404, body: { request_id: 'r', error_code: 'VPC.1801', error_msg: 'not found' } });
    expect(isNotFound(await c.vpc.removeFirewallRules(FW_ID, ['x']).catch((e: unknown) => e))).toBe(true);
  });
});
