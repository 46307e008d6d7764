import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNotFound, isRetryable, OtcApiError } from '../../../src/otc/errors.js';
import type { OtcClients } from '../../../src/otc/otc-clients.js';
import { domainPermission } from '../../../src/otc/vpcep-client.js';
import type { CreateEndpointServiceInput } from '../../../src/otc/vpcep-schemas.js';
import { akskClients, MockCloud, PROJECT_ID, type RecordedRequest } from './mock-cloud.js';

const BASE = `/v1/${PROJECT_ID}`;
const SERVICE_ID = '4189d3c2-8882-4871-a3c2-d380272eed83';
const ENDPOINT_ID = '4189d3c2-8882-4871-a3c2-d380272eed80';
const VPC_ID = '84758cf5-9c62-43ae-a778-3dbd8370c0a4';
const PORT_ID = '4189d3c2-8882-4871-a3c2-d380272eed88';

// Bodies after otc-vpcep-api.md §2–7 (docs examples, with status "creating" as the live API answers).
const serviceBody = {
  id: SERVICE_ID,
  port_id: PORT_ID,
  vpc_id: VPC_ID,
  pool_id: '5d8c4c4e-3b9a-4b5e-8f0c-1f2e3d4c5b6a',
  status: 'creating',
  approval_enabled: false,
  service_name: 'eu-de.cvpc-abc.4189d3c2-8882-4871-a3c2-d380272eed83',
  service_type: 'interface',
  server_type: 'VM',
  project_id: PROJECT_ID,
  created_at: '2024-08-23T07:37:37Z',
  ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' }],
  tcp_proxy: 'close',
  tags: [{ key: 'crossvpc-access', value: 'inst-1' }],
  cidr_type: 'public',
};
const endpointBody = {
  id: ENDPOINT_ID,
  status: 'accepted',
  tags: [],
  whitelist: [],
  marker_id: 0, // replaced by the exact digits in endpointJson (a JS number literal would already be rounded)
  active_status: ['active'],
  vpc_id: VPC_ID,
  service_type: 'interface',
  project_id: PROJECT_ID,
  subnet_id: '68bfbcc1-dff2-47e4-a9d4-332b9bc1b8de',
  enable_dns: false,
  ip: '192.168.0.232',
  created_at: '2018-10-18T06:49:46Z',
  updated_at: '2018-10-18T06:49:50Z',
  endpoint_service_id: SERVICE_ID,
  endpoint_service_name: 'eu-de.cvpc-abc.4189d3c2-8882-4871-a3c2-d380272eed83',
  enable_whitelist: false,
  specification_name: 'default',
  enable_status: 'enable',
  endpoint_pool_id: 'ab12',
};
/** The wire text of an endpoint with `marker_id` 422321321312321321 (beyond 2^53), as the docs example prints it. */
const BIG_MARKER = '422321321312321321';
function endpointJson(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...endpointBody, ...extra, marker_id: '@MARKER@' }).replace('"@MARKER@"', BIG_MARKER);
}

const notFound = { status: 404, body: { error_code: 'EndPoint.0005', error_msg: 'The resource does not exist.' } };

function expectSigned(req: RecordedRequest): void {
  expect(req.signature).toEqual({ ok: true, ak: 'QTWAOYTTINDUT2QVKYUC' });
}

describe('VpcepClient', () => {
  let cloud: MockCloud;
  let c: OtcClients;
  beforeEach(() => {
    cloud = new MockCloud();
    c = akskClients(cloud);
  });
  afterEach(async () => {
    await cloud.close();
  });

  describe('endpoint services', () => {
    const input: CreateEndpointServiceInput = {
      port_id: PORT_ID,
      vpc_id: VPC_ID,
      server_type: 'VM',
      service_type: 'interface',
      service_name: 'cvpc-abc',
      ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' }],
      approval_enabled: false,
      tags: [{ key: 'crossvpc-access', value: 'inst-1' }],
    };

    it('create sends approval_enabled explicitly and returns the service with unknown keys kept', async () => {
      cloud.on('vpcep', 'POST', `${BASE}/vpc-endpoint-services`, { status: 200, body: serviceBody });
      const svc = await c.vpcep.createEndpointService(input);
      const req = cloud.last();
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`${BASE}/vpc-endpoint-services`);
      expect(req.body).toEqual({ ...input });
      expect(req.rawBody).toContain('"approval_enabled":false');
      expectSigned(req);
      expect(cloud.header(req, 'content-type')).toBe('application/json');
      expect(svc.status).toBe('creating');
      expect(svc.approval_enabled).toBe(false);
      expect(svc.ports?.[0]?.client_port).toBe(9011);
      expect(svc['cidr_type']).toBe('public');
    });

    it('create refuses a body without approval_enabled (JS callers)', async () => {
      const bad = { ...input } as Partial<CreateEndpointServiceInput>;
      delete bad.approval_enabled;
      await expect(c.vpcep.createEndpointService(bad as CreateEndpointServiceInput)).rejects.toThrow(/approval_enabled/);
      expect(cloud.requests).toHaveLength(0);
    });

    it('create surfaces a quota error', async () => {
      cloud.on('vpcep', 'POST', `${BASE}/vpc-endpoint-services`, { status: 400, body: { error_code: 'Endpoint.1018', error_msg: 'Quota exceeded.' } });
      const err = await c.vpcep.createEndpointService(input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OtcApiError);
      expect((err as OtcApiError).code).toBe('Endpoint.1018');
      expect((err as OtcApiError).retryable).toBe(false);
    });

    it('get / 404', async () => {
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/${SERVICE_ID}`, { status: 200, body: { ...serviceBody, status: 'available', connection_count: 1 } });
      const svc = await c.vpcep.getEndpointService(SERVICE_ID);
      expect(svc.status).toBe('available');
      expect(svc.connection_count).toBe(1);
      expectSigned(cloud.last());
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/${SERVICE_ID}`, notFound);
      const err = await c.vpcep.getEndpointService(SERVICE_ID).catch((e: unknown) => e);
      expect(isNotFound(err)).toBe(true);
    });

    it('get rejects a body that is not a service', async () => {
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/${SERVICE_ID}`, { status: 200, body: { id: SERVICE_ID } });
      await expect(c.vpcep.getEndpointService(SERVICE_ID)).rejects.toThrow(/unexpected shape.*status/);
    });

    it('update sends PUT with the body', async () => {
      cloud.on('vpcep', 'PUT', `${BASE}/vpc-endpoint-services/${SERVICE_ID}`, { status: 200, body: { ...serviceBody, approval_enabled: true } });
      const svc = await c.vpcep.updateEndpointService(SERVICE_ID, { approval_enabled: true, description: 'x' });
      expect(cloud.last().method).toBe('PUT');
      expect(cloud.last().body).toEqual({ approval_enabled: true, description: 'x' });
      expectSigned(cloud.last());
      expect(svc.approval_enabled).toBe(true);
      cloud.on('vpcep', 'PUT', `${BASE}/vpc-endpoint-services/${SERVICE_ID}`, {
        status: 400,
        body: { error_code: 'EndPoint.3045', error_msg: 'Other properties cannot be modified in the current state.' },
      });
      await expect(c.vpcep.updateEndpointService(SERVICE_ID, { description: 'y' })).rejects.toMatchObject({ code: 'EndPoint.3045', status: 400 });
    });

    it('list sends the query', async () => {
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services`, { status: 200, body: { endpoint_services: [serviceBody], total_count: 1 } });
      const page = await c.vpcep.listEndpointServices({ endpoint_service_name: 'cvpc-abc', limit: 10, offset: 0 });
      expect(cloud.last().query).toEqual({ endpoint_service_name: 'cvpc-abc', limit: '10', offset: '0' });
      expectSigned(cloud.last());
      expect(page.total_count).toBe(1);
      expect(page.endpoint_services[0]?.id).toBe(SERVICE_ID);
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services`, { status: 400, body: { error_code: 'EndPoint.0006', error_msg: 'Invalid limit.' } });
      await expect(c.vpcep.listEndpointServices({ limit: 5000 })).rejects.toMatchObject({ code: 'EndPoint.0006' });
    });

    it('listAll pages with offset/limit until total_count', async () => {
      const all = Array.from({ length: 2500 }, (_, i) => ({ ...serviceBody, id: `svc-${i}` }));
      cloud.on(
        'vpcep',
        'GET',
        `${BASE}/vpc-endpoint-services`,
        (req) => {
          const offset = Number(req.query.offset);
          const limit = Number(req.query.limit);
          return { status: 200, body: { endpoint_services: all.slice(offset, offset + limit), total_count: all.length } };
        },
        3,
      );
      const got = await c.vpcep.listAllEndpointServices({ status: 'available' });
      expect(got.map((s) => s.id)).toEqual(all.map((s) => s.id));
      expect(cloud.requests.map((r) => r.query)).toEqual([
        { status: 'available', offset: '0', limit: '1000' },
        { status: 'available', offset: '1000', limit: '1000' },
        { status: 'available', offset: '2000', limit: '1000' },
      ]);
    });

    it('delete answers 204; 400 EndPoint.3006 while in use', async () => {
      cloud.on('vpcep', 'DELETE', `${BASE}/vpc-endpoint-services/${SERVICE_ID}`, { status: 204 });
      await expect(c.vpcep.deleteEndpointService(SERVICE_ID)).resolves.toBeUndefined();
      expect(cloud.last().method).toBe('DELETE');
      expectSigned(cloud.last());
      cloud.on('vpcep', 'DELETE', `${BASE}/vpc-endpoint-services/${SERVICE_ID}`, {
        status: 400,
        body: { error_code: 'EndPoint.3006', error_msg: 'The endpoint service is being used.' },
      });
      await expect(c.vpcep.deleteEndpointService(SERVICE_ID)).rejects.toMatchObject({ code: 'EndPoint.3006', kind: 'conflict' });
    });

    it('describe by name and by id; is_charge as string or boolean', async () => {
      const name = 'eu-de.cvpc-abc.4189d3c2-8882-4871-a3c2-d380272eed83';
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/describe`, {
        status: 200,
        body: { id: SERVICE_ID, service_name: name, service_type: 'interface', created_at: '2018-09-17T07:28:31Z', is_charge: 'true' },
      });
      const byName = await c.vpcep.describeEndpointService({ endpoint_service_name: name });
      expect(cloud.last().query).toEqual({ endpoint_service_name: name });
      expect(byName.is_charge).toBe(true);
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/describe`, {
        status: 200,
        body: { id: SERVICE_ID, service_name: name, service_type: 'interface', is_charge: false },
      });
      const byId = await c.vpcep.describeEndpointService({ id: SERVICE_ID });
      expect(cloud.last().query).toEqual({ id: SERVICE_ID });
      expect(byId.is_charge).toBe(false);
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/describe`, notFound);
      expect(isNotFound(await c.vpcep.describeEndpointService({ id: 'nope' }).catch((e: unknown) => e))).toBe(true);
    });
  });

  describe('permissions', () => {
    it('add and remove', async () => {
      const perm = domainPermission('1564ec50ef2a47c791ea5536353ed4b9');
      expect(perm).toBe('iam:domain::1564ec50ef2a47c791ea5536353ed4b9');
      expect(domainPermission('*')).toBe('*');
      const path = `${BASE}/vpc-endpoint-services/${SERVICE_ID}/permissions/action`;
      cloud.on('vpcep', 'POST', path, { status: 200, body: { permissions: [perm] } });
      expect((await c.vpcep.addPermissions(SERVICE_ID, [perm])).permissions).toEqual([perm]);
      expect(cloud.last().body).toEqual({ permissions: [perm], action: 'add' });
      expectSigned(cloud.last());
      cloud.on('vpcep', 'POST', path, { status: 200, body: { permissions: [] } });
      await c.vpcep.removePermissions(SERVICE_ID, [perm]);
      expect(cloud.last().body).toEqual({ permissions: [perm], action: 'remove' });
      cloud.on('vpcep', 'POST', path, { status: 400, body: { error_code: 'EndPoint.3002', error_msg: 'Invalid permission.' } });
      await expect(c.vpcep.addPermissions(SERVICE_ID, ['iam:domain::*'])).rejects.toMatchObject({ code: 'EndPoint.3002', retryable: false });
    });

    it('list', async () => {
      const path = `${BASE}/vpc-endpoint-services/${SERVICE_ID}/permissions`;
      cloud.on('vpcep', 'GET', path, {
        status: 200,
        body: {
          permissions: [{ id: 'a1', permission: '*', description: '', permission_type: 'domainId', created_at: '2024-08-23T07:37:37Z' }],
          total_count: 1,
        },
      });
      const res = await c.vpcep.listPermissions(SERVICE_ID, { permission: 'iam:domain::', limit: 500 });
      expect(cloud.last().query).toEqual({ permission: 'iam:domain::', limit: '500' });
      expect(res.permissions[0]?.permission).toBe('*');
      cloud.on('vpcep', 'GET', path, notFound);
      expect(isNotFound(await c.vpcep.listPermissions(SERVICE_ID).catch((e: unknown) => e))).toBe(true);
    });
  });

  describe('endpoints', () => {
    it('create returns creating without ip; marker_id exact', async () => {
      cloud.on('vpcep', 'POST', `${BASE}/vpc-endpoints`, { status: 200, body: endpointJson({ status: 'creating', ip: undefined }) });
      const body = { endpoint_service_id: SERVICE_ID, vpc_id: VPC_ID, subnet_id: endpointBody.subnet_id, enable_dns: false };
      const ep = await c.vpcep.createEndpoint(body);
      expect(cloud.last().body).toEqual(body);
      expectSigned(cloud.last());
      expect(ep.status).toBe('creating');
      expect(ep.ip).toBeUndefined();
      expect(ep.marker_id).toBe(BIG_MARKER);
      cloud.on('vpcep', 'POST', `${BASE}/vpc-endpoints`, {
        status: 400,
        body: { error_code: 'EndPoint.2012', error_msg: 'You have no permission to connect to the VPC endpoint service.' },
      });
      await expect(c.vpcep.createEndpoint(body)).rejects.toMatchObject({ code: 'EndPoint.2012', retryable: false });
    });

    it('get keeps marker_id beyond 2^53 exactly', async () => {
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoints/${ENDPOINT_ID}`, { status: 200, body: endpointJson() });
      const ep = await c.vpcep.getEndpoint(ENDPOINT_ID);
      expect(cloud.last().rawBody).toBe('');
      expect(ep.marker_id).toBe(BIG_MARKER);
      expect(ep.ip).toBe('192.168.0.232');
      expect(ep['endpoint_pool_id']).toBe('ab12');
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoints/${ENDPOINT_ID}`, { status: 404, body: { error_code: 'EndPoint.2006', error_msg: 'The requested endpoint does not exist.' } });
      expect(isNotFound(await c.vpcep.getEndpoint(ENDPOINT_ID).catch((e: unknown) => e))).toBe(true);
    });

    it('list and listAll', async () => {
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoints`, { status: 200, body: `{"endpoints":[${endpointJson()}],"total_count":1}` });
      const page = await c.vpcep.listEndpoints({ vpc_id: VPC_ID, endpoint_service_name: 'cvpc' });
      expect(cloud.last().query).toEqual({ vpc_id: VPC_ID, endpoint_service_name: 'cvpc' });
      expect(page.endpoints[0]?.marker_id).toBe(BIG_MARKER);
      cloud.on(
        'vpcep',
        'GET',
        `${BASE}/vpc-endpoints`,
        (req) => ({
          status: 200,
          body: { endpoints: req.query.offset === '0' ? Array.from({ length: 1000 }, (_, i) => ({ ...endpointBody, id: `e${i}` })) : [{ ...endpointBody, id: 'last' }], total_count: 1001 },
        }),
        2,
      );
      const all = await c.vpcep.listAllEndpoints({ vpc_id: VPC_ID });
      expect(all).toHaveLength(1001);
      expect(all[1000]?.id).toBe('last');
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoints`, { status: 500, body: { error_code: 'EndPoint.0001', error_msg: 'Internal error.' } });
      expect(isRetryable(await c.vpcep.listEndpoints().catch((e: unknown) => e))).toBe(true);
    });

    it('delete', async () => {
      cloud.on('vpcep', 'DELETE', `${BASE}/vpc-endpoints/${ENDPOINT_ID}`, { status: 204 });
      await c.vpcep.deleteEndpoint(ENDPOINT_ID);
      expect(cloud.last().path).toBe(`${BASE}/vpc-endpoints/${ENDPOINT_ID}`);
      expectSigned(cloud.last());
      cloud.on('vpcep', 'DELETE', `${BASE}/vpc-endpoints/${ENDPOINT_ID}`, { status: 404, body: { error_code: 'EndPoint.2006', error_msg: 'gone' } });
      expect(isNotFound(await c.vpcep.deleteEndpoint(ENDPOINT_ID).catch((e: unknown) => e))).toBe(true);
    });
  });

  describe('connections', () => {
    const connection = {
      id: ENDPOINT_ID,
      marker_id: 16777337,
      status: 'pendingAcceptance',
      domain_id: '1564ec50ef2a47c791ea5536353ed4b9',
      created_at: '2018-10-18T06:49:46Z',
      updated_at: '2018-10-18T06:49:50Z',
      error: [],
    };

    it('list with query; marker_id as string', async () => {
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/${SERVICE_ID}/connections`, { status: 200, body: { connections: [connection], total_count: 1 } });
      const res = await c.vpcep.listConnections(SERVICE_ID, { id: ENDPOINT_ID, status: 'pendingAcceptance' });
      expect(cloud.last().query).toEqual({ id: ENDPOINT_ID, status: 'pendingAcceptance' });
      expect(res.connections[0]?.marker_id).toBe('16777337');
      cloud.on('vpcep', 'GET', `${BASE}/vpc-endpoint-services/${SERVICE_ID}/connections`, notFound);
      expect(isNotFound(await c.vpcep.listConnections(SERVICE_ID).catch((e: unknown) => e))).toBe(true);
    });

    it('action receive / reject sends one endpoint', async () => {
      const path = `${BASE}/vpc-endpoint-services/${SERVICE_ID}/connections/action`;
      cloud.on('vpcep', 'POST', path, { status: 200, body: { connections: [{ ...connection, status: 'accepted' }] } });
      const res = await c.vpcep.connectionAction(SERVICE_ID, ENDPOINT_ID, 'receive');
      expect(cloud.last().body).toEqual({ endpoints: [ENDPOINT_ID], action: 'receive' });
      expectSigned(cloud.last());
      expect(res.connections[0]?.status).toBe('accepted');
      cloud.on('vpcep', 'POST', path, { status: 400, body: { error_code: 'Endpoint.2013', error_msg: 'The endpoint does not belong to the endpoint service.' } });
      await expect(c.vpcep.connectionAction(SERVICE_ID, 'other', 'reject')).rejects.toMatchObject({ code: 'Endpoint.2013' });
      expect(cloud.last().body).toEqual({ endpoints: ['other'], action: 'reject' });
    });
  });

  describe('quotas', () => {
    it('with and without type', async () => {
      const body = { quotas: { resources: [{ type: 'endpoint_service', used: 10, quota: 20 }] } };
      cloud.on('vpcep', 'GET', `${BASE}/quotas`, { status: 200, body });
      const q = await c.vpcep.getQuotas('endpoint_service');
      expect(cloud.last().query).toEqual({ type: 'endpoint_service' });
      expect(q.quotas.resources[0]).toEqual({ type: 'endpoint_service', used: 10, quota: 20 });
      cloud.on('vpcep', 'GET', `${BASE}/quotas`, { status: 200, body });
      await c.vpcep.getQuotas();
      expect(cloud.last().query).toEqual({});
      cloud.on('vpcep', 'GET', `${BASE}/quotas`, { status: 403, body: { error_code: 'EndPoint.0004', error_msg: 'Forbidden.' } });
      await expect(c.vpcep.getQuotas()).rejects.toMatchObject({ status: 403, kind: 'forbidden', retryable: false });
    });
  });
});
