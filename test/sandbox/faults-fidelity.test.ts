/**
 * The fault kinds the product must survive (issue 13), set through the admin API (and the scenario), each judged
 * by what a client sees and by the sandbox's own state: crossvpc/modify that does not apply or fails for some
 * brokers, an instance briefly not RUNNING (DMS.00400026), VPCEP quotas used up, and connection-level failures.
 */
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOtcClients, type OtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type ReadyInstance, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { createFakeDataPlane, type FakeDataPlane } from './support/fake-data-plane.js';
import { account, claimAddressPrefix, clients, failure, fastScenario, raw, waitFor } from './support/sandbox-helpers.js';

let sb: Sandbox;
let dp: FakeDataPlane;
let ca: OtcClients;
let cb: OtcClients;
let inst: ReadyInstance;

beforeAll(async () => {
  dp = createFakeDataPlane();
  sb = await startSandbox({
    scenario: fastScenario({ faults: [{ id: 'scenario-quota', kind: 'quota-exceeded', resource: 'endpoint', match: { account: 'B' }, times: 1 }] }),
    addressPrefix: await claimAddressPrefix(),
    dataPlane: dp,
    seed: 5,
  });
  ca = clients(sb, 'A');
  cb = clients(sb, 'B');
  inst = sb.ready.instances[0] as ReadyInstance;
});
afterAll(async () => {
  await sb?.stop();
});
beforeEach(async () => {
  await sb.reset();
  dp.calls.length = 0;
});

async function addFault(spec: unknown): Promise<string[]> {
  const res = await raw(`${sb.adminUrl}/admin/faults`, { method: 'POST', body: spec });
  expect(res.status, res.text).toBe(201);
  return (res.json as { ids: string[] }).ids;
}
const listener = (b: number): string => inst.listeners[b]?.listenerIp ?? '';
const quotas = async (c: OtcClients, type?: 'endpoint_service' | 'endpoint') => (await c.vpcep.getQuotas(type)).quotas.resources;
const advertised = async (): Promise<Record<string, string>> => Object.fromEntries((await ca.dms.getInstance(inst.instanceId)).crossVpcEntries.map((e) => [e.listenerIp, e.advertisedIp]));
const mapping = (): Record<string, string> => Object.fromEntries(inst.listeners.map((l, i) => [l.listenerIp, `${sb.ready.addressPrefix}.2.${50 + i}`]));
const originals = (): Record<string, string> => Object.fromEntries(inst.listeners.map((l) => [l.listenerIp, l.listenerIp]));

describe('crossvpc/modify faults', () => {
  it('crossvpc-not-applied: 200 success:true echoing the request, and nothing changes (state and data plane)', async () => {
    const [id] = await addFault({ kind: 'crossvpc-not-applied', times: 1, match: { operation: 'dms.modifyCrossVpc' } });
    const res = await ca.dms.modifyCrossVpc(inst.instanceId, mapping());
    expect(res.success).toBe(true);
    expect(res.results?.map((r) => [r.ip, r.advertised_ip, r.success])).toEqual(Object.entries(mapping()).map(([k, v]) => [k, v, true]));
    expect(await advertised()).toEqual(originals());
    expect(dp.calls.filter((c) => c.startsWith('setAdvertisedIps'))).toEqual([]);
    expect(sb.callLog.all().find((c) => c.operation === 'dms.modifyCrossVpc')?.faults).toEqual([id]);
    // times: 1 — the next one applies.
    expect((await ca.dms.modifyCrossVpc(inst.instanceId, mapping())).success).toBe(true);
    expect(await advertised()).toEqual(mapping());
  });

  it('crossvpc-partial: success:false for the listed brokers, which keep their address; the others are applied', async () => {
    await addFault({ kind: 'crossvpc-partial', brokers: [1], match: { operation: 'dms.modifyCrossVpc' } });
    const res = await ca.dms.modifyCrossVpc(inst.instanceId, mapping());
    expect(res.success).toBe(false);
    expect(Object.fromEntries((res.results ?? []).map((r) => [r.ip, r.success]))).toEqual({ [listener(0)]: true, [listener(1)]: false, [listener(2)]: true });
    const now = await advertised();
    expect(now[listener(0)]).toBe(mapping()[listener(0)]);
    expect(now[listener(1)]).toBe(listener(1));
    expect(now[listener(2)]).toBe(mapping()[listener(2)]);
    expect(dp.advertised.get(inst.instanceId)?.[listener(1)]).toBe(listener(1));
    // A restore asks nothing of broker 1 (it never moved): it succeeds, the fault still in place.
    const back = await ca.dms.modifyCrossVpc(inst.instanceId, originals());
    expect(back.success).toBe(true);
    expect(await advertised()).toEqual(originals());
  });

  it('validates the spec: brokers must be a non-empty list of indices', async () => {
    const bad = await raw(`${sb.adminUrl}/admin/faults`, { method: 'POST', body: { kind: 'crossvpc-partial', brokers: [] } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/brokers/);
  });
});

describe('instance-not-running (DMS.00400026)', () => {
  it('after a change: the instance shows RESTARTING for a while, every change meanwhile is DMS.00400026, then RUNNING again', async () => {
    await addFault({ kind: 'instance-not-running', status: 'RESTARTING', ms: 1_500, when: 'after', times: 1, match: { operation: 'dms.modifyCrossVpc' } });
    expect((await ca.dms.modifyCrossVpc(inst.instanceId, mapping())).success).toBe(true);
    expect((await ca.dms.getInstance(inst.instanceId)).status).toBe('RESTARTING');
    const busy = await failure(ca.dms.modifyCrossVpc(inst.instanceId, originals()));
    expect(busy).toMatchObject({ status: 400, code: 'DMS.00400026', retryable: true });
    const seenRunning = await waitFor('RUNNING', async () => ((await ca.dms.getInstance(inst.instanceId)).status === 'RUNNING' ? Date.now() : undefined), 5_000);
    expect(seenRunning).toBeGreaterThan(0);
    expect((await ca.dms.modifyCrossVpc(inst.instanceId, originals())).success).toBe(true);
    expect(await advertised()).toEqual(originals());
  });

  it('before: the matched call itself meets the status (nothing applied), and the window passes', async () => {
    await addFault({ kind: 'instance-not-running', status: 'EXTENDING', ms: 800, when: 'before', times: 1, match: { operation: 'dms.modifyCrossVpc' } });
    expect(await failure(ca.dms.modifyCrossVpc(inst.instanceId, mapping()))).toMatchObject({ status: 400, code: 'DMS.00400026' });
    expect((await ca.dms.getInstance(inst.instanceId)).status).toBe('EXTENDING');
    expect(await advertised()).toEqual(originals());
    await waitFor('RUNNING', async () => ((await ca.dms.getInstance(inst.instanceId)).status === 'RUNNING' ? true : undefined), 5_000);
    expect((await ca.dms.modifyCrossVpc(inst.instanceId, mapping())).success).toBe(true);
  });
});

describe('quota-exceeded (Endpoint.1018, and GET /quotas says so)', () => {
  const serviceBody = (port = 9011) => ({
    port_id: inst.listeners[0]?.portId ?? '',
    vpc_id: inst.vpcId,
    server_type: 'VM' as const,
    ports: [{ client_port: port, server_port: port, protocol: 'TCP' as const }],
    approval_enabled: false,
  });

  it('endpoint services: the create is refused, quotas report used == quota, other accounts are unaffected', async () => {
    await ca.vpcep.createEndpointService(serviceBody(9011));
    const [id] = await addFault({ kind: 'quota-exceeded', resource: 'endpoint_service', match: { account: 'A' } });
    expect(await failure(ca.vpcep.createEndpointService(serviceBody(9012)))).toMatchObject({ status: 400, code: 'Endpoint.1018', retryable: false, kind: 'quota' });
    expect(await quotas(ca, 'endpoint_service')).toEqual([{ type: 'endpoint_service', used: 1, quota: 1 }]);
    expect((await quotas(ca)).find((q) => q.type === 'endpoint')).toEqual({ type: 'endpoint', used: 0, quota: 50 });
    expect((await ca.vpcep.listEndpointServices({})).total_count).toBe(1);
    expect(sb.callLog.all().filter((c) => c.operation === 'vpcep.createEndpointService').map((c) => [c.status, c.faults])).toEqual([
      ['200', []],
      ['400', [id]],
    ]);
    // Removing the fault gives the quota back.
    expect((await raw(`${sb.adminUrl}/admin/faults/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await quotas(ca, 'endpoint_service'))[0]).toEqual({ type: 'endpoint_service', used: 1, quota: 20 });
  });

  it('endpoints: a fixed quota; the scenario fault on account B refuses once (times: 1)', async () => {
    const svc = await ca.vpcep.createEndpointService({ ...serviceBody(), approval_enabled: false });
    await waitFor('available', async () => ((await ca.vpcep.getEndpointService(svc.id)).status === 'available' ? true : undefined));
    await ca.vpcep.addPermissions(svc.id, [`iam:domain::${account(sb, 'B').domainId}`]);
    const netB = sb.ready.clientNetworks.find((n) => n.account === 'B');
    const body = { endpoint_service_id: svc.id, vpc_id: netB?.vpcId ?? '', subnet_id: netB?.subnetId ?? '' };
    expect(await quotas(cb, 'endpoint')).toEqual([{ type: 'endpoint', used: 0, quota: 0 }]);
    expect(await failure(cb.vpcep.createEndpoint(body))).toMatchObject({ status: 400, code: 'Endpoint.1018' });
    expect((await quotas(cb, 'endpoint'))[0]).toEqual({ type: 'endpoint', used: 0, quota: 50 });
    await cb.vpcep.createEndpoint(body);
    await addFault({ kind: 'quota-exceeded', resource: 'endpoint', quota: 1 });
    expect((await quotas(cb, 'endpoint'))[0]).toEqual({ type: 'endpoint', used: 1, quota: 1 });
    expect(await failure(cb.vpcep.createEndpoint(body))).toMatchObject({ code: 'Endpoint.1018' });
    expect((await cb.vpcep.listEndpoints({})).total_count).toBe(1);
  });
});

describe('connection faults (the operation does not run)', () => {
  const quick = (): OtcClients => {
    const a = account(sb, 'A');
    return createOtcClients({
      name: 'quick',
      region: sb.ready.region,
      projectId: a.projectId,
      domainId: a.domainId,
      credentials: { kind: 'aksk', ak: a.ak, sk: a.sk },
      endpoints: { iam: sb.urls.iam, vpcep: sb.urls.vpcep, dms: sb.urls.dms, vpc: sb.urls.vpc },
      timeoutMs: 700,
    });
  };
  const socketError = async (url: string): Promise<string> => {
    try {
      await request(url, { method: 'GET', headersTimeout: 700, bodyTimeout: 700 }).then((r) => r.body.text());
      return 'answered';
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      return e.cause?.code ?? e.code ?? e.name;
    }
  };
  const connects = (host: string, port: number): Promise<'connected' | 'refused'> =>
    new Promise((resolve) => {
      const s = tcpConnect({ host, port }, () => {
        s.destroy();
        resolve('connected');
      });
      s.once('error', () => resolve('refused'));
    });
  const hostPort = (url: string): { host: string; port: number } => {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port) };
  };

  it('reset: the connection is reset, nothing is created, the product sees a retryable transport error', async () => {
    await addFault({ kind: 'connection', mode: 'reset', times: 1, match: { operation: 'vpcep.listEndpointServices' } });
    const err = await failure(ca.vpcep.listEndpointServices({}));
    expect(err).toMatchObject({ name: 'OtcTransportError', retryable: true });
    expect(sb.callLog.count('vpcep.listEndpointServices', 'reset')).toBe(1);
    expect((await ca.vpcep.listEndpointServices({})).total_count).toBe(0);
  });

  it('refuse: the service stops listening for ms (ECONNREFUSED), then answers again on the same port', async () => {
    await addFault({ kind: 'connection', mode: 'refuse', ms: 800, times: 1, match: { service: 'vpc' } });
    const { host, port } = hostPort(sb.urls.vpc);
    expect(await failure(ca.vpc.listSecurityGroupRules({}))).toMatchObject({ name: 'OtcTransportError' });
    expect(await connects(host, port)).toBe('refused');
    const refused = await failure(ca.vpc.listSecurityGroupRules({}));
    expect(refused).toMatchObject({ name: 'OtcTransportError', retryable: true });
    expect(String((refused as { code?: string }).code ?? refused.message)).toMatch(/ECONNREFUSED|refused/i);
    // Other services keep answering meanwhile.
    expect((await ca.dms.getInstance(inst.instanceId)).instance_id).toBe(inst.instanceId);
    await waitFor('listening again', async () => ((await connects(host, port)) === 'connected' ? true : undefined), 5_000);
    expect(sb.callLog.count('vpc.listSecurityGroupRules', 'refused')).toBe(1);
    expect((await ca.vpc.listAllSecurityGroupRules({})).length).toBeGreaterThan(0);
  });

  it('stall: no answer; meanwhile new connections are accepted but never served — a TLS handshake hangs', async () => {
    await addFault({ kind: 'connection', mode: 'stall', ms: 3_000, times: 1, match: { operation: 'dms.getInstance' } });
    const c = quick();
    const t0 = Date.now();
    expect(await failure(c.dms.getInstance(inst.instanceId))).toMatchObject({ name: 'OtcTransportError', kind: 'timeout', retryable: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    const { host, port } = hostPort(sb.urls.dms);
    // A TLS client connects (TCP) but gets no ServerHello: its handshake stalls.
    const tls = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host, port, rejectUnauthorized: false }, () => resolve('handshake done'));
      s.once('error', (e) => resolve(`error ${e.message}`));
      setTimeout(() => {
        s.destroy();
        resolve('handshake stalled');
      }, 500);
    });
    expect(tls).toBe('handshake stalled');
    expect(await socketError(`${sb.urls.dms}/`)).toMatch(/Timeout|TIMEOUT/);
    expect(sb.callLog.count('dms.getInstance', 'stalled')).toBe(1);
    // The window closes (held connections are then closed) and the service answers again.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 3_000 - Date.now())));
    const back = await waitFor('answers again', () => c.dms.getInstance(inst.instanceId).catch(() => undefined), 5_000, 100);
    expect(back.instance_id).toBe(inst.instanceId);
  });

  it('rejects an unknown mode with an error naming the field', async () => {
    const bad = await raw(`${sb.adminUrl}/admin/faults`, { method: 'POST', body: { kind: 'connection', mode: 'explode' } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/mode/);
  });
});
