import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type ReadyInstance, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { createFakeDataPlane, type FakeDataPlane } from './support/fake-data-plane.js';
import { account, clients, failure, fastScenario, raw, claimAddressPrefix, waitFor } from './support/sandbox-helpers.js';

let sb: Sandbox;
let dp: FakeDataPlane;
let ca: OtcClients;
let cb: OtcClients;
let inst: ReadyInstance;

beforeAll(async () => {
  dp = createFakeDataPlane();
  sb = await startSandbox({ scenario: fastScenario(), addressPrefix: await claimAddressPrefix(), dataPlane: dp });
  ca = clients(sb, 'A');
  cb = clients(sb, 'B');
  const i = sb.ready.instances[0];
  if (!i) throw new Error('no instance');
  inst = i;
});
afterAll(async () => {
  await sb?.stop();
});
beforeEach(async () => {
  await sb.reset();
});

const clientNet = (name: string) => {
  const n = sb.ready.clientNetworks.find((c) => c.account === name);
  if (!n) throw new Error(`no client network for ${name}`);
  return n;
};
const portId = (b = 0) => inst.listeners[b]?.portId ?? '';
const serviceBody = (over: Record<string, unknown> = {}) => ({
  port_id: portId(),
  vpc_id: inst.vpcId,
  server_type: 'VM' as const,
  ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' as const }],
  approval_enabled: false,
  service_name: 'cvpc-broker0',
  tags: [{ key: 'crossvpc-access', value: inst.instanceId.slice(0, 36) }],
  ...over,
});
const availableService = async (over: Record<string, unknown> = {}) => {
  const svc = await ca.vpcep.createEndpointService(serviceBody(over) as never);
  await waitFor('service available', async () => ((await ca.vpcep.getEndpointService(svc.id)).status === 'available' ? true : undefined));
  return svc;
};
const errorOf = async (p: Promise<unknown>) => {
  const e = await failure(p);
  return { status: e.status, code: e.code };
};

describe('VPCEP endpoint services', () => {
  it('creates asynchronously: creating → available, full name, defaults, tags', async () => {
    const svc = await ca.vpcep.createEndpointService(serviceBody() as never);
    expect(svc.status).toBe('creating');
    expect(svc.service_name).toBe(`eu-de.cvpc-broker0.${svc.id}`);
    expect(svc).toMatchObject({ port_id: portId(), vpc_id: inst.vpcId, server_type: 'VM', service_type: 'interface', approval_enabled: false, tcp_proxy: 'close' });
    expect(svc.tags).toEqual([{ key: 'crossvpc-access', value: inst.instanceId }]);
    const got = await ca.vpcep.getEndpointService(svc.id);
    expect(got.connection_count).toBe(0);
    expect(['creating', 'available']).toContain(got.status);
    await waitFor('available', async () => ((await ca.vpcep.getEndpointService(svc.id)).status === 'available' ? true : undefined));
  });

  it('defaults approval_enabled to true when omitted (raw call)', async () => {
    const a = account(sb, 'A');
    const body = serviceBody();
    delete (body as Record<string, unknown>).approval_enabled;
    const res = await raw(`${sb.urls.vpcep}/v1/${a.projectId}/vpc-endpoint-services`, { method: 'POST', body, sign: a });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ approval_enabled: true, status: 'creating' });
  });

  it('validates like the reference', async () => {
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ service_name: 'this-name-is-too-long' }) as never))).toEqual({ status: 400, code: 'EndPoint.1003' });
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ service_name: 'bad.name' }) as never))).toEqual({ status: 400, code: 'EndPoint.1003' });
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ vpc_id: clientNet('A').vpcId }) as never))).toEqual({ status: 400, code: 'EndPoint.3042' });
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ vpc_id: '00000000-0000-4000-8000-000000000000' }) as never))).toEqual({ status: 400, code: 'EndPoint.2001' });
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ port_id: '00000000-0000-4000-8000-000000000000' }) as never))).toEqual({ status: 400, code: 'EndPoint.3008' });
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ server_type: 'XX' }) as never))).toEqual({ status: 400, code: 'EndPoint.3021' });
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ ports: [{ client_port: 0, server_port: 9011, protocol: 'TCP' }] }) as never))).toEqual({ status: 400, code: 'EndPoint.3043' });
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ ports: [{ client_port: 9011, server_port: 9011, protocol: 'UDP' }] }) as never))).toEqual({ status: 400, code: 'EndPoint.3075' });
    await ca.vpcep.createEndpointService(serviceBody() as never);
    expect(await errorOf(ca.vpcep.createEndpointService(serviceBody({ service_name: 'other' }) as never))).toEqual({ status: 400, code: 'EndPoint.3044' });
    // Same port_id, another server_port: fine.
    await ca.vpcep.createEndpointService(serviceBody({ service_name: 'other', ports: [{ client_port: 9012, server_port: 9012, protocol: 'TCP' }] }) as never);
  });

  it('enforces the service quota (Endpoint.1018) and reports quotas', async () => {
    const small = await startSandbox({ scenario: fastScenario({ quotas: { endpointServices: 2, endpoints: 1 } }), addressPrefix: await claimAddressPrefix(), dataPlane: createFakeDataPlane() });
    try {
      const c = clients(small, 'A');
      const i = small.ready.instances[0] as ReadyInstance;
      const body = (b: number) => ({ ...serviceBody(), port_id: i.listeners[b]?.portId, vpc_id: i.vpcId, service_name: `s${b}` });
      await c.vpcep.createEndpointService(body(0) as never);
      await c.vpcep.createEndpointService(body(1) as never);
      expect(await errorOf(c.vpcep.createEndpointService(body(2) as never))).toEqual({ status: 400, code: 'Endpoint.1018' });
      const q = await c.vpcep.getQuotas();
      expect(q.quotas.resources).toEqual(
        expect.arrayContaining([
          { type: 'endpoint_service', used: 2, quota: 2 },
          { type: 'endpoint', used: 0, quota: 1 },
        ]),
      );
      expect((await c.vpcep.getQuotas('endpoint')).quotas.resources).toEqual([{ type: 'endpoint', used: 0, quota: 1 }]);
    } finally {
      await small.stop();
    }
  });

  it('lists with fuzzy names, paging, total_count and the reference validation codes', async () => {
    for (const [b, name] of [
      [0, 'Kafka-One'],
      [1, 'kafka-two'],
      [2, 'other'],
    ] as const) {
      await ca.vpcep.createEndpointService(serviceBody({ port_id: portId(b), service_name: name }) as never);
    }
    const fuzzy = await ca.vpcep.listEndpointServices({ endpoint_service_name: 'KAFKA' });
    expect(fuzzy.total_count).toBe(2);
    const page = await ca.vpcep.listEndpointServices({ limit: 1, offset: 1, sort_dir: 'asc' });
    expect(page.total_count).toBe(3);
    expect(page.endpoint_services).toHaveLength(1);
    expect(page.endpoint_services[0]?.service_name).toContain('.kafka-two.');
    expect((await ca.vpcep.listAllEndpointServices({})).length).toBe(3);
    const a = account(sb, 'A');
    const base = `${sb.urls.vpcep}/v1/${a.projectId}/vpc-endpoint-services`;
    for (const [q, code] of [
      ['limit=1001', 'EndPoint.0006'],
      ['offset=-1', 'EndPoint.0010'],
      ['sort_key=name', 'EndPoint.0017'],
      ['sort_dir=up', 'EndPoint.0018'],
      ['status=weird', 'EndPoint.0019'],
    ]) {
      const res = await raw(`${base}?${q}`, { sign: a });
      expect(res.status, q).toBe(400);
      expect(res.json, q).toMatchObject({ error_code: code, error_msg: expect.any(String) as unknown });
    }
  });

  it('updates (rename → {region}.{new}.{id}), 404s unknown ids, describes by name or id', async () => {
    const svc = await availableService();
    const updated = await ca.vpcep.updateEndpointService(svc.id, { service_name: 'renamed', approval_enabled: true });
    expect(updated.service_name).toBe(`eu-de.renamed.${svc.id}`);
    expect(updated.approval_enabled).toBe(true);
    expect(await errorOf(ca.vpcep.getEndpointService('00000000-0000-4000-8000-000000000000'))).toEqual({ status: 404, code: 'EndPoint.0005' });
    // Describe works for other accounts too (the consumer side).
    const byName = await cb.vpcep.describeEndpointService({ endpoint_service_name: updated.service_name });
    expect(byName).toMatchObject({ id: svc.id, service_name: updated.service_name, service_type: 'interface', is_charge: false });
    expect((await cb.vpcep.describeEndpointService({ id: svc.id })).id).toBe(svc.id);
    expect(await errorOf(cb.vpcep.describeEndpointService({ endpoint_service_name: 'eu-de.nope.x' }))).toEqual({ status: 404, code: 'EndPoint.0005' });
    // Another account cannot GET it.
    expect(await errorOf(cb.vpcep.getEndpointService(svc.id))).toEqual({ status: 404, code: 'EndPoint.0005' });
  });

  it('manages the whitelist: add/remove, bare *, iam:domain::* rejected, list records', async () => {
    const svc = await availableService();
    const b = account(sb, 'B');
    const added = await ca.vpcep.addPermissions(svc.id, [`iam:domain::${b.domainId}`]);
    expect(added.permissions).toEqual([`iam:domain::${b.domainId}`]);
    await ca.vpcep.addPermissions(svc.id, [`iam:domain::${b.domainId}`]); // duplicate: no-op
    await ca.vpcep.addPermissions(svc.id, ['*']);
    const list = await ca.vpcep.listPermissions(svc.id);
    expect(list.total_count).toBe(2);
    expect(list.permissions[0]).toMatchObject({ permission: '*', permission_type: 'domainId', id: expect.any(String) as unknown });
    expect(await errorOf(ca.vpcep.addPermissions(svc.id, ['iam:domain::*']))).toEqual({ status: 400, code: 'EndPoint.3002' });
    expect(await errorOf(ca.vpcep.addPermissions(svc.id, []))).toEqual({ status: 400, code: 'EndPoint.3036' });
    await ca.vpcep.removePermissions(svc.id, ['*']);
    expect((await ca.vpcep.listPermissions(svc.id)).total_count).toBe(1);
  });
});

describe('VPCEP endpoints and connections', () => {
  it('approval off: creating → accepted, ip from the client subnet only once accepted, forwarding opened', async () => {
    const svc = await availableService();
    const net = clientNet('A');
    const ep = await ca.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: net.vpcId, subnet_id: net.subnetId, tags: [{ key: 'crossvpc-port', value: 'p0' }] });
    expect(ep.status).toBe('creating');
    expect(ep.ip).toBeUndefined();
    expect(ep.endpoint_service_name).toBe(svc.service_name);
    expect(Number(ep.marker_id)).toBeGreaterThan(0);
    const accepted = await waitFor('accepted', async () => {
      const e = await ca.vpcep.getEndpoint(ep.id);
      return e.status === 'accepted' ? e : undefined;
    });
    expect(accepted.ip).toMatch(new RegExp(`^${net.cidr.split('.').slice(0, 3).join('\\.')}\\.`));
    await sb.idle();
    const spec = dp.open.get(ep.id);
    expect(spec).toMatchObject({ listenIp: accepted.ip, listenPort: 9011, targetIp: inst.listeners[0]?.listenerIp, targetPort: 9011 });
    // The SG does not admit 198.19.128.0/17 yet.
    expect(spec?.allowed()).toBe(false);
    const rule = await ca.vpc.createSecurityGroupRule({
      security_group_id: inst.securityGroupId,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 9011,
      port_range_max: 9011,
      remote_ip_prefix: '198.19.128.0/17',
    });
    expect(spec?.allowed()).toBe(true);
    await ca.vpc.deleteSecurityGroupRule(rule.id);
    expect(spec?.allowed()).toBe(false);
    // Service cannot be deleted while the endpoint is accepted.
    expect(await errorOf(ca.vpcep.deleteEndpointService(svc.id))).toEqual({ status: 400, code: 'EndPoint.3006' });
    expect((await ca.vpcep.getEndpointService(svc.id)).connection_count).toBe(1);
    // Delete: 204, deleting, then 404; forwarding closed at once.
    await ca.vpcep.deleteEndpoint(ep.id);
    expect((await ca.vpcep.getEndpoint(ep.id)).status).toBe('deleting');
    expect(dp.open.has(ep.id)).toBe(false);
    await waitFor('endpoint gone', async () => ((await failure(ca.vpcep.getEndpoint(ep.id)).catch(() => undefined))?.status === 404 ? true : undefined));
    expect(await errorOf(ca.vpcep.getEndpoint(ep.id))).toEqual({ status: 404, code: 'EndPoint.2006' });
    await ca.vpcep.deleteEndpointService(svc.id);
    expect((await ca.vpcep.getEndpointService(svc.id)).status).toBe('deleting');
    await waitFor('service gone', async () => ((await failure(ca.vpcep.getEndpointService(svc.id)).catch(() => undefined))?.status === 404 ? true : undefined));
  });

  it('cross-account: needs the whitelist (EndPoint.2012), then pendingAcceptance until receive; reject closes', async () => {
    const svc = await availableService({ approval_enabled: true });
    const net = clientNet('B');
    const b = account(sb, 'B');
    const body = { endpoint_service_id: svc.id, vpc_id: net.vpcId, subnet_id: net.subnetId };
    expect(await errorOf(cb.vpcep.createEndpoint(body))).toEqual({ status: 400, code: 'EndPoint.2012' });
    await ca.vpcep.addPermissions(svc.id, [`iam:domain::${b.domainId}`]);
    const ep = await cb.vpcep.createEndpoint(body);
    await waitFor('pending', async () => ((await cb.vpcep.getEndpoint(ep.id)).status === 'pendingAcceptance' ? true : undefined));
    expect((await cb.vpcep.getEndpoint(ep.id)).ip).toBeUndefined();
    const conns = await ca.vpcep.listConnections(svc.id, { status: 'pendingAcceptance' } as never);
    expect(conns.total_count).toBe(1);
    expect(conns.connections[0]).toMatchObject({ id: ep.id, domain_id: b.domainId, status: 'pendingAcceptance' });
    const received = await ca.vpcep.connectionAction(svc.id, ep.id, 'receive');
    expect(received.connections[0]).toMatchObject({ id: ep.id, status: 'accepted' });
    const accepted = await cb.vpcep.getEndpoint(ep.id);
    expect(accepted.status).toBe('accepted');
    expect(accepted.ip).toMatch(/\.3\.\d+$/);
    await sb.idle();
    expect(dp.open.has(ep.id)).toBe(true);
    await ca.vpcep.connectionAction(svc.id, ep.id, 'reject');
    const rejected = await cb.vpcep.getEndpoint(ep.id);
    expect(rejected).toMatchObject({ status: 'rejected', ip: accepted.ip });
    await sb.idle();
    expect(dp.open.has(ep.id)).toBe(false);
    // connections/action checks
    const a = account(sb, 'A');
    const action = (payload: unknown) => raw(`${sb.urls.vpcep}/v1/${a.projectId}/vpc-endpoint-services/${svc.id}/connections/action`, { method: 'POST', body: payload, sign: a });
    expect((await action({ endpoints: [ep.id, ep.id], action: 'receive' })).json).toMatchObject({ error_code: 'EndPoint.2031' });
    expect((await action({ endpoints: [ep.id], action: 'accept' })).json).toMatchObject({ error_code: 'EndPoint.2027' });
    expect((await action({ endpoints: ['00000000-0000-4000-8000-000000000000'], action: 'receive' })).json).toMatchObject({ error_code: 'EndPoint.2013' });
  });

  it('bare * admits any account; the subnet must belong to the VPC (EndPoint.2037); unknown service EndPoint.2003', async () => {
    const svc = await availableService();
    await ca.vpcep.addPermissions(svc.id, ['*']);
    const netB = clientNet('B');
    const netA = clientNet('A');
    expect(await errorOf(cb.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: netB.vpcId, subnet_id: netA.subnetId }))).toEqual({ status: 400, code: 'EndPoint.2037' });
    expect(await errorOf(cb.vpcep.createEndpoint({ endpoint_service_id: '00000000-0000-4000-8000-000000000000', vpc_id: netB.vpcId, subnet_id: netB.subnetId }))).toEqual({
      status: 400,
      code: 'EndPoint.2003',
    });
    const ep = await cb.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: netB.vpcId, subnet_id: netB.subnetId, port_ip: `${netB.cidr.split('.').slice(0, 3).join('.')}.77` });
    const accepted = await waitFor('accepted', async () => {
      const e = await cb.vpcep.getEndpoint(ep.id);
      return e.status === 'accepted' ? e : undefined;
    });
    expect(accepted.ip).toMatch(/\.77$/);
    const list = await cb.vpcep.listEndpoints({ endpoint_service_name: 'BROKER0' });
    expect(list.total_count).toBe(1);
    expect((await ca.vpcep.listEndpoints({})).total_count).toBe(0);
    expect((await cb.vpcep.listAllEndpoints({})).map((e) => e.id)).toEqual([ep.id]);
  });

  it('filters endpoint lists server-side by endpoint_service_name (fuzzy), vpc_id and id, as the reference; the call log keeps the query', async () => {
    const net = clientNet('A');
    const s0 = await availableService();
    const s1 = await availableService({ port_id: portId(1), service_name: 'cvpc-broker0x' });
    const e0 = await ca.vpcep.createEndpoint({ endpoint_service_id: s0.id, vpc_id: net.vpcId, subnet_id: net.subnetId });
    const e1 = await ca.vpcep.createEndpoint({ endpoint_service_id: s1.id, vpc_id: net.vpcId, subnet_id: net.subnetId });
    const ids = async (q: Record<string, string>) => (await ca.vpcep.listAllEndpoints(q)).map((e) => e.id).sort();
    expect(await ids({ endpoint_service_name: 'cvpc-broker0' })).toEqual([e0.id, e1.id].sort()); // fuzzy: both
    expect(await ids({ endpoint_service_name: 'cvpc-broker0x' })).toEqual([e1.id]);
    expect(await ids({ vpc_id: net.vpcId, endpoint_service_name: 'broker0x' })).toEqual([e1.id]);
    expect(await ids({ vpc_id: clientNet('B').vpcId })).toEqual([]);
    expect(await ids({ id: e0.id })).toEqual([e0.id]);
    const calls = sb.callLog.all().filter((c) => c.operation === 'vpcep.listEndpoints');
    expect(calls.at(-1)?.query).toContain(`id=${e0.id}`);
    expect(calls.some((c) => c.query.includes(`vpc_id=${net.vpcId}`) && c.query.includes('endpoint_service_name=broker0x'))).toBe(true);
  });

  it('endpoint create needs an available service (EndPoint.2004) and honours the endpoint quota', async () => {
    const svc = await ca.vpcep.createEndpointService(serviceBody() as never);
    const net = clientNet('A');
    expect(await errorOf(ca.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: net.vpcId, subnet_id: net.subnetId }))).toEqual({ status: 400, code: 'EndPoint.2004' });
  });

  it('takes the default delays from the default scenario (service ≈1.5 s, endpoint ≈1.5 s)', async () => {
    const slow = await startSandbox({ scenario: 'default', addressPrefix: await claimAddressPrefix(), dataPlane: createFakeDataPlane() });
    try {
      const c = clients(slow, 'A');
      const i = slow.ready.instances[0] as ReadyInstance;
      const t0 = Date.now();
      const svc = await c.vpcep.createEndpointService({ ...serviceBody(), port_id: i.listeners[0]?.portId, vpc_id: i.vpcId } as never);
      await waitFor('available', async () => ((await c.vpcep.getEndpointService(svc.id)).status === 'available' ? true : undefined), 10_000, 100);
      const serviceMs = Date.now() - t0;
      expect(serviceMs).toBeGreaterThanOrEqual(1400);
      expect(serviceMs).toBeLessThan(3500);
      const net = slow.ready.clientNetworks.find((n) => n.account === 'A');
      const t1 = Date.now();
      const ep = await c.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: net?.vpcId ?? '', subnet_id: net?.subnetId ?? '' });
      await waitFor('accepted', async () => ((await c.vpcep.getEndpoint(ep.id)).status === 'accepted' ? true : undefined), 10_000, 100);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(1400);
      expect(Date.now() - t1).toBeLessThan(3500);
    } finally {
      await slow.stop();
    }
  });
});
