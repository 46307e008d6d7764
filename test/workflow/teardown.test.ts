/**
 * `teardownCrossVpcAccess` against the sandbox WITHOUT Kafka (nothing here needs bytes to flow): after a
 * successful provisioning, on half-provisioned accesses (a provisioning still running; leftovers with our
 * tags and no workflow at all), cross-account, and next to look-alike resources it must never touch.
 * The sandbox has a network ACL on the Kafka subnet, so the ACL rules of the access are exercised too.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessTags } from '../../activities/naming.js';
import type { Tag } from '../../src/otc/common-schemas.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { awaitAccessOutcome } from '../../src/temporal/access-client.js';
import { teardownProgressQuery } from '../../workflows/ops-definitions.js';
import { TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId, type TeardownRequest, type TeardownResult } from '../../workflows/ops-input.js';
import {
  addFault,
  crossAccountRequest,
  defaultRequest,
  eventually,
  FAST_TIMEOUTS,
  provision,
  resetSandbox,
  resources,
  saveHistory,
  start,
  startSuite,
  withWorkers,
  type Suite,
} from './support.js';

const NO_VERIFY = { enabled: false };


/** Default scenario + a network ACL on the Kafka subnet with one rule that is not ours. */
function scenarioWithAcl(): ScenarioInput {
  const s = structuredClone(defaultScenario) as ScenarioInput & { accounts: { networkAcls?: unknown[] }[] };
  const a = s.accounts[0];
  if (!a) throw new Error('default scenario changed');
  a.networkAcls = [
    {
      name: 'kafka-acl',
      subnets: ['kafka-subnet'],
      ingressRules: [{ name: 'admin-ssh', description: 'not ours', action: 'allow', protocol: 'tcp', sourceIpAddress: '10.0.0.0/8', destinationPort: '22' }],
    },
  ];
  return { ...s, name: 'default+acl' };
}

async function teardown(suite: Suite, taskQueue: string, request: TeardownRequest): Promise<{ handle: WorkflowHandle; result: TeardownResult }> {
  const handle = await suite.env.client.workflow.start(TEARDOWN_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: teardownWorkflowId(request.instanceId),
    args: [{ timeouts: FAST_TIMEOUTS, ...request }],
    staticSummary: `test teardown of ${request.instanceId}`,
  });
  return { handle, result: (await handle.result()) as TeardownResult };
}

describe('teardownCrossVpcAccess (control plane, no Kafka)', () => {
  let suite: Suite;
  let instanceId: string;
  beforeAll(async () => {
    suite = await startSuite({ kafka: false, scenario: scenarioWithAcl() });
    instanceId = suite.sandbox.ready.instances[0]?.instanceId ?? '';
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  const acl = async () => {
    const vpc = suite.clients('default').vpc;
    const subnetId = suite.sandbox.ready.instances[0]?.subnetId ?? '';
    const fw = await vpc.findFirewallForSubnet(subnetId);
    if (!fw) throw new Error('the scenario has an ACL on the Kafka subnet');
    return fw.ingress_rules ?? [];
  };

  const expectZero = async (): Promise<void> => {
    const r = await resources(suite);
    expect(r.services, 'endpoint services left').toEqual([]);
    expect(r.endpoints, 'endpoints left').toEqual([]);
    expect(r.sgRules9011, 'security-group rules on 9011 left').toBe(0);
    for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised, `advertised IP of ${listener}`).toBe(listener);
    expect((await acl()).map((x) => x.name)).toEqual(['admin-ssh']);
  };

  it('after a successful provisioning: zero resources, the original advertised IPs; a second teardown finds it already clean', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.result?.status).toBe('unverified');
      const before = await resources(suite);
      expect(before.services).toHaveLength(3);
      expect(before.endpoints).toHaveLength(3);
      expect(before.sgRules9011).toBe(1);
      expect((await acl()).length).toBe(3); // admin-ssh + the VPCEP and client-subnet rules of the access
      for (const p of outcome.ports) expect(before.advertised[p.listenerIp]).toBe(p.endpointIp);

      const { handle, result } = await teardown(suite, tq, { instanceId });
      expect(result.instanceId).toBe(instanceId);
      expect(result.alreadyClean).toBe(false);
      expect(result.cancelledProvisioning).toBe(false);
      expect(result.restoredAdvertisedIps).toBe(true);
      expect(Object.keys(result.restored).sort()).toEqual(outcome.ports.map((p) => p.listenerIp).sort());
      expect(result.removed.endpoints.sort()).toEqual(outcome.ports.map((p) => p.endpointId).sort());
      expect(result.removed.services.sort()).toEqual(outcome.ports.map((p) => p.serviceId).sort());
      expect(result.removed.securityGroupRules).toEqual([outcome.result?.securityGroupRule?.ruleId]);
      expect(result.removed.aclRules.sort()).toEqual([...(outcome.result?.networkAcl?.ruleIds ?? [])].sort());
      expect(result.removed.aclRules).toHaveLength(2);
      await expectZero();
      expect((await handle.query(teardownProgressQuery)).phase).toBe('torn-down');
      await saveHistory(handle, 'teardown-success');

      // Idempotent: nothing left to do.
      const again = await teardown(suite, tq, { instanceId });
      expect(again.result.alreadyClean).toBe(true);
      expect(again.result.restoredAdvertisedIps).toBe(false);
      expect(again.result.removed).toEqual({ endpoints: [], services: [], securityGroupRules: [], aclRules: [] });
      await expectZero();
    });
  });

  it('cross-account: the endpoints in the client account are found (client credential set) and removed', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, crossAccountRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.result?.status).toBe('unverified');
      const b = suite.sandbox.ready.accounts.find((a) => a.name === 'B');
      const { result } = await teardown(suite, tq, { instanceId, clientDomainId: b?.domainId ?? '' });
      expect(result.searched).toEqual(expect.arrayContaining(['default', 'client']));
      expect(result.removed.endpoints).toHaveLength(3);
      expect(result.removed.services).toHaveLength(3);
      await expectZero();
    });
  });

  it('half-provisioned (a provisioning still running): it is cancelled first, rolls back, and nothing is left', async () => {
    await addFault(suite, { kind: 'async-stuck', match: { operation: 'vpcep.createEndpoint' } });
    await withWorkers(suite, async (tq) => {
      const handle = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      await eventually(async () => {
        const r = await resources(suite);
        return r.endpoints.length === 3 && r.sgRules9011 === 1;
      }, 30_000, 'endpoints and the SG rule created');
      const { handle: td, result } = await teardown(suite, tq, { instanceId });
      expect(result.cancelledProvisioning).toBe(true);
      await saveHistory(td, 'teardown-cancels-provisioning');
      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe('Cancelled');
      await expectZero();
    });
  });

  it('half-provisioned (leftovers with our tags, no workflow history at all): removed, our advertised IP restored', async () => {
    const ready = suite.sandbox.ready;
    const inst = ready.instances[0];
    const net = ready.clientNetworks.find((n) => n.account === 'A');
    if (!inst || !net) throw new Error('default scenario expected');
    const c = suite.clients('default');
    const entries = (await c.dms.getInstance(instanceId)).crossVpcEntries;
    const [e0, e1] = entries;
    if (!e0 || !e1) throw new Error('3 brokers expected');
    // What a provisioning terminated midway (no compensation) would leave: port 0 complete and advertised,
    // port 1 only its service, the marked SG rule, one marked ACL rule.
    const svc0 = await createService(suite, e0.portId, inst.vpcId, accessTags(instanceId, e0.portId), 'cvpc-left0');
    await createService(suite, e1.portId, inst.vpcId, accessTags(instanceId, e1.portId), 'cvpc-left1');
    const ep0 = await createEndpoint(suite, svc0, net.vpcId, net.subnetId, accessTags(instanceId, e0.portId));
    await c.dms.modifyCrossVpc(instanceId, Object.fromEntries(entries.map((e) => [e.listenerIp, e === e0 ? ep0.ip : e.advertisedIp])));
    await c.vpc.createSecurityGroupRule({
      security_group_id: inst.securityGroupId,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 9011,
      port_range_max: 9011,
      remote_ip_prefix: '198.19.128.0/17',
      description: `crossvpc-access=${instanceId}`,
    });
    const fw = await c.vpc.findFirewallForSubnet(inst.subnetId);
    await c.vpc.insertFirewallRules(fw?.id ?? '', {
      ingress_rules: [
        { name: 'crossvpc-9011-vpcep', description: `crossvpc-access=${instanceId}`, action: 'allow', protocol: 'tcp', ip_version: 4, source_ip_address: '198.19.128.0/17', destination_port: '9011', enabled: true },
      ],
    });

    await withWorkers(suite, async (tq) => {
      const { result } = await teardown(suite, tq, { instanceId });
      expect(result.cancelledProvisioning).toBe(false);
      expect(result.restoredAdvertisedIps).toBe(true);
      expect(result.restored).toEqual({ [e0.listenerIp]: ep0.ip });
      expect(result.removed.endpoints).toEqual([ep0.id]);
      expect(result.removed.services).toHaveLength(2);
      expect(result.removed.securityGroupRules).toHaveLength(1);
      expect(result.removed.aclRules).toHaveLength(1);
      await expectZero();
    });
  });

  it('never touches look-alikes: untagged or another access’s services, endpoints, rules, and an advertised IP that is not ours', async () => {
    const ready = suite.sandbox.ready;
    const inst = ready.instances[0];
    const net = ready.clientNetworks.find((n) => n.account === 'A');
    if (!inst || !net) throw new Error('default scenario expected');
    const c = suite.clients('default');
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.result?.status).toBe('unverified');
      const [p0, p1, p2] = outcome.ports;
      if (!p0 || !p1 || !p2) throw new Error('3 ports expected');

      // Look-alikes: same broker port (another server port), cvpc-like names, 9011 rules, no/foreign marks.
      const untagged = await createService(suite, p0.portId, inst.vpcId, [], 'cvpc-lookalike', 9012);
      const foreignTagged = await createService(suite, p1.portId, inst.vpcId, accessTags('other-instance', p1.portId), 'cvpc-other', 9012);
      const portTagOnly = await createService(suite, p2.portId, inst.vpcId, [{ key: 'crossvpc-port', value: p2.portId }], 'cvpc-porttag', 9012);
      const untaggedEp = await createEndpoint(suite, untagged, net.vpcId, net.subnetId, []);
      const foreignEp = await createEndpoint(suite, foreignTagged, net.vpcId, net.subnetId, accessTags('other-instance', p1.portId));
      const manualRule = await c.vpc.createSecurityGroupRule({
        security_group_id: inst.securityGroupId, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 9011, port_range_max: 9011, remote_ip_prefix: '10.9.0.0/16', description: 'manual rule',
      });
      const otherRule = await c.vpc.createSecurityGroupRule({
        security_group_id: inst.securityGroupId, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 9011, port_range_max: 9011, remote_ip_prefix: '10.8.0.0/16', description: 'crossvpc-access=other-instance',
      });
      // Broker 2 now advertises the look-alike's IP (someone else's change): the teardown must leave it.
      const current = Object.fromEntries((await c.dms.getInstance(instanceId)).crossVpcEntries.map((e) => [e.listenerIp, e.advertisedIp]));
      await c.dms.modifyCrossVpc(instanceId, { ...current, [p2.listenerIp]: untaggedEp.ip });

      const { result } = await teardown(suite, tq, { instanceId });
      expect(result.removed.endpoints.sort()).toEqual(outcome.ports.map((p) => p.endpointId).sort());
      expect(result.removed.services.sort()).toEqual(outcome.ports.map((p) => p.serviceId).sort());
      expect(result.removed.securityGroupRules).toEqual([outcome.result?.securityGroupRule?.ruleId]);
      expect(Object.keys(result.restored).sort()).toEqual([p0.listenerIp, p1.listenerIp].sort());

      const r = await resources(suite);
      expect(r.services.map((s) => s.id).sort()).toEqual([untagged, foreignTagged, portTagOnly].sort());
      expect(r.endpoints.map((e) => e.id).sort()).toEqual([untaggedEp.id, foreignEp.id].sort());
      const rules = await c.vpc.listAllSecurityGroupRules({ security_group_id: inst.securityGroupId, direction: 'ingress' });
      expect(rules.filter((x) => x.port_range_min === 9011).map((x) => x.id).sort()).toEqual([manualRule.id, otherRule.id].sort());
      expect(r.advertised[p0.listenerIp]).toBe(p0.listenerIp);
      expect(r.advertised[p1.listenerIp]).toBe(p1.listenerIp);
      expect(r.advertised[p2.listenerIp]).toBe(untaggedEp.ip);
      expect((await acl()).map((x) => x.name)).toEqual(['admin-ssh']);
    });
  });
});

async function createService(suite: Suite, portId: string, vpcId: string, tags: Tag[], name: string, port = 9011): Promise<string> {
  const v = suite.clients('default').vpcep;
  const s = await v.createEndpointService({
    port_id: portId,
    vpc_id: vpcId,
    server_type: 'VM',
    service_type: 'interface',
    ports: [{ client_port: port, server_port: port, protocol: 'TCP' }],
    approval_enabled: false,
    service_name: name,
    tags,
  });
  await eventually(async () => (await v.getEndpointService(s.id)).status === 'available', 30_000, `service ${name} available`);
  return s.id;
}

async function createEndpoint(suite: Suite, serviceId: string, vpcId: string, subnetId: string, tags: Tag[]): Promise<{ id: string; ip: string }> {
  const v = suite.clients('default').vpcep;
  const e = await v.createEndpoint({ endpoint_service_id: serviceId, vpc_id: vpcId, subnet_id: subnetId, tags });
  return eventually(async () => {
    const x = await v.getEndpoint(e.id);
    return x.status === 'accepted' && x.ip ? { id: x.id, ip: x.ip } : undefined;
  }, 30_000, `endpoint of ${serviceId} accepted`);
}
