/**
 * Every product client method names its API operation as the sandbox does: the transport's observation
 * (`service`.`operation`, status — what the worker's `crossvpc_cloud_api_calls_total` counts) equals the
 * sandbox's call-log record of the same call, call by call. Ids are made up where the answer does not matter:
 * a 404 or 400 is routed, named and logged like a 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtcClients, type OtcClients } from '../../src/otc/otc-clients.js';
import type { CallObservation } from '../../src/otc/transport.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { sandboxOtcConfig } from '../support/sandbox-access.js';
import { claimAddressPrefix, fastScenario } from './support/sandbox-helpers.js';

const prefix = await claimAddressPrefix();
const ID = '0f0e0d0c-0b0a-4908-8706-050403020100';

describe('operation names: product clients and the sandbox agree', () => {
  let sb: Sandbox;
  let c: OtcClients;
  const seen: CallObservation[] = [];

  beforeAll(async () => {
    sb = await startSandbox({ scenario: fastScenario(), addressPrefix: prefix, kafka: false, log: () => undefined });
    // The password flow, so the token request is among the calls.
    c = createOtcClients(sandboxOtcConfig(sb.ready, 'A', { kind: 'password', timeoutMs: 10_000 }), { observe: (o) => seen.push(o) });
  });
  afterAll(async () => {
    await sb?.stop();
  });

  it('each client method, called once, is logged by the sandbox under its service.operation with the same status', async () => {
    const calls: (() => Promise<unknown>)[] = [
      () => c.iam.listAuthProjects(),
      () => c.iam.getCatalog(),
      () => c.iam.listProjects({ name: 'eu-de' }),
      () => c.vpcep.createEndpointService({ port_id: ID, vpc_id: ID, server_type: 'VM', service_type: 'interface', approval_enabled: false, ports: [] }),
      () => c.vpcep.getEndpointService(ID),
      () => c.vpcep.updateEndpointService(ID, {}),
      () => c.vpcep.listEndpointServices(),
      () => c.vpcep.deleteEndpointService(ID),
      () => c.vpcep.describeEndpointService({ id: ID }),
      () => c.vpcep.addPermissions(ID, ['*']),
      () => c.vpcep.removePermissions(ID, ['*']),
      () => c.vpcep.listPermissions(ID),
      () => c.vpcep.createEndpoint({ endpoint_service_id: ID, vpc_id: ID, subnet_id: ID }),
      () => c.vpcep.getEndpoint(ID),
      () => c.vpcep.listEndpoints(),
      () => c.vpcep.deleteEndpoint(ID),
      () => c.vpcep.listConnections(ID),
      () => c.vpcep.connectionAction(ID, ID, 'receive'),
      () => c.vpcep.getQuotas(),
      () => c.dms.getInstance(ID),
      () => c.dms.listInstances(),
      () => c.dms.modifyCrossVpc(ID, {}),
      () => c.vpc.getVpc(ID),
      () => c.vpc.getSubnet(ID),
      () => c.vpc.listSecurityGroupRules(),
      () => c.vpc.createSecurityGroupRule({ security_group_id: ID, direction: 'ingress' }),
      () => c.vpc.deleteSecurityGroupRule(ID),
      () => c.vpc.listFirewalls(),
      () => c.vpc.getFirewall(ID),
      () => c.vpc.insertFirewallRules(ID, { ingress_rules: [] }),
      () => c.vpc.removeFirewallRules(ID, [ID]),
      () => c.dns.createPrivateZone({ name: 'example.internal.', router: { router_id: ID } }),
      () => c.dns.getZone(ID),
      () => c.dns.listAllPrivateZones(),
      () => c.dns.deleteZone(ID),
      () => c.dns.associateRouter(ID, { router_id: ID }),
      () => c.dns.disassociateRouter(ID, { router_id: ID }),
      () => c.dns.createRecordSet(ID, { name: 'b.example.internal.', type: 'A', records: ['10.0.0.1'] }),
      () => c.dns.listAllRecordSets(ID),
      () => c.dns.updateRecordSet(ID, ID, { records: ['10.0.0.2'] }),
      () => c.dns.deleteRecordSet(ID, ID),
    ];
    for (const call of calls) await call().catch(() => undefined);

    const ours = seen.map((o) => `${o.service}.${o.operation} ${o.status}`);
    const theirs = sb.callLog.all().map((r) => `${r.operation} ${r.status}`);
    expect(ours).toEqual(theirs);
    expect(theirs[0]).toBe('iam.createToken 201');
    expect(theirs.filter((t) => t.includes('.unknown'))).toEqual([]);
    // 41 distinct operations: every one the clients have (add/removePermissions are both permissionsAction).
    expect(new Set(seen.map((o) => `${o.service}.${o.operation}`)).size).toBe(41);
  });
});
