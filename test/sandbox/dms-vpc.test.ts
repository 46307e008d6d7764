import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OtcClients } from '../../src/otc/otc-clients.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { vpcepReachability } from '../../src/sandbox/state/reachability.js';
import { startSandbox, type ReadyInstance, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { createFakeDataPlane, type FakeDataPlane } from './support/fake-data-plane.js';
import { account, clients, failure, fastScenario, raw, claimAddressPrefix } from './support/sandbox-helpers.js';

// Account A's instance subnet carries a network ACL (ingress: deny nothing yet, default deny).
const scenario: ScenarioInput = fastScenario({
  accounts: [
    { ...(defaultScenario.accounts[0] as object), networkAcls: [{ name: 'kafka-acl', subnets: ['kafka-subnet'], ingressRules: [{ action: 'allow', protocol: 'tcp', sourceIpAddress: '{prefix}.8.0/21', destinationPort: '9092' }] }] },
    defaultScenario.accounts[1] as object,
  ] as ScenarioInput['accounts'],
});

let sb: Sandbox;
let dp: FakeDataPlane;
let ca: OtcClients;
let inst: ReadyInstance;

beforeAll(async () => {
  dp = createFakeDataPlane();
  sb = await startSandbox({ scenario, addressPrefix: await claimAddressPrefix(), dataPlane: dp });
  ca = clients(sb, 'A');
  inst = sb.ready.instances[0] as ReadyInstance;
});
afterAll(async () => {
  await sb?.stop();
});
beforeEach(async () => {
  await sb.reset();
  dp.failApply = false;
  dp.applyDelayMs = 0;
});

describe('DMS v1.0 (the catalog\'s `dms` entry)', () => {
  it('GET /v1.0/{project}/instances/{id} answers the documented v1.0 shape from the same state as v2', async () => {
    const a = account(sb, 'A');
    const v1 = await raw(`${sb.urls.dms}/v1.0/${a.projectId}/instances/${inst.instanceId}`, { sign: a });
    const v2 = await raw(`${sb.urls.dms}/v2/${a.projectId}/instances/${inst.instanceId}`, { sign: a });
    expect(v1.status).toBe(200);
    const body = v1.json as Record<string, unknown>;
    const v2body = v2.json as Record<string, unknown>;
    expect(body).toMatchObject({
      instance_id: inst.instanceId,
      engine: 'kafka',
      status: 'RUNNING',
      type: 'cluster',
      vpc_id: inst.vpcId,
      subnet_id: inst.subnetId,
      security_group_id: inst.securityGroupId,
      port: 9092,
      resource_spec_code: 'dms.instance.kafka.cluster.c3.mini',
      enable_auto_topic: true,
      retention_policy: 'time_base',
      cross_vpc_info: v2body.cross_vpc_info,
    });
    expect(typeof body.partition_num).toBe('string');
    expect(typeof body.created_at).toBe('string');
    // v2-only fields are not part of the v1.0 body.
    for (const k of ['broker_num', 'available_zone_names', 'sasl_enabled_mechanisms', 'node_num']) expect(body).not.toHaveProperty(k);
  });

  it('lists with the v1.0 query names (engine optional, id, exactMatchName, start/limit) and 404s unknown ids', async () => {
    const a = account(sb, 'A');
    const all = await raw(`${sb.urls.dms}/v1.0/${a.projectId}/instances`, { sign: a });
    expect(all.json).toMatchObject({ instance_num: 1, instances: [{ instance_id: inst.instanceId }] });
    const byId = await raw(`${sb.urls.dms}/v1.0/${a.projectId}/instances?id=${inst.instanceId}&start=1&limit=10&exactMatchName=false`, { sign: a });
    expect((byId.json as { instances: unknown[] }).instances).toHaveLength(1);
    const none = await raw(`${sb.urls.dms}/v1.0/${a.projectId}/instances?name=nothing-like-it&exactMatchName=true`, { sign: a });
    expect(none.json).toEqual({ instances: [], instance_num: 0 });
    const missing = await raw(`${sb.urls.dms}/v1.0/${a.projectId}/instances/00000000-0000-4000-8000-000000000000`, { sign: a });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error_code: 'DMS.00404022' });
  });
});

describe('DMS', () => {
  it('GET instance has the documented shape with cross_vpc_info as a JSON string', async () => {
    const a = account(sb, 'A');
    const res = await raw(`${sb.urls.dms}/v2/${a.projectId}/instances/${inst.instanceId}`, { sign: a });
    expect(res.status).toBe(200);
    const body = res.json as Record<string, unknown>;
    expect(body).toMatchObject({
      instance_id: inst.instanceId,
      engine: 'kafka',
      status: 'RUNNING',
      vpc_id: inst.vpcId,
      subnet_id: inst.subnetId,
      security_group_id: inst.securityGroupId,
      broker_num: 3,
      ssl_enable: false,
      type: 'cluster',
      port: 9092,
    });
    expect(typeof body.cross_vpc_info).toBe('string');
    expect(typeof body.partition_num).toBe('string');
    expect(typeof body.created_at).toBe('string');
    const info = JSON.parse(body.cross_vpc_info as string) as Record<string, { advertised_ip: string; port: number; port_id: string }>;
    expect(Object.keys(info).sort()).toEqual(inst.listeners.map((l) => l.listenerIp).sort());
    for (const l of inst.listeners) expect(info[l.listenerIp]).toEqual({ advertised_ip: l.listenerIp, port: 9011, port_id: l.portId });
    // Through the client.
    const parsed = await ca.dms.getInstance(inst.instanceId);
    expect(parsed.crossVpcEntries).toHaveLength(3);
  });

  it('lists with engine required, paging and instance_num; 404 DMS.00404022', async () => {
    const list = await ca.dms.listInstances({ engine: 'kafka', limit: 1, offset: 0 });
    expect(list.instance_num).toBe(1);
    const a = account(sb, 'A');
    const noEngine = await raw(`${sb.urls.dms}/v2/${a.projectId}/instances`, { sign: a });
    expect(noEngine.status).toBe(400);
    expect(noEngine.json).toMatchObject({ error_code: 'DMS.00400800', error_msg: expect.any(String) as unknown });
    expect(await failure(ca.dms.getInstance('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404, code: 'DMS.00404022' });
  });

  it('crossvpc/modify: per-broker results, data plane told, cross_vpc_info updated', async () => {
    const [l0, l1] = inst.listeners;
    const res = await ca.dms.modifyCrossVpc(inst.instanceId, { [l0?.listenerIp ?? '']: '127.40.2.50', [l1?.listenerIp ?? '']: '127.40.2.51' });
    expect(res.success).toBe(true);
    expect(res.results).toEqual(
      expect.arrayContaining([
        { advertised_ip: '127.40.2.50', success: true, ip: l0?.listenerIp },
        { advertised_ip: '127.40.2.51', success: true, ip: l1?.listenerIp },
      ]),
    );
    expect(dp.advertised.get(inst.instanceId)?.[l0?.listenerIp ?? '']).toBe('127.40.2.50');
    const after = await ca.dms.getInstance(inst.instanceId);
    const byListener = Object.fromEntries(after.crossVpcEntries.map((e) => [e.listenerIp, e.advertisedIp]));
    expect(byListener[l0?.listenerIp ?? '']).toBe('127.40.2.50');
    expect(byListener[inst.listeners[2]?.listenerIp ?? '']).toBe(inst.listeners[2]?.listenerIp); // omitted: kept
    // Reset restores the advertised IPs in the data plane.
    await sb.reset();
    expect(dp.advertised.get(inst.instanceId)?.[l0?.listenerIp ?? '']).toBe(l0?.listenerIp);
  });

  it('crossvpc/modify rejects unknown listeners, malformed IPs, and non-RUNNING instances', async () => {
    const l0 = inst.listeners[0]?.listenerIp ?? '';
    expect(await failure(ca.dms.modifyCrossVpc(inst.instanceId, { '10.9.9.9': '127.40.2.50' }))).toMatchObject({ status: 400, code: 'DMS.00400800' });
    expect(await failure(ca.dms.modifyCrossVpc(inst.instanceId, { [l0]: '300.1.1.1' }))).toMatchObject({ status: 400, code: 'DMS.00400800' });
    const admin = await raw(`${sb.adminUrl}/admin/instances/${inst.instanceId}/status`, { method: 'POST', body: { status: 'RESTARTING' } });
    expect(admin.status).toBe(200);
    expect(await failure(ca.dms.modifyCrossVpc(inst.instanceId, { [l0]: '127.40.2.50' }))).toMatchObject({ status: 400, code: 'DMS.00400026' });
  });

  it('optionally shows a transient status while the data plane applies (UNCONFIRMED setting)', async () => {
    const s2 = await startSandbox({
      scenario: { ...scenario, behaviour: { dms: { crossVpcStatusWhileApplying: 'RESTARTING', crossVpcWaitForDataPlane: false } } } as ScenarioInput,
      addressPrefix: await claimAddressPrefix(),
      dataPlane: Object.assign(createFakeDataPlane(), { applyDelayMs: 1500 }),
    });
    try {
      const c = clients(s2, 'A');
      const i = s2.ready.instances[0] as ReadyInstance;
      await c.dms.modifyCrossVpc(i.instanceId, { [i.listeners[0]?.listenerIp ?? '']: '127.40.2.60' });
      expect((await c.dms.getInstance(i.instanceId)).status).toBe('RESTARTING');
      expect(await failure(c.dms.modifyCrossVpc(i.instanceId, { [i.listeners[0]?.listenerIp ?? '']: '127.40.2.61' }))).toMatchObject({ code: 'DMS.00400026' });
      await s2.idle();
      expect((await c.dms.getInstance(i.instanceId)).status).toBe('RUNNING');
    } finally {
      await s2.stop();
    }
  });
});

describe('VPC security group rules (Neutron v2.0)', () => {
  const rule = () => ({
    security_group_id: inst.securityGroupId,
    direction: 'ingress' as const,
    ethertype: 'IPv4' as const,
    protocol: 'tcp',
    port_range_min: 9011,
    port_range_max: 9011,
    remote_ip_prefix: '198.19.128.0/17',
    description: 'VPCEP to Kafka',
  });

  it('creates (201), lists with filters, 409 SecurityGroupRuleExists with the rule id, deletes (204)', async () => {
    const a = account(sb, 'A');
    const created = await raw(`${sb.urls.vpc}/v2.0/security-group-rules`, { method: 'POST', body: { security_group_rule: rule() }, sign: a, headers: { 'X-Project-Id': a.projectId } });
    expect(created.status).toBe(201);
    const r = (created.json as { security_group_rule: { id: string } }).security_group_rule;
    expect(r).toMatchObject({ ...rule(), tenant_id: a.projectId, project_id: a.projectId, remote_group_id: null });
    const dup = await failure(ca.vpc.createSecurityGroupRule(rule()));
    expect(dup).toMatchObject({ status: 409 });
    const dupRaw = await raw(`${sb.urls.vpc}/v2.0/security-group-rules`, { method: 'POST', body: { security_group_rule: rule() }, sign: a });
    expect(dupRaw.json).toEqual({ NeutronError: { type: 'SecurityGroupRuleExists', message: `Security group rule already exists. Rule id is ${r.id}.`, detail: '' } });
    const listed = await ca.vpc.listSecurityGroupRules({ security_group_id: inst.securityGroupId, direction: 'ingress', remote_ip_prefix: '198.19.128.0/17' } as never);
    expect(listed.security_group_rules.map((x) => x.id)).toEqual([r.id]);
    expect((await ca.vpc.listAllSecurityGroupRules({ security_group_id: inst.securityGroupId })).length).toBe(5); // 4 Sys-default + 1
    await ca.vpc.deleteSecurityGroupRule(r.id);
    expect(await failure(ca.vpc.deleteSecurityGroupRule(r.id))).toMatchObject({ status: 404 });
    expect(await failure(ca.vpc.createSecurityGroupRule({ ...rule(), port_range_min: 9012, port_range_max: 9011 }))).toMatchObject({ status: 400 });
  });
});

describe('VPC network ACLs (v3) and reachability', () => {
  it('lists and finds the ACL of the instance subnet; insert/remove rules keep order; default deny', async () => {
    const fw = await ca.vpc.findFirewallForSubnet(inst.subnetId);
    expect(fw).toBeDefined();
    expect(fw?.associations).toEqual([{ virsubnet_id: inst.subnetId }]);
    expect(fw?.ingress_rules).toHaveLength(1);
    const reach = () => vpcepReachability(sb.world(), inst.instanceId, inst.listeners[0]?.listenerIp ?? '', 9011);
    await ca.vpc.createSecurityGroupRule({ security_group_id: inst.securityGroupId, direction: 'ingress', protocol: 'tcp', port_range_min: 9011, port_range_max: 9011, remote_ip_prefix: '198.19.128.0/17' });
    expect(reach()).toEqual({ allowed: false, securityGroup: true, networkAcl: false });
    const afterInsert = await ca.vpc.insertFirewallRules(fw?.id ?? '', {
      ingress_rules: [{ name: 'kafka-vpcep-9011', action: 'allow', protocol: 'tcp', ip_version: 4, source_ip_address: '198.19.128.0/17', destination_port: '9011', enabled: true }],
    });
    expect(afterInsert.ingress_rules?.[0]).toMatchObject({ name: 'kafka-vpcep-9011', id: expect.any(String) as unknown });
    expect(reach().allowed).toBe(true);
    // A deny inserted above it wins (first match).
    const denied = await ca.vpc.insertFirewallRules(fw?.id ?? '', { ingress_rules: [{ action: 'deny', protocol: 'any', ip_version: 4, source_ip_address: '198.19.0.0/16' }] });
    expect(reach().allowed).toBe(false);
    const denyId = denied.ingress_rules?.[0]?.id ?? '';
    const removed = await ca.vpc.removeFirewallRules(fw?.id ?? '', [denyId]);
    expect(removed.ingress_rules?.map((r) => r.name)).toEqual(['kafka-vpcep-9011', '']);
    expect(reach().allowed).toBe(true);
    const a = account(sb, 'A');
    const bad = await raw(`${sb.urls.vpc}/v3/${a.projectId}/vpc/firewalls/00000000-0000-4000-8000-000000000000`, { sign: a });
    expect(bad.status).toBe(404);
    expect(bad.json).toMatchObject({ request_id: expect.any(String) as unknown, error_code: expect.any(String) as unknown, error_msg: expect.any(String) as unknown });
    // Disassociating removes the ACL from the path.
    const dis = await raw(`${sb.urls.vpc}/v3/${a.projectId}/vpc/firewalls/${fw?.id ?? ''}/disassociate-subnets`, { method: 'PUT', body: { subnets: [{ virsubnet_id: inst.subnetId }] }, sign: a });
    expect(dis.status).toBe(200);
    expect(await ca.vpc.findFirewallForSubnet(inst.subnetId)).toBeUndefined();
  });
});
