import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type ReadyInstance, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { createFakeDataPlane, type FakeDataPlane } from './support/fake-data-plane.js';
import { account, clients, failure, fastScenario, raw, claimAddressPrefix, waitFor } from './support/sandbox-helpers.js';

let sb: Sandbox;
let dp: FakeDataPlane;
let ca: OtcClients;
let inst: ReadyInstance;

beforeAll(async () => {
  dp = createFakeDataPlane();
  sb = await startSandbox({
    scenario: fastScenario({ faults: [{ id: 'scenario-quota-throttle', kind: 'throttle', style: 'vpcep', match: { operation: 'vpcep.getQuotas' }, times: 1 }] }),
    addressPrefix: await claimAddressPrefix(),
    dataPlane: dp,
    seed: 3,
  });
  ca = clients(sb, 'A');
  inst = sb.ready.instances[0] as ReadyInstance;
});
afterAll(async () => {
  await sb?.stop();
});
beforeEach(async () => {
  const res = await raw(`${sb.adminUrl}/admin/reset`, { method: 'POST' });
  expect(res.json).toEqual({ reset: true });
});

const addFault = async (spec: unknown) => {
  const res = await raw(`${sb.adminUrl}/admin/faults`, { method: 'POST', body: spec });
  expect(res.status).toBe(201);
  return (res.json as { ids: string[] }).ids;
};
const serviceBody = () => ({
  port_id: inst.listeners[0]?.portId ?? '',
  vpc_id: inst.vpcId,
  server_type: 'VM' as const,
  ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' as const }],
  approval_enabled: false,
});

describe('fault injection', () => {
  it('scenario faults are active from the start and restored by reset', async () => {
    expect(await failure(ca.vpcep.getQuotas())).toMatchObject({ status: 400, code: 'EndPoint.0022' });
    await ca.vpcep.getQuotas();
    await sb.reset();
    expect(await failure(ca.vpcep.getQuotas())).toMatchObject({ status: 400, code: 'EndPoint.0022' });
  });

  it('fails N times with a given status and code, then passes', async () => {
    await addFault({ kind: 'error', status: 503, code: 'EndPoint.0001', message: 'boom', times: 2, match: { operation: 'vpcep.listEndpoints' } });
    expect(await failure(ca.vpcep.listEndpoints())).toMatchObject({ status: 503, code: 'EndPoint.0001' });
    expect(await failure(ca.vpcep.listEndpoints())).toMatchObject({ status: 503 });
    expect((await ca.vpcep.listEndpoints()).total_count).toBe(0);
    const calls = await raw(`${sb.adminUrl}/admin/calls?operation=vpcep.listEndpoints`);
    expect((calls.json as { counts: Record<string, Record<string, number>> }).counts['vpcep.listEndpoints']).toEqual({ '200': 1, '503': 2 });
  });

  it('matches by method + path pattern and sends a raw body', async () => {
    await addFault({ kind: 'error', status: 500, body: { error_code: 'DMS.00500000', error_msg: 'Internal' }, match: { method: 'GET', path: '/v2/*/instances/{id}' }, times: 1 });
    expect(await failure(ca.dms.getInstance(inst.instanceId))).toMatchObject({ status: 500, code: 'DMS.00500000' });
    expect((await ca.dms.getInstance(inst.instanceId)).instance_id).toBe(inst.instanceId);
  });

  it('fails with probability p, deterministically for the seed', async () => {
    const outcomes = async () => {
      await sb.reset();
      await addFault({ kind: 'error', status: 500, probability: 0.5, match: { operation: 'dms.listInstances' } });
      const out: string[] = [];
      for (let i = 0; i < 12; i++) out.push(await ca.dms.listInstances({ engine: 'kafka' }).then(() => 'ok', () => 'err'));
      return out.join(',');
    };
    const first = await outcomes();
    expect(first).toContain('ok');
    expect(first).toContain('err');
    expect(await outcomes()).toBe(first);
  });

  it('adds latency', async () => {
    await addFault({ kind: 'latency', ms: 300, match: { operation: 'vpc.listSecurityGroupRules' } });
    const t0 = Date.now();
    await ca.vpc.listSecurityGroupRules({ security_group_id: inst.securityGroupId });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('commits, then drops the response (the caller sees a reset, the resource exists)', async () => {
    await addFault({ kind: 'drop-response', times: 1, match: { operation: 'vpcep.createEndpointService' } });
    const err = await failure(ca.vpcep.createEndpointService(serviceBody()));
    expect(err).toMatchObject({ retryable: true });
    expect(err.name).toBe('OtcTransportError');
    const list = await ca.vpcep.listEndpointServices({});
    expect(list.total_count).toBe(1);
    expect(sb.callLog.count('vpcep.createEndpointService', 'dropped')).toBe(1);
  });

  it('sends async resources to failed with error[] or leaves them stuck', async () => {
    await addFault({ kind: 'async-fail', errorCode: 'EndPoint.3008', errorMessage: 'port vanished', times: 1, match: { operation: 'vpcep.createEndpointService' } });
    const failed = await ca.vpcep.createEndpointService(serviceBody());
    const got = await waitFor('failed', async () => {
      const s = await ca.vpcep.getEndpointService(failed.id);
      return s.status === 'failed' ? s : undefined;
    });
    expect(got.error).toEqual([{ error_code: 'EndPoint.3008', error_message: 'port vanished' }]);
    await addFault({ kind: 'async-stuck', times: 1, match: { operation: 'vpcep.createEndpointService' } });
    const stuck = await ca.vpcep.createEndpointService({ ...serviceBody(), ports: [{ client_port: 9012, server_port: 9012, protocol: 'TCP' }] });
    await new Promise((r) => setTimeout(r, 500));
    expect((await ca.vpcep.getEndpointService(stuck.id)).status).toBe('creating');
    // Endpoint to failed.
    const ok = await ca.vpcep.createEndpointService({ ...serviceBody(), ports: [{ client_port: 9013, server_port: 9013, protocol: 'TCP' }] });
    await waitFor('available', async () => ((await ca.vpcep.getEndpointService(ok.id)).status === 'available' ? true : undefined));
    await addFault({ kind: 'async-fail', times: 1, match: { operation: 'vpcep.createEndpoint' } });
    const net = sb.ready.clientNetworks.find((n) => n.account === 'A');
    const ep = await ca.vpcep.createEndpoint({ endpoint_service_id: ok.id, vpc_id: net?.vpcId ?? '', subnet_id: net?.subnetId ?? '' });
    const epFailed = await waitFor('endpoint failed', async () => {
      const e = await ca.vpcep.getEndpoint(ep.id);
      return e.status === 'failed' ? e : undefined;
    });
    expect(epFailed.error?.[0]?.error_code).toBe('EndPoint.0001');
    expect(epFailed.ip).toBeUndefined();
  });

  it('throttles in the three documented styles', async () => {
    await addFault([
      { kind: 'throttle', style: 'vpcep', times: 1, match: { operation: 'vpcep.listEndpointServices' } },
      { kind: 'throttle', style: 'apigw', times: 1, match: { service: 'vpc' } },
      { kind: 'throttle', style: 'dms', times: 1, match: { operation: 'dms.*' } },
    ]);
    expect(await failure(ca.vpcep.listEndpointServices({}))).toMatchObject({ status: 400, code: 'EndPoint.0022', retryable: true });
    expect(await failure(ca.vpc.listSecurityGroupRules({}))).toMatchObject({ status: 429, code: 'APIGW.0308', retryable: true });
    expect(await failure(ca.dms.getInstance(inst.instanceId))).toMatchObject({ status: 404, code: 'DMS.10240407', retryable: true });
  });
});

describe('admin API', () => {
  it('dumps state per account with the call log, lists and clears faults, validates specs', async () => {
    const a = account(sb, 'A');
    await ca.vpcep.createEndpointService(serviceBody());
    await failure(ca.vpcep.getEndpointService('00000000-0000-4000-8000-000000000000'));
    const state = (await raw(`${sb.adminUrl}/admin/state`)).json as {
      accounts: { name: string; domainId: string; projects: { id: string; endpointServices: unknown[]; kafkaInstances: { brokers: unknown[] }[]; securityGroups: { rules: unknown[] }[] }[] }[];
      calls: { total: number; counts: Record<string, Record<string, number>> };
      faults: unknown[];
    };
    const stateA = state.accounts.find((x) => x.name === 'A');
    expect(stateA?.domainId).toBe(a.domainId);
    expect(stateA?.projects[0]?.endpointServices).toHaveLength(1);
    expect(stateA?.projects[0]?.kafkaInstances[0]?.brokers).toHaveLength(3);
    expect(stateA?.projects[0]?.securityGroups[0]?.rules).toHaveLength(4);
    expect(state.calls.counts['vpcep.createEndpointService']).toEqual({ '200': 1 });
    expect(state.calls.counts['vpcep.getEndpointService']).toEqual({ '404': 1 });
    expect(state.faults).toHaveLength(1);
    const ids = await addFault({ faults: [{ id: 'x', kind: 'latency', ms: 1 }] });
    expect(ids).toEqual(['x']);
    expect(((await raw(`${sb.adminUrl}/admin/faults`)).json as { faults: { id: string }[] }).faults.map((f) => f.id)).toEqual(['scenario-quota-throttle', 'x']);
    expect((await raw(`${sb.adminUrl}/admin/faults/x`, { method: 'DELETE' })).status).toBe(204);
    expect((await raw(`${sb.adminUrl}/admin/faults/x`, { method: 'DELETE' })).status).toBe(404);
    expect((await raw(`${sb.adminUrl}/admin/faults`, { method: 'DELETE' })).json).toEqual({ cleared: 1 });
    const bad = await raw(`${sb.adminUrl}/admin/faults`, { method: 'POST', body: { kind: 'error' } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toContain('status');
    // Admin routes do not exist on service ports.
    expect((await raw(`${sb.urls.vpcep}/admin/state`)).status).toBe(404);
    expect(((await raw(`${sb.adminUrl}/admin/ready`)).json as { ready: boolean }).ready).toBe(true);
  });

  it('reset removes created resources and closes data-plane endpoints', async () => {
    const svc = await ca.vpcep.createEndpointService(serviceBody());
    await waitFor('available', async () => ((await ca.vpcep.getEndpointService(svc.id)).status === 'available' ? true : undefined));
    const net = sb.ready.clientNetworks.find((n) => n.account === 'A');
    const ep = await ca.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: net?.vpcId ?? '', subnet_id: net?.subnetId ?? '' });
    await waitFor('open', () => (dp.open.has(ep.id) ? true : undefined));
    await raw(`${sb.adminUrl}/admin/reset`, { method: 'POST' });
    expect(dp.open.has(ep.id)).toBe(false);
    expect((await ca.vpcep.listEndpointServices({})).total_count).toBe(0);
    expect(sb.callLog.all().filter((c) => c.operation !== 'vpcep.listEndpointServices')).toHaveLength(0);
  });
});
