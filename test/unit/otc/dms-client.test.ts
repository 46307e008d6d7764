import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCrossVpcInfo, CrossVpcInfoError } from '../../../src/otc/dms-schemas.js';
import { isBusy, isNotFound, isThrottled, OtcResponseShapeError } from '../../../src/otc/errors.js';
import type { OtcClients } from '../../../src/otc/otc-clients.js';
import { akskClients, MockCloud, PROJECT_ID } from './mock-cloud.js';

const BASE = `/v2/${PROJECT_ID}`;
const INSTANCE_ID = '68aa4fd2-e1ba-4f29-9ab4-1e2c2d40a6b1';
const PORTS = ['1f2b3c4d-0000-4000-8000-000000000061', '1f2b3c4d-0000-4000-8000-000000000072', '1f2b3c4d-0000-4000-8000-000000000100'];

// After otc-dms-vpc-iam-api.md §1.1 / §1.3 (docs example).
const crossVpcInfo = JSON.stringify({
  '192.168.0.61': { advertised_ip: '192.168.0.61', port: 9011, port_id: PORTS[0] },
  '192.168.0.72': { advertised_ip: '192.168.0.72', port: 9011, port_id: PORTS[1] },
  '192.168.0.100': { advertised_ip: '192.168.0.100', port: 9011, port_id: PORTS[2] },
});
const instance = {
  name: 'kafka-2085975099',
  engine: 'kafka',
  port: 9092,
  status: 'RUNNING',
  type: 'cluster',
  engine_version: '2.7.2',
  connect_address: '192.168.0.100,192.168.0.61,192.168.0.72',
  instance_id: INSTANCE_ID,
  vpc_id: '1e93f86e-13af-46c8-97d6-d40fa62b76c2',
  subnet_id: '0f4c9d4c-8b4c-4bd6-9b2c-2e7f6b4d1c11',
  security_group_id: 'fc8d7d4d-3e5f-4c5e-a1a4-7d7a4b0a9b7e',
  broker_num: 3,
  partition_num: '300',
  created_at: '1585618587087',
  ssl_enable: false,
  kafka_security_protocol: 'SASL_SSL',
  sasl_enabled_mechanisms: ['PLAIN'],
  cross_vpc_info: crossVpcInfo,
  management_connect_address: 'https://192.168.0.100:9999',
  enable_log_collection: false,
};

describe('parseCrossVpcInfo', () => {
  it('parses the JSON string into typed entries sorted by listener IP (string order)', () => {
    expect(parseCrossVpcInfo(crossVpcInfo)).toEqual([
      { listenerIp: '192.168.0.100', advertisedIp: '192.168.0.100', port: 9011, portId: PORTS[2] },
      { listenerIp: '192.168.0.61', advertisedIp: '192.168.0.61', port: 9011, portId: PORTS[0] },
      { listenerIp: '192.168.0.72', advertisedIp: '192.168.0.72', port: 9011, portId: PORTS[1] },
    ]);
  });
  it('empty string, null, undefined and {} give []', () => {
    expect(parseCrossVpcInfo('')).toEqual([]);
    expect(parseCrossVpcInfo(null)).toEqual([]);
    expect(parseCrossVpcInfo(undefined)).toEqual([]);
    expect(parseCrossVpcInfo('{}')).toEqual([]);
  });
  it('advertised_ip defaults to the listener ip; port as string is accepted', () => {
    expect(parseCrossVpcInfo('{"10.0.0.1":{"port":"9011","port_id":"p1"}}')).toEqual([{ listenerIp: '10.0.0.1', advertisedIp: '10.0.0.1', port: 9011, portId: 'p1' }]);
  });
  it('rejects malformed text', () => {
    expect(() => parseCrossVpcInfo('{not json')).toThrow(CrossVpcInfoError);
    expect(() => parseCrossVpcInfo('{"10.0.0.1":{"port":9011}}')).toThrow(/port_id/);
  });
});

describe('DmsClient', () => {
  let cloud: MockCloud;
  let c: OtcClients;
  beforeEach(() => {
    cloud = new MockCloud();
    c = akskClients(cloud);
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('getInstance adds crossVpcEntries and keeps unknown keys', async () => {
    cloud.on('dms', 'GET', `${BASE}/instances/${INSTANCE_ID}`, { status: 200, body: instance });
    const inst = await c.dms.getInstance(INSTANCE_ID);
    const req = cloud.last();
    expect(req.method).toBe('GET');
    expect(req.path).toBe(`${BASE}/instances/${INSTANCE_ID}`);
    expect(req.signature).toEqual({ ok: true, ak: 'QTWAOYTTINDUT2QVKYUC' });
    expect(inst.status).toBe('RUNNING');
    expect(inst.broker_num).toBe(3);
    expect(inst.cross_vpc_info).toBe(crossVpcInfo);
    expect(inst.crossVpcEntries.map((e) => e.portId)).toEqual([PORTS[2], PORTS[0], PORTS[1]]);
    expect(inst['management_connect_address']).toBe('https://192.168.0.100:9999');
  });

  it('getInstance right after creation: cross_vpc_info "" → []', async () => {
    cloud.on('dms', 'GET', `${BASE}/instances/${INSTANCE_ID}`, { status: 200, body: { ...instance, status: 'CREATING', cross_vpc_info: '' } });
    expect((await c.dms.getInstance(INSTANCE_ID)).crossVpcEntries).toEqual([]);
  });

  it('getInstance with malformed cross_vpc_info is a shape error', async () => {
    cloud.on('dms', 'GET', `${BASE}/instances/${INSTANCE_ID}`, { status: 200, body: { ...instance, cross_vpc_info: '{oops' } });
    const err = await c.dms.getInstance(INSTANCE_ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtcResponseShapeError);
    expect((err as Error).message).toMatch(/cross_vpc_info/);
  });

  it('getInstance 404 and flow control (404!)', async () => {
    cloud.on('dms', 'GET', `${BASE}/instances/${INSTANCE_ID}`, { status: 404, body: { error_code: 'DMS.00404022', error_msg: 'This instance does not exist.' } });
    expect(isNotFound(await c.dms.getInstance(INSTANCE_ID).catch((e: unknown) => e))).toBe(true);
    cloud.on('dms', 'GET', `${BASE}/instances/${INSTANCE_ID}`, {
      status: 404,
      body: { error_code: 'DMS.10240407', error_msg: 'The request is too frequent. Flow control is being performed.' },
    });
    const err = await c.dms.getInstance(INSTANCE_ID).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(false);
    expect(isThrottled(err)).toBe(true);
  });

  it('listInstances defaults engine=kafka and sends the query', async () => {
    cloud.on('dms', 'GET', `${BASE}/instances`, { status: 200, body: { instances: [instance], instance_num: 1 } });
    const res = await c.dms.listInstances({ name: 'kafka-2085975099', exact_match_name: 'true' });
    expect(cloud.last().query).toEqual({ engine: 'kafka', name: 'kafka-2085975099', exact_match_name: 'true' });
    expect(res.instance_num).toBe(1);
    expect(res.instances[0]?.crossVpcEntries).toHaveLength(3);
    cloud.on('dms', 'GET', `${BASE}/instances`, { status: 400, body: { error_code: 'DMS.00400062', error_msg: 'Invalid request parameter.' } });
    await expect(c.dms.listInstances({ limit: 500 })).rejects.toMatchObject({ code: 'DMS.00400062', retryable: false });
  });

  it('listAllInstances pages by 50 until instance_num', async () => {
    const all = Array.from({ length: 120 }, (_, i) => ({ ...instance, instance_id: `i-${i}` }));
    cloud.on(
      'dms',
      'GET',
      `${BASE}/instances`,
      (req) => {
        const offset = Number(req.query.offset);
        return { status: 200, body: { instances: all.slice(offset, offset + Number(req.query.limit)), instance_num: all.length } };
      },
      3,
    );
    const got = await c.dms.listAllInstances({ status: 'RUNNING' });
    expect(got.map((i) => i.instance_id)).toEqual(all.map((i) => i.instance_id));
    expect(cloud.requests.map((r) => [r.query.offset, r.query.limit, r.query.engine, r.query.status])).toEqual([
      ['0', '50', 'kafka', 'RUNNING'],
      ['50', '50', 'kafka', 'RUNNING'],
      ['100', '50', 'kafka', 'RUNNING'],
    ]);
  });

  it('modifyCrossVpc posts advertised_ip_contents', async () => {
    const path = `${BASE}/instances/${INSTANCE_ID}/crossvpc/modify`;
    const contents = { '192.168.0.61': '10.158.0.151', '192.168.0.72': '10.158.0.162', '192.168.0.100': '10.158.0.164' };
    cloud.on('dms', 'POST', path, {
      status: 200,
      body: {
        success: true,
        results: Object.entries(contents).map(([ip, adv]) => ({ advertised_ip: adv, success: true, ip })),
      },
    });
    const res = await c.dms.modifyCrossVpc(INSTANCE_ID, contents);
    expect(cloud.last().body).toEqual({ advertised_ip_contents: contents });
    expect(cloud.last().signature).toEqual({ ok: true, ak: 'QTWAOYTTINDUT2QVKYUC' });
    expect(res.success).toBe(true);
    expect(res.results?.map((r) => r.ip)).toEqual(Object.keys(contents));
  });

  it('modifyCrossVpc: busy instance is retryable, success:false is returned as is', async () => {
    const path = `${BASE}/instances/${INSTANCE_ID}/crossvpc/modify`;
    cloud.on('dms', 'POST', path, { status: 400, body: { error_code: 'DMS.00400026', error_msg: 'This operation is not allowed due to the instance status.' } });
    const err = await c.dms.modifyCrossVpc(INSTANCE_ID, { '192.168.0.61': '10.0.0.1' }).catch((e: unknown) => e);
    expect(isBusy(err)).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
    cloud.on('dms', 'POST', path, { status: 200, body: { success: false, results: [{ advertised_ip: '10.0.0.1', success: false, ip: '192.168.0.61' }] } });
    const res = await c.dms.modifyCrossVpc(INSTANCE_ID, { '192.168.0.61': '10.0.0.1' });
    expect(res.success).toBe(false);
  });
});
